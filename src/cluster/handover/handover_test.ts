import { assertEquals, assertRejects } from "../../../tests/assert.ts";
import { seededRandom } from "../../../tests/seeded_random.ts";
import { type FakeKubeApi, startFakeKubeApi } from "../../../tests/kube_fake/mod.ts";
import { createKubeClient, type KubeClient } from "../../kube/mod.ts";
import { expandSpec } from "../../config/expand.ts";
import { renderK8znerCluster, renderK8znerClusterSpec } from "../../addons/k8zner_cluster.ts";
import { generateSecretsBundle, loadSecretsBundle } from "../../talos/secrets_bundle.ts";
import { UserFacingError } from "../../lib/errors.ts";
import {
  ensureK8znerCluster,
  followClusterStatus,
  installOperator,
  renderHandoverManifests,
  waitForKubeApi,
} from "./handover.ts";

const NOW = new Date("2026-03-01T00:00:00Z");
const bundle = await generateSecretsBundle({ now: NOW, random: seededRandom(31) });
const TOKEN = "hcloud-token-for-tests-0123456789";
const state = expandSpec({ name: "demo", region: "fsn1", mode: "ha", workers: { count: 2, size: "cx33" } });
const SPEC = renderK8znerClusterSpec(state, { apiAllowlist: ["198.51.100.7/32"] });
const MANIFESTS = renderHandoverManifests({
  clusterName: "demo",
  controlPlaneCount: 3,
  hcloudToken: TOKEN,
  bundle,
  talosconfig: "context: demo\n",
  image: "ghcr.io/k8zner/k8zner-operator:1.0.0",
});

async function withApi(fn: (api: FakeKubeApi, kube: KubeClient) => Promise<void>): Promise<void> {
  const api = await startFakeKubeApi({ now: () => NOW });
  const kube = await createKubeClient({ kubeconfigYaml: api.kubeconfigYaml() });
  try {
    await fn(api, kube);
  } finally {
    kube.close();
    await api.close();
  }
}

async function handover(kube: KubeClient) {
  await waitForKubeApi(kube, { timeoutMs: 5_000, intervalMs: 50 });
  const install = await installOperator(kube, MANIFESTS);
  const cluster = await ensureK8znerCluster(kube, { name: "demo", spec: SPEC });
  return { install, cluster };
}

const writes = (api: FakeKubeApi, from = 0) =>
  api.requests.slice(from).filter((r) => r.method !== "GET").map((r) => `${r.method} ${r.path}`);

Deno.test("the hand-over installs CRD, namespace, RBAC, credentials Secrets and Deployment, then the K8znerCluster without a status (the operator writes it)", async () => {
  await withApi(async (api, kube) => {
    const { install, cluster } = await handover(kube);
    assertEquals(install.unchanged, []);
    assertEquals(install.applied, [
      "CustomResourceDefinition k8znerclusters.k8zner.io",
      "Namespace k8zner-system",
      "ServiceAccount k8zner-system/k8zner-operator",
      "ClusterRole k8zner-operator",
      "ClusterRoleBinding k8zner-operator",
      "ClusterRole k8zner-operator-helm",
      "ClusterRoleBinding k8zner-operator-helm",
      "Role k8zner-system/k8zner-operator",
      "RoleBinding k8zner-system/k8zner-operator",
      "Secret k8zner-system/k8zner-cloud-credentials",
      "Secret k8zner-system/k8zner-talos-credentials",
      "Service k8zner-system/k8zner-operator-metrics",
      "Deployment k8zner-system/k8zner-operator",
    ]);
    const cloud = await kube.get("v1", "Secret", "k8zner-cloud-credentials", "k8zner-system");
    assertEquals(atob((cloud?.data as Record<string, string>)["hcloud-token"]!), TOKEN);
    const talos = await kube.get("v1", "Secret", "k8zner-talos-credentials", "k8zner-system");
    const data = talos?.data as Record<string, string>;
    assertEquals(atob(data["talosconfig"]!), "context: demo\n");
    const talosSecrets = await loadSecretsBundle(atob(data["talos-secrets"]!), { now: NOW });
    assertEquals(talosSecrets.certs.os.certPem, bundle.certs.os.certPem);
    const deployment = await kube.get("apps/v1", "Deployment", "k8zner-operator", "k8zner-system");
    assertEquals((deployment?.spec as { replicas: number }).replicas, 2);

    assertEquals(cluster.action, "created");
    const stored = await kube.get("k8zner.io/v1alpha1", "K8znerCluster", "demo", "k8zner-system");
    assertEquals(stored?.spec, renderK8znerCluster({ name: "demo", spec: SPEC }).spec);
    assertEquals(stored?.status, undefined);
    // One write to the cluster object, none to its status subresource.
    const clusterWrites = writes(api).filter((w) => /\/k8znerclusters(\/|$)/.test(w));
    assertEquals(clusterWrites, ["POST /apis/k8zner.io/v1alpha1/namespaces/k8zner-system/k8znerclusters"]);
  });
});

