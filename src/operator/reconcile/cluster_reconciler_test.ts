import { assertEquals, assertIncludes, assertOk } from "../../../tests/assert.ts";
import { provisionTestCluster, startClusterEnv } from "../../../tests/cluster_env.ts";
import { withKubeClient } from "../../../tests/kube_fake/with_kube_client.ts";
import { renderK8znerCluster, renderK8znerClusterSpec } from "../../addons/k8zner_cluster.ts";
import { CLUSTER_PHASES, renderK8znerClusterCrd } from "../../addons/k8zner_crd.ts";
import type { ClusterDeps } from "../../cluster/infra/deps.ts";
import { expandSpec } from "../../config/mod.ts";
import type { KubeClient, KubeObject } from "../../kube/mod.ts";
import { createJsonLogger, OperatorMetrics } from "../runtime/mod.ts";
import { type ClusterReconcilerDeps, createClusterReconciler } from "./cluster_reconciler.ts";
import type { ReconcileContext } from "./context.ts";
import type { PhaseStep } from "./phase_step.ts";

const NS = "k8zner-system";
const KEY = `${NS}/demo`;

interface Recorded {
  reason: string;
  type: string;
  message: string;
}

function clusterObject(extra: Record<string, unknown> = {}): KubeObject {
  const spec = renderK8znerClusterSpec(
    expandSpec({ name: "demo", region: "fsn1", mode: "dev", workers: { count: 1, size: "cx33" } }),
    { apiAllowlist: ["198.51.100.0/24"] },
  );
  return renderK8znerCluster({ name: "demo", spec: { ...spec, ...extra } });
}

function harness(kube: KubeClient, steps: readonly PhaseStep[], overrides: Partial<ClusterReconcilerDeps> = {}) {
  const events: Recorded[] = [];
  const statusWrites: Record<string, unknown>[] = [];
  const deps: ClusterReconcilerDeps = {
    kube: {
      get: kube.get,
      replace: kube.replace,
      patchStatus: (...args) => {
        statusWrites.push(args[4]);
        return kube.patchStatus(...args);
      },
    },
    events: {
      record: (_o, type, reason, _a, message) => {
        events.push({ type, reason, message });
        return Promise.resolve();
      },
    },
    log: createJsonLogger({ write: () => {} }),
    metrics: new OperatorMetrics(CLUSTER_PHASES),
    now: Date.now,
    steps,
    buildContext: (cluster, desired, memory) =>
      Promise.resolve({
        cluster,
        desired,
        memory,
        kube,
        nodes: () => [],
        signal: new AbortController().signal,
        now: Date.now,
        events: { record: () => Promise.resolve() },
      } as unknown as ReconcileContext),
    cloudFor: () => Promise.reject(new Error("the cloud must not be used")),
    requireLeadership: () => Promise.resolve(),
    ...overrides,
  };
  return { reconcile: createClusterReconciler(deps), events, statusWrites };
}

const step = (name: string, phase: PhaseStep["phase"], run: PhaseStep["run"], acts = true): PhaseStep => ({
  name,
  phase,
  acts,
  run,
});

const infraReady = step("Infrastructure", "Infrastructure", () =>
  Promise.resolve({
    done: true,
    conditions: [{ type: "InfrastructureReady", status: "True", reason: "Provisioned", message: "ok" }],
  }));

async function setUp(kube: KubeClient, cluster: KubeObject): Promise<void> {
  await kube.create(renderK8znerClusterCrd());
  await kube.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: NS } });
  await kube.create(cluster);
}

const read = async (kube: KubeClient) => await kube.get("k8zner.io/v1alpha1", "K8znerCluster", "demo", NS);
const conditionOf = (cluster: KubeObject | undefined, type: string) =>
  ((cluster?.status as { conditions?: Record<string, unknown>[] } | undefined)?.conditions ?? []).find((c) =>
    c.type === type
  );

