import { assertEquals, assertRejects } from "../../../tests/assert.ts";
import { seededRandom } from "../../../tests/seeded_random.ts";
import { type FakeKubeApi, startFakeKubeApi } from "../../../tests/kube_fake/mod.ts";
import { createKubeClient, type KubeClient } from "../../kube/mod.ts";
import { expandSpec } from "../../config/expand.ts";
import { renderK8znerCluster, renderK8znerClusterSpec } from "../../addons/k8zner_cluster.ts";
import { generateSecretsBundle, loadSecretsBundle } from "../../talos/secrets_bundle.ts";
import { UserFacingError } from "../../lib/errors.ts";
import { recordingProgress } from "../../lib/progress.ts";
import {
  ensureK8znerCluster,
  followClusterStatus,
  installOperator,
  renderHandoverManifests,
  renderInitialClusterStatus,
  waitForKubeApi,
} from "./handover.ts";

const NOW = new Date("2026-03-01T00:00:00Z");
const bundle = await generateSecretsBundle({ now: NOW, random: seededRandom(31) });
const TOKEN = "hcloud-token-for-tests-0123456789";
const state = expandSpec({ name: "demo", region: "fsn1", mode: "ha", workers: { count: 2, size: "cx33" } });
const SPEC = renderK8znerClusterSpec(state, { apiAllowlist: ["198.51.100.7/32"] });
const STATUS = renderInitialClusterStatus({
  controlPlanes: 3,
  workers: 2,
  bootstrapNode: { name: "demo-cp-1", serverId: 1001, privateIp: "10.0.0.2", publicIp: "203.0.113.11" },
  infrastructure: {
    networkId: 11,
    firewallId: 12,
    loadBalancerId: 13,
    loadBalancerIp: "203.0.113.10",
    loadBalancerPrivateIp: "10.0.0.254",
    placementGroupIds: [14],
  },
  controlPlaneEndpoint: "203.0.113.10",
  image: { snapshotId: 15, version: "v1.13.9" },
  now: NOW,
});
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
  const cluster = await ensureK8znerCluster(kube, { name: "demo", spec: SPEC, status: STATUS });
  return { install, cluster };
}

const writes = (api: FakeKubeApi, from = 0) =>
  api.requests.slice(from).filter((r) => r.method !== "GET").map((r) => `${r.method} ${r.path}`);

Deno.test("the hand-over installs CRD, namespace, RBAC, credentials Secret and Deployment, then the K8znerCluster with status", async () => {
  await withApi(async (api, kube) => {
    const { install, cluster } = await handover(kube);
    assertEquals(install.unchanged, []);
    assertEquals(install.applied, [
      "CustomResourceDefinition k8znerclusters.k8zner.io",
      "Namespace k8zner-system",
      "ServiceAccount k8zner-system/k8zner-operator",
      "ClusterRole k8zner-operator",
      "ClusterRoleBinding k8zner-operator",
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

    assertEquals([cluster.action, cluster.statusWritten], ["created", true]);
    const stored = await kube.get("k8zner.io/v1alpha1", "K8znerCluster", "demo", "k8zner-system");
    assertEquals(stored?.spec, renderK8znerCluster({ name: "demo", spec: SPEC }).spec);
    const status = stored?.status as Record<string, unknown>;
    assertEquals([status.phase, status.provisioningPhase, status.controlPlaneEndpoint], [
      "Provisioning",
      "CNI",
      "203.0.113.10",
    ]);
    assertEquals(status.controlPlanes, STATUS.controlPlanes);
    assertEquals((status.infrastructure as Record<string, unknown>).loadBalancerID, 13);
    // The status went through the status subresource, after the object was created.
    const clusterWrites = writes(api).filter((w) => /\/k8znerclusters(\/|$)/.test(w));
    assertEquals(clusterWrites, [
      "POST /apis/k8zner.io/v1alpha1/namespaces/k8zner-system/k8znerclusters",
      "PATCH /apis/k8zner.io/v1alpha1/namespaces/k8zner-system/k8znerclusters/demo/status",
    ]);
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
    assertEquals([cluster.action, cluster.changes, cluster.statusWritten], ["unchanged", [], false]);
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
    const result = await ensureK8znerCluster(kube, { name: "demo", spec: next, status: STATUS });
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
    const result = await ensureK8znerCluster(kube, { name: "demo", spec: SPEC, status: STATUS });
    assertEquals([result.action, result.changes], ["unchanged", []]);
    const stored = await kube.get("k8zner.io/v1alpha1", "K8znerCluster", "demo", "k8zner-system");
    const spec = stored?.spec as Record<string, unknown>;
    assertEquals([spec.paused, spec.deletionPolicy], [true, "Delete"]);
  });
});

Deno.test("a K8znerCluster left without status by a crash gets its status on the next run, spec untouched", async () => {
  await withApi(async (api, kube) => {
    await installOperator(kube, MANIFESTS);
    await kube.create(renderK8znerCluster({ name: "demo", spec: SPEC }));
    const before = api.requests.length;
    const result = await ensureK8znerCluster(kube, { name: "demo", spec: SPEC, status: STATUS });
    assertEquals([result.action, result.statusWritten], ["unchanged", true]);
    assertEquals(writes(api, before), [
      "PATCH /apis/k8zner.io/v1alpha1/namespaces/k8zner-system/k8znerclusters/demo/status",
    ]);
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

Deno.test("followClusterStatus() reports each new status line and returns once the cluster is Running and Ready", async () => {
  await withApi(async (_api, kube) => {
    await handover(kube);
    const steps: Array<Record<string, unknown>> = [
      { provisioningPhase: "Addons", controlPlanes: { desired: 3, ready: 3 }, workers: { desired: 2, ready: 1 } },
      { phase: "Running", provisioningPhase: "Running", workers: { desired: 2, ready: 2 } },
      {
        conditions: [{
          type: "Ready",
          status: "True",
          reason: "AllHealthy",
          message: "ok",
          lastTransitionTime: "2026-03-01T00:10:00Z",
        }],
      },
    ];
    const lines: string[] = [];
    const progress = recordingProgress();
    const task = progress.task("Operator");
    const final = await followClusterStatus(kube, "demo", (s) => {
      lines.push(s.line);
      task.update(s.line);
    }, {
      intervalMs: 1,
      sleep: async () => {
        const next = steps.shift();
        if (next) await kube.patchStatus("k8zner.io/v1alpha1", "K8znerCluster", "demo", "k8zner-system", next);
      },
    });
    assertEquals(lines, [
      "Provisioning (CNI): control planes 0/3, workers 0/2",
      "Provisioning (Addons): control planes 3/3, workers 1/2",
      "Running: control planes 3/3, workers 2/2",
    ]);
    assertEquals((final.status as Record<string, unknown>).phase, "Running");
    assertEquals(steps.length, 0);
  });
});

Deno.test("followClusterStatus() stops on phase Failed with the last error, and at its deadline", async () => {
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
        err instanceof UserFacingError && /not Ready after 1m00s: Provisioning \(CNI\)/.test(err.message),
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