Deno.test("a second hand-over on a converged cluster makes zero writes", async () => {
  await withApi(async (api, kube) => {
    await handover(kube);
    const before = api.requests.length;
    const { install, cluster } = await handover(kube);
    assertEquals(writes(api, before), []);
    assertEquals(install.applied, []);
    assertEquals(install.unchanged.length, MANIFESTS.length);
    assertEquals([cluster.action, cluster.changes], ["unchanged", []]);
  });
});

Deno.test("a changed config updates only the K8znerCluster spec (one merge patch), leaving the operator's status alone", async () => {
  await withApi(async (api, kube) => {
    await handover(kube);
    await kube.patchStatus("k8zner.io/v1alpha1", "K8znerCluster", "demo", "k8zner-system", { phase: "Running" });
    const next = structuredClone(SPEC);
    next.workers.count = 4;
    delete next.apiAllowlist;
    const before = api.requests.length;
    const result = await ensureK8znerCluster(kube, { name: "demo", spec: next });
    assertEquals(result.action, "updated");
    assertEquals(result.changes, [
      { path: "apiAllowlist", from: ["198.51.100.7/32"], to: undefined },
      { path: "workers.count", from: 2, to: 4 },
    ]);
    assertEquals(writes(api, before), [
      "PATCH /apis/k8zner.io/v1alpha1/namespaces/k8zner-system/k8znerclusters/demo",
    ]);
    const stored = await kube.get("k8zner.io/v1alpha1", "K8znerCluster", "demo", "k8zner-system");
    assertEquals(stored?.spec, renderK8znerCluster({ name: "demo", spec: next }).spec);
    assertEquals((stored?.status as Record<string, unknown>).phase, "Running");
  });
});

Deno.test("apply keeps what the owner set in the cluster: spec.paused and spec.deletionPolicy", async () => {
  await withApi(async (_api, kube) => {
    await handover(kube);
    await kube.patchMerge("k8zner.io/v1alpha1", "K8znerCluster", "demo", "k8zner-system", {
      spec: { paused: true, deletionPolicy: "Delete" },
    });
    const result = await ensureK8znerCluster(kube, { name: "demo", spec: SPEC });
    assertEquals([result.action, result.changes], ["unchanged", []]);
    const stored = await kube.get("k8zner.io/v1alpha1", "K8znerCluster", "demo", "k8zner-system");
    const spec = stored?.spec as Record<string, unknown>;
    assertEquals([spec.paused, spec.deletionPolicy], [true, "Delete"]);
  });
});

Deno.test("a Secret changed behind our back is re-applied; the untouched objects are not", async () => {
  await withApi(async (api, kube) => {
    await installOperator(kube, MANIFESTS);
    const name = "k8zner-cloud-credentials";
    await kube.patchMerge("v1", "Secret", name, "k8zner-system", { data: { "hcloud-token": "eA==" } });
    const before = api.requests.length;
    const result = await installOperator(kube, MANIFESTS);
    assertEquals(result.applied, [`Secret k8zner-system/${name}`]);
    assertEquals(writes(api, before).length, 1);
    const secret = await kube.get("v1", "Secret", name, "k8zner-system");
    assertEquals(atob((secret?.data as Record<string, string>)["hcloud-token"]!), TOKEN);
  });
});

const condition = (type: string, status: "True" | "False", reason: string, message = "") => ({
  type,
  status,
  reason,
  message,
  lastTransitionTime: "2026-03-01T00:10:00Z",
});

/** Runs followClusterStatus() while each sleep writes the next status, as the operator would. */
async function followWhile(kube: KubeClient, statuses: Array<Record<string, unknown>>) {
  const lines: string[] = [];
  const result = await followClusterStatus(kube, "demo", (s) => lines.push(s.line), {
    intervalMs: 1,
    sleep: async () => {
      const next = statuses.shift();
      if (next) await kube.patchStatus("k8zner.io/v1alpha1", "K8znerCluster", "demo", "k8zner-system", next);
    },
  });
  return { lines, result, left: statuses.length };
}