Deno.test("the cluster reconciler adds the finalizer, announces the phase it enters, writes the result, and nothing on an idle pass", async () => {
  await withKubeClient(async (kube) => {
    await setUp(kube, clusterObject());
    const { reconcile, events, statusWrites } = harness(kube, [infraReady]);
    assertEquals(await reconcile(KEY), { requeueAfterMs: 30_000 });
    const after = await read(kube);
    assertEquals(after?.metadata.finalizers, ["k8zner.io/teardown"]);
    assertEquals([after?.status?.["phase" as never], after?.status?.["provisioningPhase" as never]], [
      "Running",
      "Running",
    ]);
    assertEquals(conditionOf(after, "InfrastructureReady")?.observedGeneration, 1);
    // A fresh cluster: the phase is written before its acting step runs (it may take long), then the result.
    assertEquals(events.map((e) => e.reason), ["FinalizerAdded", "PhaseChanged", "PhaseChanged"]);
    assertEquals(statusWrites.map((w) => w.provisioningPhase), ["Infrastructure", "Running"]);
    const announced = (statusWrites[0]!.conditions as Record<string, unknown>[]).find((c) => c.type === "Progressing");
    assertEquals([announced?.status, announced?.reason], ["True", "Infrastructure"]);
    await reconcile(KEY);
    await reconcile(KEY);
    assertEquals(statusWrites.length, 2, "an idle pass of a Running cluster writes nothing (and announces nothing)");
  });
});

Deno.test("every pass gets the desired state of the spec it read, its own copy: a step changing it changes no later pass", async () => {
  await withKubeClient(async (kube) => {
    await setUp(kube, clusterObject());
    const seen: { workers: number; servers: string[] }[] = [];
    const record = step("Infrastructure", "Infrastructure", (ctx) => {
      const { desired } = ctx;
      seen.push({
        workers: desired.servers.filter((s) => s.role === "worker").length,
        servers: desired.servers.map((s) => s.name),
      });
      desired.servers.splice(0); // a step must not change what the next pass gets
      return Promise.resolve({ done: true, conditions: [] });
    });
    const { reconcile } = harness(kube, [record]);
    for (let i = 0; i < 3; i++) await reconcile(KEY);
    const cluster = (await read(kube))!;
    const spec = cluster.spec as { workers: { count: number } };
    await kube.replace({ ...cluster, spec: { ...spec, workers: { ...spec.workers, count: 2 } } });
    await reconcile(KEY);
    assertEquals(seen.map((s) => s.workers), [1, 1, 1, 2]);
    assertEquals(seen[2]!.servers, seen[0]!.servers);
    assertEquals(seen[3]!.servers, [...seen[0]!.servers, "demo-w-2"].sort());
  });
});

Deno.test("spec.paused: acting steps do not run, the status says Paused and is still written", async () => {
  await withKubeClient(async (kube) => {
    await setUp(kube, clusterObject({ paused: true }));
    let acted = 0;
    const acting = step("Infrastructure", "Infrastructure", () => {
      acted++;
      return Promise.resolve({ done: true, conditions: [] });
    });
    const observing = step("CNI", "CNI", () =>
      Promise.resolve({
        done: false,
        conditions: [{ type: "CNIReady", status: "False", reason: "Pending", message: "no DaemonSet" }],
      }), false);
    const { reconcile } = harness(kube, [acting, observing]);
    await reconcile(KEY);
    const after = await read(kube);
    assertEquals(acted, 0);
    assertEquals(after?.status?.["phase" as never], "Paused");
    assertEquals(conditionOf(after, "Progressing")?.reason, "Paused");
    assertEquals(conditionOf(after, "Progressing")?.status, "False");
    assertEquals(conditionOf(after, "CNIReady")?.reason, "Pending");
  });
});

