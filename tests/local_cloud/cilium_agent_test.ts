import { assertEquals } from "../assert.ts";
import { FakeKubeStore, type KubeObj } from "../kube_fake/mod.ts";
import { AGENT_NOT_READY_TAINT, isCniPod, reconcileCiliumNodeTaints } from "./cilium_agent.ts";
import { runsCloudControllerManager } from "./cloud_node_controller.ts";
import { reconcileDaemonSets } from "./daemonset_controller.ts";
import { ReplicaWorkloads } from "./replica_workloads.ts";
import { runBoundPods, testNode } from "./workload_fixtures.ts";

/** Pod template labels of the Cilium 1.19 chart's workloads (templates/cilium-*). */
const AGENT = { "k8s-app": "cilium", "app.kubernetes.io/name": "cilium-agent", "app.kubernetes.io/part-of": "cilium" };
const OPERATOR = {
  "io.cilium/app": "operator",
  name: "cilium-operator",
  "app.kubernetes.io/name": "cilium-operator",
  "app.kubernetes.io/part-of": "cilium",
};
const HUBBLE_RELAY = { "k8s-app": "hubble-relay", "app.kubernetes.io/name": "hubble-relay" };

function workload(kind: "DaemonSet" | "Deployment", name: string, labels: Record<string, string>): KubeObj {
  return {
    apiVersion: "apps/v1",
    kind,
    metadata: { name, namespace: "kube-system" },
    spec: {
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          hostNetwork: true,
          tolerations: [{ operator: "Exists" }],
          containers: [{ name, image: `quay.io/cilium/${name}:v1.19.3` }],
        },
      },
    },
  };
}

const taintKeys = (store: FakeKubeStore, name: string) =>
  ((store.getObject("v1", "Node", name)!.spec as { taints?: Array<{ key: string }> }).taints ?? []).map((t) => t.key);

Deno.test("isCniPod() counts the Cilium agent's DaemonSet pods, not the operator's or Hubble's", () => {
  const store = new FakeKubeStore();
  store.put(testNode("w-1"));
  store.put(workload("DaemonSet", "cilium", AGENT));
  store.put(workload("DaemonSet", "hubble-relay", HUBBLE_RELAY));
  store.put(workload("DaemonSet", "cilium-operator", OPERATOR));
  reconcileDaemonSets(store);
  const cni = store.listObjects("v1", "Pod").filter(isCniPod)
    .map((p) => (p.metadata as { generateName: string }).generateName);
  assertEquals(cni, ["cilium-"]);
  // The agent's labels without a DaemonSet owning the pod (a stray pod) do not count either.
  assertEquals(isCniPod({ apiVersion: "v1", kind: "Pod", metadata: { name: "x", labels: AGENT } }), false);
});

Deno.test("the cilium-operator removes agent-not-ready from nodes with a ready agent, and sets it on the others", () => {
  const store = new FakeKubeStore();
  const taint = { key: AGENT_NOT_READY_TAINT, value: "true", effect: "NoSchedule" as const };
  store.put(testNode("w-1", { taints: [taint] }));
  store.put(testNode("w-2"));
  store.put(workload("DaemonSet", "cilium", AGENT));
  reconcileDaemonSets(store);
  const workloads = new ReplicaWorkloads(store);
  // Agents ready, but no operator yet: nobody touches the taint.
  runBoundPods(store);
  assertEquals(reconcileCiliumNodeTaints(store), []);
  assertEquals(taintKeys(store, "w-1"), [AGENT_NOT_READY_TAINT]);

  store.put(workload("Deployment", "cilium-operator", OPERATOR));
  workloads.reconcile();
  assertEquals(reconcileCiliumNodeTaints(store), ["w-1"]);
  assertEquals(taintKeys(store, "w-1"), []);

  // An agent that stops being ready gets its node tainted again.
  const pod = store.listObjects("v1", "Pod").find((p) => (p.spec as { nodeName: string }).nodeName === "w-2")!;
  store.put({ ...pod, status: { phase: "Running", conditions: [{ type: "Ready", status: "False" }] } });
  assertEquals(reconcileCiliumNodeTaints(store), ["w-2"]);
  assertEquals(taintKeys(store, "w-2"), [AGENT_NOT_READY_TAINT]);
});

Deno.test("runsCloudControllerManager() needs a ready CCM pod, from a DaemonSet or a Deployment", () => {
  for (const kind of ["DaemonSet", "Deployment"] as const) {
    const store = new FakeKubeStore();
    store.put(
      testNode("cp-1", {
        taints: [{ key: "node.cloudprovider.kubernetes.io/uninitialized", value: "true", effect: "NoSchedule" }],
      }),
    );
    const ccm = workload(kind, "hcloud-cloud-controller-manager", { app: "hcloud-cloud-controller-manager" });
    // Tolerating only the control-plane taint, as a chart without the uninitialized toleration: it can never run.
    const template = (ccm.spec as { template: { spec: { tolerations: unknown[] } } }).template;
    template.spec.tolerations = [{ key: "node-role.kubernetes.io/control-plane", operator: "Exists" }];
    store.put(ccm);
    const workloads = new ReplicaWorkloads(store);
    reconcileDaemonSets(store);
    workloads.reconcile();
    assertEquals(runsCloudControllerManager(store), false, `${kind} without a schedulable pod`);
    template.spec.tolerations = [{
      key: "node.cloudprovider.kubernetes.io/uninitialized",
      value: "true",
      effect: "NoSchedule",
    }];
    store.put({
      ...store.getObject("apps/v1", kind, "hcloud-cloud-controller-manager", "kube-system")!,
      spec: ccm.spec,
    });
    reconcileDaemonSets(store);
    runBoundPods(store);
    reconcileDaemonSets(store);
    workloads.reconcile();
    assertEquals(runsCloudControllerManager(store), true, `${kind} with a ready pod`);
  }
});
