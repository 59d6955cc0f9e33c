/**
 * A Talos upgrade in the local cloud does what Talos' upgrade sequence does around the reboot: cordon the
 * Node (annotated as Talos' cordon), evict its pods through the Eviction API (a PodDisruptionBudget that
 * allows nothing holds its pod until the drain times out; DaemonSet, mirror and unmanaged pods stay), reboot
 * into the new version, and lift the cordon once the node runs again.
 */
import { assertEquals } from "../assert.ts";
import { createTalosClient } from "../../src/talos/api_client.ts";
import type { KubeObj } from "../kube_fake/mod.ts";
import { startLocalCloud } from "./mod.ts";
import { installFakeCni } from "./fake_cni.ts";
import { startTestCluster } from "./test_cluster.ts";
import { waitFor } from "./test_helpers.ts";
import { TALOS_CORDONED_ANNOTATION } from "./talos_drain.ts";
import { withFakes } from "../fake_contracts.ts";

const INSTALLER = "factory.talos.dev/installer/376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba";

function pod(name: string, nodeName: string, owner?: { kind: string; name: string }): KubeObj {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: "default",
      labels: { app: name },
      ...(owner
        ? { ownerReferences: [{ apiVersion: "apps/v1", ...owner, uid: crypto.randomUUID(), controller: true }] }
        : {}),
    },
    spec: { nodeName, tolerations: [{ operator: "Exists" }], containers: [{ name: "c", image: "busybox" }] },
  };
}

Deno.test(withFakes("a Talos upgrade cordons and drains the node, honouring budgets, then uncordons it", async () => {
  await using cloud = await startLocalCloud({ speed: 1000, rescueSsh: false, operator: false });
  const cluster = await startTestCluster(cloud, "d");
  const worker = await cluster.join("d-w-1", "worker");
  const store = cluster.store;
  installFakeCni(store);
  await waitFor("the worker's Node", () => store.getObject("v1", "Node", "d-w-1"), 10_000);
  store.put(pod("free", "d-w-1", { kind: "ReplicaSet", name: "free-1" }));
  store.put(pod("guarded", "d-w-1", { kind: "ReplicaSet", name: "guarded-1" }));
  store.put(pod("agent", "d-w-1", { kind: "DaemonSet", name: "agent" }));
  store.put(pod("bare", "d-w-1"));
  store.put({
    apiVersion: "policy/v1",
    kind: "PodDisruptionBudget",
    metadata: { name: "guarded", namespace: "default" },
    spec: { minAvailable: 1, selector: { matchLabels: { app: "guarded" } } },
  });
  const running = (name: string) =>
    (store.getObject("v1", "Pod", name, "default")?.status as { phase?: string } | undefined)?.phase === "Running";
  await waitFor("the pods running", () => ["free", "guarded", "agent", "bare"].every(running), 10_000);

  const cordons: string[] = [];
  const stop = store.watch(store.typeOf("v1", "Node"), undefined, () => true, store.resourceVersion, (event) => {
    const node = event.object as KubeObj;
    if ((node.metadata as { name: string }).name !== "d-w-1") return;
    const entry = `${(node.spec as { unschedulable?: boolean }).unschedulable === true} ${
      (node.metadata as { annotations?: Record<string, string> }).annotations?.[TALOS_CORDONED_ANNOTATION]
    }`;
    if (cordons.at(-1) !== entry) cordons.push(entry);
  });
  const talosNode = cloud.talosNodes.get(worker.id)!;
  const talos = createTalosClient({ endpoint: worker.ip, ...cluster.talosCredentials });
  try {
    await talos.upgrade({ image: `${INSTALLER}:v1.14.0` });
    // The drain waits out the budget (5 min, scaled), so the upgrade is seen running.
    await waitFor("the upgrade running", () => talosNode.state.upgrading);
    await talosNode.waitForBoot();
    assertEquals(talosNode.state.talosVersion, "v1.14.0");
    assertEquals((await talos.version())[0]?.version?.tag, "v1.14.0");
    await waitFor("the Talos cordon lifted", () => cordons.at(-1) === "false undefined", 10_000);
  } finally {
    stop();
    await talos.close();
  }
  assertEquals(cordons, ["true true", "false undefined"]);
  const left = store.listObjects("v1", "Pod", "default").map((p) => (p.metadata as { name: string }).name).sort();
  // The budget kept "guarded" through the drain's timeout; Talos then rebooted anyway.
  assertEquals(left, ["agent", "bare", "guarded"]);
}));