Deno.test("followClusterStatus() reports each new status line and returns once the operator reports Running and Ready for this generation", async () => {
  await withApi(async (_api, kube) => {
    await handover(kube);
    const { lines, result, left } = await followWhile(kube, [
      {
        phase: "Provisioning",
        provisioningPhase: "Compute",
        observedGeneration: 1,
        controlPlanes: { desired: 3, ready: 1 },
        workers: { desired: 2, ready: 0 },
        conditions: [condition("Progressing", "True", "ScalingControlPlanes")],
      },
      { provisioningPhase: "Addons", controlPlanes: { desired: 3, ready: 3 }, workers: { desired: 2, ready: 1 } },
      // Ready from an older generation does not count.
      {
        phase: "Running",
        provisioningPhase: null,
        observedGeneration: 0,
        workers: { desired: 2, ready: 2 },
        conditions: [condition("Ready", "True", "AllHealthy")],
      },
      { observedGeneration: 1 },
    ]);
    assertEquals(lines, [
      "Pending: waiting for the operator",
      "Provisioning (Compute): control planes 1/3, workers 0/2",
      "Provisioning (Addons): control planes 3/3, workers 1/2",
      "Running: control planes 3/3, workers 2/2",
    ]);
    assertEquals([result.outcome, (result.object.status as Record<string, unknown>).phase], ["ready", "Running"]);
    assertEquals(left, 0);
  });
});

Deno.test("followClusterStatus() ends 'settled' when the operator stops progressing short of Ready, naming what it waits for", async () => {
  await withApi(async (_api, kube) => {
    await handover(kube);
    const { result } = await followWhile(kube, [{
      phase: "Provisioning",
      provisioningPhase: "CNI",
      observedGeneration: 1,
      conditions: [
        condition("ControlPlaneReady", "True", "AllJoined"),
        condition("CNIReady", "False", "Pending", "no CNI runs yet"),
        condition("AddonsReady", "False", "Pending", "addons follow the CNI"),
        condition("Progressing", "False", "WaitingForCNI"),
      ],
    }]);
    assertEquals(result.outcome, "settled");
    assertEquals(result.summary.waitingFor, [
      "CNIReady (Pending: no CNI runs yet)",
      "AddonsReady (Pending: addons follow the CNI)",
    ]);
  });
});

Deno.test("followClusterStatus() fails on phase Failed, on Degraded once settled, and at its deadline", async () => {
  await withApi(async (_api, kube) => {
    await handover(kube);
    let clock = 0;
    await assertRejects(
      () =>
        followClusterStatus(kube, "demo", () => {}, {
          timeoutMs: 60_000,
          intervalMs: 10_000,
          now: () => clock,
          sleep: (ms) => Promise.resolve(void (clock += ms)),
        }),
      (err: unknown) =>
        err instanceof UserFacingError && /not Ready after 1m00s: Pending: waiting for the operator/.test(err.message),
    );
    await kube.patchStatus("k8zner.io/v1alpha1", "K8znerCluster", "demo", "k8zner-system", {
      phase: "Degraded",
      observedGeneration: 1,
      conditions: [
        condition("Progressing", "False", "QuorumAtRisk"),
        condition("Degraded", "True", "QuorumAtRisk", "2 of 3 etcd members are down"),
      ],
    });
    await assertRejects(
      () => followClusterStatus(kube, "demo", () => {}, { intervalMs: 1 }),
      (err: unknown) =>
        err instanceof UserFacingError && /degraded \(QuorumAtRisk\): 2 of 3 etcd members are down/.test(err.message),
    );
    await kube.patchStatus("k8zner.io/v1alpha1", "K8znerCluster", "demo", "k8zner-system", {
      phase: "Failed",
      lastErrors: [{
        time: "2026-03-01T00:05:00Z",
        phase: "CNI",
        component: "cilium",
        message: "helm install timed out",
      }],
    });
    await assertRejects(
      () => followClusterStatus(kube, "demo", () => {}, { intervalMs: 1 }),
      (err: unknown) => err instanceof UserFacingError && /failed: helm install timed out/.test(err.message),
    );
  });
});

Deno.test("a new rendering of the CRD is applied again although the typed read of a CRD is lossy", async () => {
  await withApi(async (_api, kube) => {
    await installOperator(kube, MANIFESTS);
    const next = MANIFESTS.map((o) =>
      o.kind === "CustomResourceDefinition"
        ? { ...o, metadata: { ...o.metadata, labels: { ...o.metadata.labels, "k8zner.io/revision": "2" } } }
        : o
    );
    const result = await installOperator(kube, next);
    assertEquals(result.applied, ["CustomResourceDefinition k8znerclusters.k8zner.io"]);
    assertEquals((await installOperator(kube, next)).applied, []);
  });
});
