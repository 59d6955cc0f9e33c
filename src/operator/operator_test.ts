/**
 * The operator wiring in-process against the fake Kubernetes API: leader election, the two watches,
 * the work queue and the cluster reconciler with the real context factory (credentials read from the
 * two Secrets), the real WaitForK8s/CNI/Addons steps and test steps standing in for Infrastructure and
 * Compute (which need Hetzner and Talos).
 */
import { assertEquals, assertIncludes, assertOk } from "../../tests/assert.ts";
import { type FakeKubeApi, startFakeKubeApi } from "../../tests/kube_fake/mod.ts";
import { renderK8znerCluster, renderK8znerClusterSpec } from "../addons/k8zner_cluster.ts";
import { CLUSTER_PHASES, renderK8znerClusterCrd } from "../addons/k8zner_crd.ts";
import { expandSpec } from "../config/mod.ts";
import { createHcloudClient } from "../hcloud/mod.ts";
import { createKubeClient, type KubeClient, type KubeObject } from "../kube/mod.ts";
import { generateSecretsBundle, renderSecretsBundle } from "../talos/secrets_bundle.ts";
import { generateTalosconfig } from "../talos/talosconfig.ts";
import { runOperator } from "./operator.ts";
import type { ConditionInput } from "./reconcile/context.ts";
import type { PhaseStep } from "./reconcile/phase_step.ts";
import { addonsStep } from "./reconcile/steps/addons.ts";
import { cniStep } from "./reconcile/steps/cni.ts";
import { waitForK8sStep } from "./reconcile/steps/wait_for_k8s.ts";
import { createJsonLogger, OperatorMetrics } from "./runtime/mod.ts";
import { realTimers, scaledSleep, scaledTimers } from "../lib/timers.ts";
import { sleep as realSleep } from "../lib/sleep.ts";
import { parseTalosAddressMap } from "./talos_address_map.ts";
import { makeChartsDir, ScriptedHelm } from "../../tests/operator/scripted_helm.ts";

/** Helm as the steps get it: scripted, playing Helm's storage in the fake API's store. */
async function scriptedAddons(api: FakeKubeApi) {
  return {
    helm: new ScriptedHelm(api.store),
    chartsDir: await makeChartsDir(),
    random: (n: number) => new Uint8Array(n),
  };
}

const NS = "k8zner-system";

async function until<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 5_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const b64 = (text: string) => btoa(String.fromCharCode(...new TextEncoder().encode(text)));

async function seed(api: FakeKubeApi): Promise<void> {
  api.store.put(renderK8znerClusterCrd());
  api.store.put({ apiVersion: "v1", kind: "Namespace", metadata: { name: NS } });
  api.store.put({ apiVersion: "v1", kind: "Namespace", metadata: { name: "kube-system" } });
  const now = new Date();
  const bundle = await generateSecretsBundle({ now });
  const talosconfig = await generateTalosconfig(bundle, { clusterName: "dev1", endpoints: ["10.0.0.2"], now });
  api.store.put({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "k8zner-cloud-credentials", namespace: NS },
    data: { "hcloud-token": b64("test-token") },
  });
  api.store.put({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "k8zner-talos-credentials", namespace: NS },
    data: { "talos-secrets": b64(renderSecretsBundle(bundle)), talosconfig: b64(talosconfig) },
  });
  const spec = renderK8znerClusterSpec(
    expandSpec({ name: "dev1", region: "nbg1", mode: "dev", workers: { count: 1, size: "cx23" } }),
    { apiAllowlist: ["198.51.100.7/32"] },
  );
  // As apply leaves it: spec only, the status is the operator's to write.
  api.store.put(renderK8znerCluster({ name: "dev1", spec }));
  for (const [name, role] of [["dev1-cp-1", "control-plane"], ["dev1-w-1", "worker"]]) {
    api.store.put({
      apiVersion: "v1",
      kind: "Node",
      metadata: { name, labels: { "k8zner.io/cluster": "dev1", "k8zner.io/role": role! } },
      spec: { providerID: "hcloud://1" },
    });
  }
}

