/**
 * The workload controllers in a running local cloud, judged by the real kubectl's `rollout status`
 * (the same observedGeneration and replica-count rules Helm's `--wait` applies): a DaemonSet that
 * tolerates nothing runs only on untainted nodes, the hcloud CCM DaemonSet (the chart's tolerations)
 * initializes the Nodes once its pod is ready, a Deployment whose pods fit no node stays unavailable,
 * and a DaemonSet failed on demand crash-loops until cleared.
 */
import { assertEquals, assertMatch } from "../assert.ts";
import { FAKE_CONTRACTS } from "../fake_contracts.ts";
import { kubectlRequirement, runKubectl } from "../kube_fake/kubectl_binary.ts";
import type { FakeKubeStore, KubeObj } from "../kube_fake/mod.ts";
import { requires } from "../requirements.ts";
import { clearWorkloadFailure, failWorkload, installFakeCni, startLocalCloud } from "./mod.ts";
import { startTestCluster } from "./test_cluster.ts";
import { waitFor } from "./test_helpers.ts";

const KUBECTL = await kubectlRequirement();

function workload(kind: "DaemonSet" | "Deployment", name: string, podSpec: Record<string, unknown>): KubeObj {
  return {
    apiVersion: "apps/v1",
    kind,
    metadata: { name, namespace: "kube-system" },
    spec: {
      selector: { matchLabels: { app: name } },
      // What the API server defaults (the fake stores objects as written); kubectl's rollout status needs it.
      ...(kind === "DaemonSet" ? { updateStrategy: { type: "RollingUpdate" } } : {}),
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name, image: `example.com/${name}:1` }], ...podSpec },
      },
    },
  };
}

/** The hcloud CCM chart's DaemonSet pod spec (kind: DaemonSet, networking on, pinned to control planes). */
const CCM_POD = {
  hostNetwork: true,
  nodeSelector: { "node-role.kubernetes.io/control-plane": "" },
  tolerations: [
    { key: "node.cloudprovider.kubernetes.io/uninitialized", value: "true", effect: "NoSchedule" },
    { key: "CriticalAddonsOnly", operator: "Exists" },
    { key: "node-role.kubernetes.io/master", effect: "NoSchedule", operator: "Exists" },
    { key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule", operator: "Exists" },
    { key: "node.kubernetes.io/not-ready", effect: "NoExecute" },
  ],
};

/** `kubectl rollout status -n <namespace> <target> <timeout flag>`, what a user runs to wait for a workload. */
function rolloutStatus(kubeconfig: string, dir: string, namespace: string, target: string, timeout: string) {
  return kubectl(kubeconfig, dir, "rollout", "status", "-n", namespace, target, timeout);
}

function kubectl(kubeconfig: string, dir: string, ...args: string[]) {
  return runKubectl(KUBECTL.path, kubeconfig, dir, ...args);
}

const nodesOf = (store: FakeKubeStore, app: string) =>
  store.listObjects("v1", "Pod", "kube-system")
    .filter((p) => (p.metadata as { labels: Record<string, string> }).labels.app === app)
    .map((p) => (p.spec as { nodeName: string }).nodeName).sort();

Deno.test(requires([KUBECTL, ...FAKE_CONTRACTS], {
  name:
    "workloads in a local cloud: placement by taints, the CCM DaemonSet, unavailable Deployments, failure on demand",
  fn: async () => {
    await using cloud = await startLocalCloud({ speed: 200, rescueSsh: false, operator: false });
    const dir = await Deno.makeTempDir();
    try {
      const cluster = await startTestCluster(cloud, "wl");
      await cluster.join("wl-w-1", "worker");
      const { store, kubeconfig } = cluster;
      await waitFor("both Nodes", () => store.listObjects("v1", "Node").length === 2);
      installFakeCni(store);

      // Tolerating nothing: every node still carries the CCM's uninitialized taint, so no pod anywhere.
      store.put(workload("DaemonSet", "node-agent", {}));
      store.put(workload("Deployment", "nowhere", { nodeSelector: { "example.com/gpu": "true" } }));
      const waiting = await waitFor("the DaemonSet's first status", () => {
        const s = store.getObject("apps/v1", "DaemonSet", "node-agent", "kube-system")!.status as Record<
          string,
          number
        >;
        return s && s;
      });
      assertEquals([waiting.desiredNumberScheduled, waiting.currentNumberScheduled], [0, 0]);

      // The CCM as a DaemonSet: its pod runs on the control plane, and only then are Nodes initialized.
      store.put(workload("DaemonSet", "hcloud-cloud-controller-manager", CCM_POD));
      await waitFor(
        "Nodes without the uninitialized taint",
        () =>
          store.listObjects("v1", "Node").every((n) =>
            !((n.spec as { taints?: Array<{ key: string }> }).taints ?? []).some((t) =>
              t.key === "node.cloudprovider.kubernetes.io/uninitialized"
            )
          ),
        10_000,
      );
      assertEquals(nodesOf(store, "hcloud-cloud-controller-manager"), ["wl-cp-1"]);

      // Now the worker is initialized and Ready: the plain DaemonSet runs there, not on the tainted control plane.
      const rollout = await rolloutStatus(kubeconfig, dir, "kube-system", "ds/node-agent", "--timeout=10s");
      assertEquals(rollout.code, 0, rollout.stderr);
      assertMatch(rollout.stdout, /daemon set "node-agent" successfully rolled out/);
      assertEquals(nodesOf(store, "node-agent"), ["wl-w-1"]);
      const ds = store.getObject("apps/v1", "DaemonSet", "node-agent", "kube-system")!;
      assertEquals((ds.status as Record<string, number>).numberReady, 1);
      assertEquals(
        (ds.status as Record<string, number>).observedGeneration,
        (ds.metadata as { generation: number }).generation,
      );

      // A Deployment whose pods fit no node never rolls out.
      const stuck = await rolloutStatus(kubeconfig, dir, "kube-system", "deploy/nowhere", "--timeout=1s");
      assertEquals(stuck.code, 1);
      assertMatch(stuck.stdout + stuck.stderr, /0 of 1 updated replicas are available/);

      // Failed on demand: the daemon pod crash-loops and the DaemonSet is not ready, until cleared.
      const ref = { kind: "DaemonSet" as const, namespace: "kube-system", name: "node-agent" };
      failWorkload(store, ref, { reason: "exec /agent: exec format error" });
      const crashing = await waitFor("the daemon pod crash-looping", () => {
        const pod = store.listObjects("v1", "Pod", "kube-system").find((p) =>
          (p.metadata as { labels: Record<string, string> }).labels.app === "node-agent"
        );
        const state = (pod?.status as { containerStatuses?: Array<{ state: { waiting?: { reason: string } } }> })
          ?.containerStatuses?.[0]?.state.waiting;
        return state?.reason === "CrashLoopBackOff" && pod;
      });
      assertEquals((crashing.spec as { nodeName: string }).nodeName, "wl-w-1");
      await waitFor(
        "numberReady 0",
        () =>
          (store.getObject("apps/v1", "DaemonSet", "node-agent", "kube-system")!.status as Record<string, number>)
            .numberReady === 0,
      );
      const failing = await rolloutStatus(kubeconfig, dir, "kube-system", "ds/node-agent", "--timeout=1s");
      assertEquals(failing.code, 1);
      clearWorkloadFailure(store, ref);
      const again = await rolloutStatus(kubeconfig, dir, "kube-system", "ds/node-agent", "--timeout=10s");
      assertEquals(again.code, 0, again.stderr);
      assertEquals(cloud.errors.map((e) => e.message), []);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
}));