Deno.test("a failing step is reported in the status and the error goes back to the queue; an invalid spec is Degraded without backoff", async () => {
  await withKubeClient(async (kube) => {
    await setUp(kube, clusterObject());
    const failing = step("Infrastructure", "Infrastructure", () => Promise.reject(new Error("network is locked")));
    const { reconcile, events } = harness(kube, [failing]);
    const err = await reconcile(KEY).then(() => undefined, (e) => e);
    assertEquals((err as Error).message, "network is locked");
    const after = await read(kube);
    assertEquals(conditionOf(after, "Progressing")?.reason, "Infrastructure");
    assertIncludes(
      String(conditionOf(after, "Progressing")?.message),
      "Infrastructure failed, retrying: network is locked",
    );
    assertOk(events.some((e) => e.reason === "ReconcileFailed" && e.type === "Warning"));

    const bad = harness(kube, [infraReady]);
    // A K8znerCluster spec the config validator refuses (name too long for server names) cannot be fixed by retrying.
    await kube.create({ ...clusterObject(), metadata: { ...clusterObject().metadata, name: "d".repeat(60) } });
    const result = await bad.reconcile(`${NS}/${"d".repeat(60)}`);
    assertEquals(result, { requeueAfterMs: 30_000 });
    const invalid = await kube.get("k8zner.io/v1alpha1", "K8znerCluster", "d".repeat(60), NS);
    assertEquals(conditionOf(invalid, "Degraded")?.reason, "InvalidSpec");
    assertEquals(conditionOf(invalid, "Ready")?.status, "False");
  });
});

Deno.test("deletionPolicy Retain: deleting the object removes the finalizer and leaves the cloud alone", async () => {
  await withKubeClient(async (kube) => {
    await setUp(kube, clusterObject());
    const { reconcile, events } = harness(kube, [infraReady]);
    await reconcile(KEY);
    await kube.delete("k8zner.io/v1alpha1", "K8znerCluster", "demo", NS);
    assertOk((await read(kube))?.metadata.deletionTimestamp, "the finalizer holds the object");
    assertEquals(await reconcile(KEY), { forget: true });
    assertEquals(await read(kube), undefined);
    assertOk(events.some((e) => e.reason === "Retained"));
  });
});

Deno.test("deletionPolicy Delete: the operator deletes every labelled Hetzner resource, then lets the object go", async () => {
  await using env = await startClusterEnv();
  const image = env.sim.addSnapshot({ description: "talos", labels: { "k8zner.io/image": "talos" } });
  await provisionTestCluster(env, "demo", image.id);
  await provisionTestCluster(env, "other", image.id);
  await withKubeClient(async (kube) => {
    await setUp(kube, clusterObject({ deletionPolicy: "Delete" }));
    const leadershipChecks: string[] = [];
    const { reconcile, events } = harness(kube, [infraReady], {
      cloudFor: () => Promise.resolve(env.deps satisfies ClusterDeps),
      requireLeadership: (action) => {
        leadershipChecks.push(action);
        return Promise.resolve();
      },
    });
    await reconcile(KEY);
    await kube.delete("k8zner.io/v1alpha1", "K8znerCluster", "demo", NS);
    assertEquals(await reconcile(KEY), { forget: true });
    assertEquals(await read(kube), undefined);
    assertEquals((await env.hc.servers.listAll({ labelSelector: "k8zner.io/cluster=demo" })).length, 0);
    assertEquals((await env.hc.networks.listAll({ labelSelector: "k8zner.io/cluster=demo" })).length, 0);
    assertEquals((await env.hc.servers.listAll({ labelSelector: "k8zner.io/cluster=other" })).length, 2);
    assertEquals(leadershipChecks, ['delete the Hetzner resources of cluster "demo"']);
    assertEquals(events.filter((e) => e.reason.startsWith("T")).map((e) => e.reason).slice(0, 1), ["TearingDown"]);
    assertOk(events.some((e) => e.reason === "TornDown"));
  });
});
