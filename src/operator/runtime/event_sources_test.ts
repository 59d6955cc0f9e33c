import { assertEquals } from "../../../tests/assert.ts";
import { startFakeKubeApi } from "../../../tests/kube_fake/mod.ts";
import { renderK8znerClusterCrd } from "../../addons/k8zner_crd.ts";
import { createKubeClient } from "../../kube/mod.ts";
import { ClusterEventSources } from "./event_sources.ts";

async function until(what: string, check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

Deno.test("ClusterEventSources queues a cluster on spec changes and on events of the Nodes it owns, not on its own status writes", async () => {
  const api = await startFakeKubeApi();
  const kube = await createKubeClient({ kubeconfigYaml: api.kubeconfigYaml() });
  const added: string[] = [];
  const sources = new ClusterEventSources({
    kube,
    queue: { add: (key) => added.push(key) },
    namespace: "k8zner-system",
  });
  const stop = new AbortController();
  api.store.put(renderK8znerClusterCrd());
  api.store.put({ apiVersion: "v1", kind: "Namespace", metadata: { name: "k8zner-system" } });
  const cluster = {
    apiVersion: "k8zner.io/v1alpha1",
    kind: "K8znerCluster",
    metadata: { name: "prod", namespace: "k8zner-system" },
    spec: { workers: { count: 1 } },
    status: { workers: { nodes: [{ name: "prod-w-1", serverID: 4711 }] } },
  };
  api.store.put(cluster);
  const running = sources.run(stop.signal);
  try {
    await sources.waitForSync();
    assertEquals(added, ["k8zner-system/prod"]);
    api.store.put({ ...cluster, status: { ...cluster.status, phase: "Running" } });
    api.store.put({
      apiVersion: "v1",
      kind: "Node",
      metadata: { name: "stranger" },
      spec: { providerID: "hcloud://1" },
    });
    api.store.put({
      apiVersion: "v1",
      kind: "Node",
      metadata: { name: "renamed" },
      spec: { providerID: "hcloud://4711" },
    });
    await until("node event", () => added.length === 2);
    api.store.put({ ...cluster, spec: { workers: { count: 2 } } });
    await until("spec change", () => added.length === 3);
    await new Promise((r) => setTimeout(r, 50));
    assertEquals(added, ["k8zner-system/prod", "k8zner-system/prod", "k8zner-system/prod"]);
    assertEquals(sources.synced, true);
  } finally {
    stop.abort();
    await running;
    kube.close();
    await api.close();
  }
});
