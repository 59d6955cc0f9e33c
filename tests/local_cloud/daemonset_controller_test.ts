import { assertEquals, assertMatch, assertOk } from "../assert.ts";
import { FAKE_CONTRACTS } from "../fake_contracts.ts";
import { FakeKubeStore, type KubeObj } from "../kube_fake/mod.ts";
import { validateBuiltinObject } from "../kube_fake/openapi_validation.ts";
import { requires } from "../requirements.ts";
import { reconcileDaemonSets } from "./daemonset_controller.ts";
import { runBoundPods, testNode } from "./workload_fixtures.ts";

const CONTROL_PLANE = { key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule" as const };
const NOT_READY = { key: "node.kubernetes.io/not-ready", effect: "NoSchedule" as const };

function daemonSet(name: string, podSpec: Record<string, unknown> = {}): KubeObj {
  return {
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: { name, namespace: "kube-system" },
    spec: {
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name, image: `example.com/${name}:1` }], ...podSpec },
      },
    },
  };
}

/** A cluster: a tainted control plane, a Ready worker, a worker still NotReady (not-ready:NoSchedule). */
function cluster(): FakeKubeStore {
  const store = new FakeKubeStore();
  store.put(testNode("cp-1", { labels: { "node-role.kubernetes.io/control-plane": "" }, taints: [CONTROL_PLANE] }));
  store.put(testNode("w-1"));
  store.put(testNode("w-2", { ready: "False", taints: [NOT_READY] }));
  return store;
}

type DsStatus = Record<string, number>;
const statusOf = (store: FakeKubeStore, name: string) =>
  store.getObject("apps/v1", "DaemonSet", name, "kube-system")!.status as DsStatus;
const nodesOf = (store: FakeKubeStore, app: string) =>
  store.listObjects("v1", "Pod", "kube-system")
    .filter((p) => (p.metadata as { labels: Record<string, string> }).labels.app === app)
    .map((p) => (p.spec as { nodeName: string }).nodeName).sort();

Deno.test(requires(FAKE_CONTRACTS, {
  name: "reconcileDaemonSets() runs a pod on each node whose taints it tolerates, as the real controller writes it",
  fn: () => {
    const store = cluster();
    store.put(daemonSet("plain"));
    store.put(daemonSet("agent", { hostNetwork: true, tolerations: [{ operator: "Exists" }] }));
    const pass = reconcileDaemonSets(store);
    assertEquals(pass.created.length, 4);
    // Tolerating nothing: not on the control plane, not on the NotReady worker (not-ready:NoSchedule is no default).
    assertEquals(nodesOf(store, "plain"), ["w-1"]);
    assertEquals(nodesOf(store, "agent"), ["cp-1", "w-1", "w-2"]);

    const pod = store.listObjects("v1", "Pod", "kube-system").find((p) =>
      (p.spec as { nodeName: string }).nodeName === "w-1" &&
      (p.metadata as { labels: Record<string, string> }).labels.app === "plain"
    )!;
    const meta = pod.metadata as Record<string, unknown> & { labels: Record<string, string>; name: string };
    assertMatch(meta.name, /^plain-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    assertEquals(meta.labels["pod-template-generation"], "1");
    assertOk(meta.labels["controller-revision-hash"]);
    const ds = store.getObject("apps/v1", "DaemonSet", "plain", "kube-system")!;
    assertEquals(meta.ownerReferences, [{
      apiVersion: "apps/v1",
      kind: "DaemonSet",
      name: "plain",
      uid: (ds.metadata as { uid: string }).uid,
      controller: true,
      blockOwnerDeletion: true,
    }]);
    const spec = pod.spec as Record<string, unknown>;
    assertEquals(
      (spec.affinity as { nodeAffinity: unknown }).nodeAffinity,
      {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchFields: [{ key: "metadata.name", operator: "In", values: ["w-1"] }] }],
        },
      },
    );
    assertEquals((spec.tolerations as unknown[]).length, 6);
    for (const p of store.listObjects("v1", "Pod")) validateBuiltinObject(store.typeOf("v1", "Pod"), p, "Strict");

    // Status before the kubelet ran anything, then after: what kstatus compares.
    assertEquals(statusOf(store, "plain"), {
      currentNumberScheduled: 1,
      desiredNumberScheduled: 1,
      numberMisscheduled: 0,
      numberReady: 0,
      observedGeneration: 1,
      updatedNumberScheduled: 1,
      numberUnavailable: 1,
    });
    runBoundPods(store);
    reconcileDaemonSets(store);
    assertEquals(statusOf(store, "agent"), {
      currentNumberScheduled: 3,
      desiredNumberScheduled: 3,
      numberMisscheduled: 0,
      numberReady: 3,
      observedGeneration: 1,
      updatedNumberScheduled: 3,
      numberAvailable: 3,
    });
    for (const d of store.listObjects("apps/v1", "DaemonSet")) {
      validateBuiltinObject(store.typeOf("apps/v1", "DaemonSet"), d, "Strict");
    }
    const rv = store.resourceVersion;
    assertEquals(reconcileDaemonSets(store), { created: [], deleted: [] });
    assertEquals(store.resourceVersion, rv, "a converged pass writes nothing");
  },
}));