/** Test steps for the phases that need Hetzner and Talos: they record what the reconciler saw. */
function recordingSteps() {
  const seen: { at: number; workers: number; generation: number; hasToken: boolean }[] = [];
  const ready = (type: ConditionInput["type"]): ConditionInput => ({
    type,
    status: "True",
    reason: "Test",
    message: `${type} by the test step`,
  });
  const infrastructure: PhaseStep = {
    name: "Infrastructure",
    phase: "Infrastructure",
    acts: true,
    run: (ctx) => {
      seen.push({
        at: Date.now(),
        workers: ctx.desired.kubernetes.workerCount,
        generation: ctx.cluster.metadata.generation ?? 0,
        // The context factory built a Hetzner client from the Secret and parsed the Talos bundle.
        hasToken: ctx.cloud.hc.endpoint.startsWith("http") && ctx.bundle.certs.os.certPem.includes("BEGIN"),
      });
      ctx.events.record(ctx.cluster, "Normal", "TestAction", "Test", "the test step acted");
      return Promise.resolve({ done: true, conditions: [ready("InfrastructureReady")] });
    },
  };
  const compute: PhaseStep = {
    name: "Compute",
    phase: "Compute",
    acts: true,
    run: () => Promise.resolve({ done: true, conditions: [ready("ControlPlaneReady"), ready("WorkersReady")] }),
  };
  return { seen, steps: [infrastructure, compute, waitForK8sStep, cniStep, addonsStep] };
}

async function getCluster(kube: KubeClient): Promise<KubeObject> {
  const cluster = await kube.get("k8zner.io/v1alpha1", "K8znerCluster", "dev1", NS);
  assertOk(cluster);
  return cluster;
}

function condition(cluster: KubeObject, type: string): Record<string, unknown> | undefined {
  const list = ((cluster.status ?? {}) as { conditions?: Record<string, unknown>[] }).conditions ?? [];
  return list.find((c) => c.type === type);
}

