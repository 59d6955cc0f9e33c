/**
 * A fresh fake Kubernetes API and our real client connected to it, for one test; both are closed
 * afterwards, also when the test throws.
 *
 * @module
 */
import { createKubeClient, type KubeClient } from "../../src/kube/mod.ts";
import { type FakeKubeApi, type FakeKubeApiOptions, startFakeKubeApi } from "./mod.ts";

/** Runs `fn` with a client of a fresh fake API server (started with `options`) and closes both. */
export async function withKubeClient(
  fn: (kube: KubeClient, api: FakeKubeApi) => Promise<void>,
  options: FakeKubeApiOptions = {},
): Promise<void> {
  const api = await startFakeKubeApi(options);
  const kube = await createKubeClient({ kubeconfigYaml: api.kubeconfigYaml() });
  try {
    await fn(kube, api);
  } finally {
    kube.close();
    await api.close();
  }
}