Deno.test("reconcileDaemonSets() follows Nodes: new ones get a pod, NoExecute and unmatched ones lose it, NoSchedule keeps it", () => {
  const store = cluster();
  store.put(daemonSet("plain", { nodeSelector: { "kubernetes.io/os": "linux" } }));
  reconcileDaemonSets(store);
  store.put(testNode("w-3"));
  reconcileDaemonSets(store);
  assertEquals(nodesOf(store, "plain"), ["w-1", "w-3"]);

  // The worker becomes NotReady: not-ready:NoSchedule is untolerated but the pod keeps running (misscheduled).
  const w1 = store.getObject("v1", "Node", "w-1")!;
  store.put({ ...w1, spec: { taints: [NOT_READY] } });
  reconcileDaemonSets(store);
  assertEquals(nodesOf(store, "plain"), ["w-1", "w-3"]);
  assertEquals([statusOf(store, "plain").desiredNumberScheduled, statusOf(store, "plain").numberMisscheduled], [1, 1]);

  // A NoExecute taint it does not tolerate evicts it; a label change that no longer matches too.
  store.put({ ...w1, spec: { taints: [{ key: "dedicated", value: "db", effect: "NoExecute" }] } });
  const w3 = store.getObject("v1", "Node", "w-3")!;
  store.put({ ...w3, metadata: { ...w3.metadata as object, labels: { "kubernetes.io/os": "windows" } } });
  const pass = reconcileDaemonSets(store);
  assertEquals(pass.deleted.length, 2);
  assertEquals(nodesOf(store, "plain"), []);
  assertEquals(statusOf(store, "plain").desiredNumberScheduled, 0);
});

Deno.test("reconcileDaemonSets() replaces pods of an old template and stamps the new generation", () => {
  const store = cluster();
  store.put(daemonSet("plain"));
  reconcileDaemonSets(store);
  runBoundPods(store);
  reconcileDaemonSets(store);
  const before = store.listObjects("v1", "Pod", "kube-system").map((p) => (p.metadata as { name: string }).name);
  const ds = store.getObject("apps/v1", "DaemonSet", "plain", "kube-system")!;
  const next = daemonSet("plain", { priorityClassName: "system-node-critical" });
  store.put({ ...ds, spec: next.spec, metadata: { ...ds.metadata as object, generation: 2 } });
  const pass = reconcileDaemonSets(store);
  assertEquals(pass.deleted, before.map((n) => `kube-system/${n}`));
  const pods = store.listObjects("v1", "Pod", "kube-system");
  assertEquals(pods.map((p) => (p.spec as { priorityClassName?: string }).priorityClassName), ["system-node-critical"]);
  assertEquals((pods[0]!.metadata as { labels: Record<string, string> }).labels["pod-template-generation"], "2");
  const status = statusOf(store, "plain");
  assertEquals([status.observedGeneration, status.updatedNumberScheduled, status.numberReady], [2, 1, 0]);
});