Deno.test("the operator leads, reconciles on watch events within 2 s, records Events, writes status only when it changed, and releases the Lease on shutdown", async () => {
  const api = await startFakeKubeApi();
  const kube = await createKubeClient({ kubeconfigYaml: api.kubeconfigYaml() });
  const lines: string[] = [];
  const stop = new AbortController();
  try {
    await seed(api);
    const { seen, steps } = recordingSteps();
    const metrics = new OperatorMetrics(CLUSTER_PHASES);
    let endpoints: { health?: string; metrics?: string } = {};
    const running = runOperator({
      kube,
      identity: "op-a",
      log: createJsonLogger({ write: (line) => lines.push(line), level: "debug" }),
      metrics,
      healthAddress: "127.0.0.1:0",
      metricsAddress: "127.0.0.1:0",
      steps,
      hcloud: (token) =>
        createHcloudClient({ token, endpoint: "http://127.0.0.1:9", fetch, sleep: () => Promise.resolve() }),
      talosAddressMap: parseTalosAddressMap(""),
      addons: await scriptedAddons(api),
      now: Date.now,
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
      lease: { durationMs: 3_000, renewDeadlineMs: 2_000, retryPeriodMs: 200 },
      idleRequeueMs: 150,
      onListening: ({ health, metrics }) =>
        endpoints = { health: `${health!.hostname}:${health!.port}`, metrics: `${metrics!.hostname}:${metrics!.port}` },
    }, stop.signal);

    // First pass: finalizer, status up to the CNI phase (no cilium DaemonSet yet).
    const first = await until("status written by the operator", async () => {
      const c = await getCluster(kube);
      const status = c.status as { provisioningPhase?: string; lastReconcileTime?: string } | undefined;
      // The phase is announced before the (now acting) CNI step runs; wait for the step's own report.
      return status?.lastReconcileTime !== undefined && status.provisioningPhase === "CNI" && condition(c, "CNIReady")
        ? c
        : undefined;
    });
    assertEquals(first.metadata.finalizers, ["k8zner.io/teardown"]);
    assertEquals((first.status as Record<string, unknown>).phase, "Provisioning");
    assertEquals((first.status as Record<string, unknown>).observedGeneration, 1);
    assertEquals(condition(first, "CNIReady")?.reason, "Pending");
    assertEquals(condition(first, "AddonsReady"), undefined);
    assertEquals(condition(first, "Ready")?.status, "False");
    assertEquals(seen[0]?.hasToken, true);
    const lease = await kube.get("coordination.k8s.io/v1", "Lease", "k8zner-operator", NS);
    assertEquals((lease?.spec as { holderIdentity?: string }).holderIdentity, "op-a");

    // Idle passes (requeue every 150 ms) write nothing.
    const statusWrites = () => api.requests.filter((r) => r.method === "PATCH" && r.path.endsWith("/status")).length;
    const writesBefore = statusWrites();
    const passesBefore = seen.length;
    // 1.2 s: a pass now also reads the Gateway CRDs and Helm's release Secrets (~30 ms on a loaded machine).
    await new Promise((r) => setTimeout(r, 1_200));
    assertOk(seen.length >= passesBefore + 3, `only ${seen.length - passesBefore} idle passes ran`);
    assertEquals(statusWrites(), writesBefore);

    // A spec change reaches the reconciler through the watch within 2 s.
    const changedAt = Date.now();
    await kube.patchMerge("k8zner.io/v1alpha1", "K8znerCluster", "dev1", NS, { spec: { workers: { count: 2 } } });
    const reached = await until("the spec change in a pass", () => seen.find((s) => s.workers === 2));
    assertOk(reached.at - changedAt < 2_000, `spec change reached the reconciler after ${reached.at - changedAt} ms`);
    const second = await until("status of generation 2", async () => {
      const c = await getCluster(kube);
      return (c.status as { observedGeneration?: number }).observedGeneration === 2 ? c : undefined;
    });
    assertEquals((second.status as Record<string, unknown>).provisioningPhase, "WaitForK8s");
    assertIncludes(String(condition(second, "Ready")?.message), "dev1-w-2");
    assertEquals(condition(second, "InfrastructureReady")?.observedGeneration, 2);

    // The new Node registers and the CNI appears: the Node watch requeues the cluster; Addons is next.
    api.store.put({
      apiVersion: "v1",
      kind: "Node",
      metadata: { name: "dev1-w-2", labels: { "k8zner.io/cluster": "dev1", "k8zner.io/role": "worker" } },
      spec: { providerID: "hcloud://2" },
    });
    api.store.put({
      apiVersion: "apps/v1",
      kind: "DaemonSet",
      metadata: { name: "cilium", namespace: "kube-system" },
      spec: {
        selector: { matchLabels: { "k8s-app": "cilium" } },
        template: {
          metadata: { labels: { "k8s-app": "cilium" } },
          spec: { containers: [{ name: "cilium-agent", image: "quay.io/cilium/cilium:v1.18.4" }] },
        },
      },
      // An agent ready on each of the three nodes, as the DaemonSet controller reports it.
      status: { desiredNumberScheduled: 3, numberReady: 3, updatedNumberScheduled: 3, observedGeneration: 1 },
    });
    // The operator writes the phase it enters before the step runs; wait for the step's own report.
    const third = await until("the Addons phase and its condition", async () => {
      const c = await getCluster(kube);
      const inAddons = (c.status as { provisioningPhase?: string }).provisioningPhase === "Addons";
      return inAddons && condition(c, "AddonsReady") ? c : undefined;
    });
    assertEquals(condition(third, "CNIReady")?.status, "True");
    assertEquals(condition(third, "AddonsReady")?.reason, "Pending");

    // Events of the actions, on the K8znerCluster.
    const events = await kube.list("v1", "Event", NS);
    const reasons = new Set(events.map((e) => e.reason as string));
    for (const reason of ["FinalizerAdded", "PhaseChanged", "TestAction"]) assertOk(reasons.has(reason), reason);
    assertEquals(
      events.every((e) => (e.involvedObject as { kind: string }).kind === "K8znerCluster"),
      true,
    );

    // Probes and metrics.
    assertEquals(await (await fetch(`http://${endpoints.health}/readyz`)).text(), "ok");
    const exposition = await (await fetch(`http://${endpoints.metrics}/metrics`)).text();
    assertIncludes(exposition, "k8zner_leader 1");
    assertIncludes(exposition, 'k8zner_cluster_phase{cluster="dev1",phase="Provisioning"} 1');
    assertIncludes(exposition, 'k8zner_nodes_desired{cluster="dev1",role="worker"} 2');

    stop.abort();
    assertEquals(await running, { reason: "shutdown" });
    const released = await kube.get("coordination.k8s.io/v1", "Lease", "k8zner-operator", NS);
    assertEquals((released?.spec as { holderIdentity?: string }).holderIdentity, "");
    assertOk(lines.every((l) => typeof JSON.parse(l).msg === "string"));
    assertOk(!lines.some((l) => l.includes("test-token")), "the token must never be logged");
  } finally {
    stop.abort();
    kube.close();
    await api.close();
  }
});

