import { join } from "node:path";
import { assertEquals } from "../../tests/assert.ts";
import type { KubeClient } from "../kube/mod.ts";
import { readKubeconfigFacts } from "../cluster/credentials.ts";
import { findLiveCluster } from "./live_cluster.ts";

const KUBECONFIG = [
  "apiVersion: v1",
  "kind: Config",
  "clusters: [{ name: demo, cluster: { server: 'https://192.0.2.1:6443' } }]",
  "contexts: [{ name: admin@demo, context: { cluster: demo, user: admin } }]",
  "current-context: admin@demo",
  "users: [{ name: admin, user: {} }]",
  "",
].join("\n");

/** A Kubernetes client whose every request fails with `message`; records the kubeconfig it was built from. */
function failingKube(message: string, seen: string[]) {
  return (yaml: string): Promise<KubeClient> => {
    seen.push(yaml);
    const server = readKubeconfigFacts(yaml)!.server;
    return Promise.resolve(
      { server, close() {}, get: () => Promise.reject(new Error(message)) } as unknown as KubeClient,
    );
  };
}

async function withKubeconfig(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(join(dir, "kubeconfig"), KUBECONFIG);
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const sleep = () => new Promise<void>(() => {});

Deno.test("findLiveCluster() asks nothing when the discovery found no API server", async () => {
  await withKubeconfig(async (dir) => {
    const seen: string[] = [];
    const live = await findLiveCluster({ kube: failingKube("unused", seen), sleep }, {
      secretsDir: dir,
      clusterName: "demo",
      apiServer: undefined,
    });
    assertEquals(live, {});
    assertEquals(seen, []);
  });
});

Deno.test("findLiveCluster() asks the discovered API server, not the kubeconfig's, and keeps the whole reason", async () => {
  await withKubeconfig(async (dir) => {
    const seen: string[] = [];
    const reason = "request to https://192.0.2.7:6443/apis/k8zner.io/v1alpha1/namespaces/k8zner-system/" +
      "k8znerclusters/demo failed, reason: connect ECONNREFUSED 192.0.2.7:6443 (after a long path to make it long)";
    const live = await findLiveCluster({ kube: failingKube(reason, seen), sleep }, {
      secretsDir: dir,
      clusterName: "demo",
      apiServer: "https://192.0.2.7:6443",
    });
    live.kube?.close();
    assertEquals(seen.map((y) => readKubeconfigFacts(y)!.server), ["https://192.0.2.7:6443"]);
    assertEquals(live.object, undefined);
    assertEquals(live.note?.endsWith(`(${reason})`) ?? false, true, live.note);
    assertEquals(await Deno.readTextFile(join(dir, "kubeconfig")), KUBECONFIG, "the file is not written");
  });
});