Deno.test("two operators: only the leader reconciles; when it shuts down the other takes over and continues", async () => {
  const api = await startFakeKubeApi();
  const kube = await createKubeClient({ kubeconfigYaml: api.kubeconfigYaml() });
  const stops = { a: new AbortController(), b: new AbortController() };
  try {
    await seed(api);
    const addons = await scriptedAddons(api);
    const start = (identity: "a" | "b") => {
      const { seen, steps } = recordingSteps();
      const running = runOperator({
        kube,
        identity: `op-${identity}`,
        log: createJsonLogger({ write: () => {} }),
        metrics: new OperatorMetrics(CLUSTER_PHASES),
        steps,
        hcloud: (token) => createHcloudClient({ token, fetch, sleep: () => Promise.resolve() }),
        talosAddressMap: parseTalosAddressMap(""),
        addons,
        now: Date.now,
        sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
        lease: { durationMs: 3_000, renewDeadlineMs: 2_000, retryPeriodMs: 200 },
        idleRequeueMs: 150,
      }, stops[identity].signal);
      return { seen, running };
    };
    const a = start("a");
    await until("op-a reconciles", () => a.seen.length > 0);
    const b = start("b");
    await new Promise((r) => setTimeout(r, 1_000));
    assertEquals(b.seen.length, 0, "a replica that does not hold the Lease must not reconcile");
    stops.a.abort();
    assertEquals(await a.running, { reason: "shutdown" });
    // The Lease was released, so op-b takes over after its next retry, not after expiry.
    const handedOver = Date.now();
    await until("op-b reconciles", () => b.seen.length > 0);
    assertOk(Date.now() - handedOver < 2_000, `takeover took ${Date.now() - handedOver} ms`);
    const lease = await kube.get("coordination.k8s.io/v1", "Lease", "k8zner-operator", NS);
    assertEquals((lease?.spec as { holderIdentity?: string }).holderIdentity, "op-b");
    stops.b.abort();
    assertEquals(await b.running, { reason: "shutdown" });
  } finally {
    stops.a.abort();
    stops.b.abort();
    kube.close();
    await api.close();
  }
});

Deno.test("a pass stuck in a call that ignores the abort does not hold the operator's exit past the drain timeout", async () => {
  const api = await startFakeKubeApi();
  const kube = await createKubeClient({ kubeconfigYaml: api.kubeconfigYaml() });
  const stop = new AbortController();
  const lines: string[] = [];
  try {
    await seed(api);
    let entered = false;
    const stuck: PhaseStep = {
      name: "Infrastructure",
      phase: "Infrastructure",
      acts: true,
      run: () => {
        entered = true;
        return new Promise(() => {});
      },
    };
    const running = runOperator({
      kube,
      identity: "op-a",
      log: createJsonLogger({ write: (line) => lines.push(line) }),
      metrics: new OperatorMetrics(CLUSTER_PHASES),
      steps: [stuck],
      hcloud: (token) => createHcloudClient({ token, fetch, sleep: () => Promise.resolve() }),
      talosAddressMap: parseTalosAddressMap(""),
      addons: await scriptedAddons(api),
      now: Date.now,
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
      lease: { durationMs: 3_000, renewDeadlineMs: 2_000, retryPeriodMs: 200 },
      drainTimeoutMs: 300,
    }, stop.signal);
    await until("the stuck pass", () => entered);
    const stoppedAt = Date.now();
    stop.abort();
    assertEquals(await running, { reason: "shutdown" });
    assertOk(Date.now() - stoppedAt < 2_000, `exit took ${Date.now() - stoppedAt} ms`);
    assertOk(lines.some((l) => l.includes("still running at exit")));
  } finally {
    stop.abort();
    kube.close();
    await api.close();
  }
});

Deno.test("with a scaled clock every schedule of the runtime runs faster: lease renewals, the 30 s resync, watch restarts", async () => {
  const api = await startFakeKubeApi();
  const kube = await createKubeClient({ kubeconfigYaml: api.kubeconfigYaml() });
  const stop = new AbortController();
  try {
    await seed(api);
    const { seen, steps } = recordingSteps();
    // 50 times real time: the default 2 s lease retry is 40 real ms, the 30 s resync 600 ms, and a
    // watch silent for 5 s (no event, no bookmark: the fake sends one a real minute) restarts after 100 ms.
    const timers = scaledTimers(realTimers, 50);
    const running = runOperator({
      kube,
      identity: "op-a",
      log: createJsonLogger({ write: () => {} }),
      metrics: new OperatorMetrics(CLUSTER_PHASES),
      steps,
      hcloud: (token) => createHcloudClient({ token, fetch, sleep: () => Promise.resolve() }),
      talosAddressMap: parseTalosAddressMap(""),
      addons: await scriptedAddons(api),
      now: timers.now,
      sleep: scaledSleep(realSleep, 50),
      timers,
      watch: { inactivityMs: 5_000 },
    }, stop.signal);
    await until("the first pass", () => seen.length > 0);
    const from = api.requests.length;
    const passesBefore = seen.length;
    const realStart = Date.now();
    const scaledStart = timers.now();
    await new Promise((r) => setTimeout(r, 1_500));
    const window = api.requests.slice(from);
    const leaseWrites = window.filter((r) => r.method === "PUT" && r.path.endsWith("/leases/k8zner-operator")).length;
    const watches = window.filter((r) => r.path.endsWith("/k8znerclusters") && /watch=(1|true)/.test(r.query)).length;
    // On the real clock 1.5 s holds at most one lease renewal, no resync pass and no watch restart.
    assertOk(leaseWrites >= 10, `${leaseWrites} lease renewals in 1.5 real s`);
    assertOk(seen.length - passesBefore >= 1, "the 30 s resync ran within 1.5 real s");
    assertOk(watches >= 3, `${watches} K8znerCluster watches in 1.5 real s`);
    // The passes see the scaled clock too (what the hourly listing and healing thresholds compare).
    assertOk(timers.now() - scaledStart >= 50 * (Date.now() - realStart) - 50);
    stop.abort();
    assertEquals(await running, { reason: "shutdown" });
  } finally {
    stop.abort();
    kube.close();
    await api.close();
  }
});
