/**
 * reconcileUpgrade() against the fake Kubernetes API (Nodes, Pods, the eviction subresource with PDBs), a
 * scripted Talos API that records what it is asked, and a clock the test moves.
 *
 * @module
 */
import { parseAllDocuments } from "yaml";
import { assertEquals, assertOk } from "../../../../tests/assert.ts";
import { withKubeClient } from "../../../../tests/kube_fake/with_kube_client.ts";
import type { FakeKubeApi } from "../../../../tests/kube_fake/mod.ts";
import { seededRandom } from "../../../../tests/seeded_random.ts";
import { expandSpec } from "../../../config/mod.ts";
import type { InfrastructureResult } from "../../../cluster/infra/ensure_infrastructure.ts";
import { SCHEMATIC_ID } from "../../../cluster/nodes/node_config.ts";
import type { Server } from "../../../hcloud/mod.ts";
import type { KubeClient, KubeObject } from "../../../kube/mod.ts";
import { generateSecretsBundle } from "../../../talos/secrets_bundle.ts";
import { OperatorMetrics } from "../../runtime/mod.ts";
import type { ReconcileContext, StepOutcome } from "../context.ts";
import { COMPONENTS_ANNOTATION, UPGRADE_CORDON_ANNOTATION } from "./node_versions.ts";
import { reconcileUpgrade } from "./reconcile_upgrade.ts";
import type { PhaseStep } from "../phase_step.ts";
import { runPass } from "../reconciler.ts";
import { upgradeStep } from "../steps/upgrade.ts";

const desired = expandSpec({ name: "u", region: "fsn1", mode: "ha", workers: { count: 1, size: "cx23" } });
const bundle = await generateSecretsBundle({ now: new Date("2026-03-01T00:00:00Z"), random: seededRandom(3) });
const CPS = ["u-cp-1", "u-cp-2", "u-cp-3"];
const OLD = { talos: "v1.12.6", kubelet: "v1.35.2" };
const NEW = { talos: "v1.13.9", kubelet: "v1.36.3" };
const servers = desired.servers.map((s, i) => ({
  id: 100 + i,
  name: s.name,
  labels: { "k8zner.io/role": s.role },
  public_net: { ipv4: { ip: `198.51.100.${10 + i}` } },
})) as unknown as Server[];
const infra = { loadBalancer: { public_net: { ipv4: { ip: "203.0.113.5" } } } } as unknown as InfrastructureResult;

/** What the scripted Talos API was asked, and the etcd it reports. */
class TalosScript {
  calls: string[] = [];
  configs = new Map<string, string>();
  learner: string | undefined;
  client(ip: string) {
    const name = desired.servers.find((s) => s.privateIp === ip)!.name;
    const members = CPS.map((hostname, i) => ({
      id: BigInt(i + 1),
      hostname,
      peerUrls: [],
      clientUrls: [],
      isLearner: hostname === this.learner,
    }));
    return {
      upgrade: (o: { image: string }) => {
        this.calls.push(`upgrade ${name} ${o.image}`);
        return Promise.resolve([{ ack: "ok" }]);
      },
      applyConfiguration: (config: string, o: { mode: string }) => {
        this.calls.push(`apply ${name} ${o.mode}`);
        this.configs.set(name, config);
        return Promise.resolve([{ mode: o.mode }]);
      },
      etcdMemberList: () => Promise.resolve([{ members }]),
      serviceList: () => Promise.resolve([{ services: [{ id: "etcd", state: "Running", health: { healthy: true } }] }]),
      close: () => Promise.resolve(),
    };
  }
}

function context(kube: KubeClient, talos: TalosScript, clock: { now: number }, spec: Record<string, unknown> = {}) {
  const noop = () => {};
  const log = { debug: noop, info: noop, warn: noop, error: noop, with: () => log };
  return {
    cluster: {
      apiVersion: "k8zner.io/v1alpha1",
      kind: "K8znerCluster",
      metadata: { name: "u", namespace: "ns" },
      spec,
    },
    desired,
    bundle,
    kube,
    talos: { talosClient: (ip: string) => talos.client(ip) },
    events: { record: () => Promise.resolve() },
    log,
    metrics: new OperatorMetrics(["Upgrade"]),
    memory: new Map(),
    signal: new AbortController().signal,
    now: () => clock.now,
    requireLeadership: () => Promise.resolve(),
  } as unknown as ReconcileContext;
}

function putNode(api: FakeKubeApi, name: string, v: { talos: string; kubelet: string }, ready = true): void {
  const role = name.includes("-cp-") ? "control-plane" : "worker";
  const old = api.store.getObject("v1", "Node", name);
  api.store.put({
    apiVersion: "v1",
    kind: "Node",
    metadata: { ...(old?.metadata ?? {}), name, labels: { "k8zner.io/role": role } },
    spec: old?.spec ?? {},
    status: {
      conditions: [{ type: "Ready", status: ready ? "True" : "False", lastTransitionTime: "2026-03-01T00:00:00Z" }],
      nodeInfo: { kubeletVersion: v.kubelet, osImage: `Talos (${v.talos})` },
    },
  });
}

/** One pass over the Nodes as the API holds them now; counts the Kubernetes requests the pass made. */
async function pass(ctx: ReconcileContext, kube: KubeClient): Promise<StepOutcome & { requests: number }> {
  const nodes = await kube.list("v1", "Node");
  let requests = 0;
  const counting = new Proxy(kube, {
    get: (target, key) => {
      const value = Reflect.get(target, key);
      return typeof value === "function" ? (...args: unknown[]) => (requests++, value.apply(target, args)) : value;
    },
  });
  const out = await reconcileUpgrade({ ...ctx, kube: counting }, { servers, nodes }, infra);
  return { ...out, requests };
}

const condition = (o: StepOutcome) => `${o.conditions[0]!.status}/${o.conditions[0]!.reason}`;
const upgradeStatus = (o: StepOutcome) => (o.status as { upgrade: Record<string, unknown> }).upgrade;

Deno.test("reconcileUpgrade() at the desired versions asks neither Talos nor Kubernetes anything", () =>
  withKubeClient(async (kube, api) => {
    for (const s of desired.servers) putNode(api, s.name, NEW);
    const talos = new TalosScript();
    const out = await pass(context(kube, talos, { now: 1_000_000 }), kube);
    assertEquals(condition(out), "False/UpToDate");
    assertEquals([talos.calls, out.requests, out.requeueAfterMs], [[], 0, undefined]);
    assertEquals(upgradeStatus(out), {
      talos: "v1.13.9",
      kubernetes: "1.36.3",
      pendingSteps: 0,
      step: "",
      node: "",
    });
  }));

Deno.test("reconcileUpgrade() upgrades Talos on the first control plane once, with the schematic's installer, and waits for it", () =>
  withKubeClient(async (kube, api) => {
    for (const s of desired.servers) putNode(api, s.name, OLD);
    const talos = new TalosScript();
    const clock = { now: 1_000_000 };
    const ctx = context(kube, talos, clock);
    const first = await pass(ctx, kube);
    assertEquals(talos.calls, [`upgrade u-cp-1 factory.talos.dev/installer/${SCHEMATIC_ID}:v1.13.9`]);
    assertEquals([condition(first), first.requeueAfterMs], ["False/InProgress", 5_000]);
    assertEquals(upgradeStatus(first).node, "u-cp-1");
    assertEquals(upgradeStatus(first).pendingSteps, 4 + 3 + 4);

    clock.now += 60_000;
    const again = await pass(ctx, kube);
    assertEquals([condition(again), talos.calls.length], ["False/InProgress", 1], "the node has not rebooted yet");
    clock.now += 10 * 60_000;
    const stuck = await pass(ctx, kube);
    assertEquals([condition(stuck), talos.calls.length], ["True/StepNotDone", 1]);

    // Back on the new version and Ready: the next control plane, after the gates (etcd asked again).
    putNode(api, "u-cp-1", { ...OLD, talos: NEW.talos });
    const next = await pass(ctx, kube);
    assertEquals(talos.calls.at(-1), `upgrade u-cp-2 factory.talos.dev/installer/${SCHEMATIC_ID}:v1.13.9`);
    assertEquals(condition(next), "False/InProgress");
  }));

Deno.test("reconcileUpgrade() waits for a shut gate, says UpgradeBlocked after the timeout, and goes on once it opens", () =>
  withKubeClient(async (kube, api) => {
    for (const s of desired.servers) putNode(api, s.name, s.name === "u-cp-1" ? { ...OLD, talos: NEW.talos } : OLD);
    putNode(api, "u-w-1", OLD, false);
    const talos = new TalosScript();
    const clock = { now: 1_000_000 };
    const ctx = context(kube, talos, clock, { healthCheck: { upgradeGateTimeout: "90s" } });
    const waiting = await pass(ctx, kube);
    assertEquals(condition(waiting), "False/WaitingForGate");
    assertOk(waiting.conditions[0]!.message.includes("u-w-1 not Ready"), waiting.conditions[0]!.message);
    clock.now += 90_000;
    const blocked = await pass(ctx, kube);
    assertEquals(condition(blocked), "True/NodeNotReady");
    assertEquals(talos.calls, [], "nothing was touched");

    putNode(api, "u-w-1", OLD);
    talos.learner = "u-cp-3";
    const etcd = await pass(ctx, kube);
    assertEquals(condition(etcd), "True/EtcdMembership", "the gate is still shut: a learner");
    assertOk(etcd.conditions[0]!.message.includes("u-cp-3 is still a learner"), etcd.conditions[0]!.message);

    talos.learner = undefined;
    const open = await pass(ctx, kube);
    assertEquals(condition(open), "False/InProgress");
    assertEquals(talos.calls.at(-1), `upgrade u-cp-2 factory.talos.dev/installer/${SCHEMATIC_ID}:v1.13.9`);
  }));

Deno.test("reconcileUpgrade() drains a worker under its PDB before its Talos upgrade and uncordons it once back", () =>
  withKubeClient(async (kube, api) => {
    for (const s of desired.servers) putNode(api, s.name, s.role === "worker" ? OLD : { ...OLD, talos: NEW.talos });
    api.store.put({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "db-0", namespace: "default", labels: { app: "db" } },
      spec: { nodeName: "u-w-1", containers: [{ name: "c", image: "x" }] },
      status: { phase: "Running", conditions: [{ type: "Ready", status: "True" }] },
    });
    const pdb = (minAvailable: number) => ({
      apiVersion: "policy/v1",
      kind: "PodDisruptionBudget",
      metadata: { name: "db", namespace: "default" },
      spec: { minAvailable, selector: { matchLabels: { app: "db" } } },
    });
    api.store.put(pdb(1));
    const talos = new TalosScript();
    const clock = { now: 1_000_000 };
    const ctx = context(kube, talos, clock);
    const draining = await pass(ctx, kube);
    assertEquals([condition(draining), talos.calls], ["False/Draining", []]);
    const cordoned = api.store.getObject("v1", "Node", "u-w-1") as KubeObject;
    assertEquals((cordoned.spec as { unschedulable?: boolean }).unschedulable, true);
    assertEquals(cordoned.metadata.annotations?.[UPGRADE_CORDON_ANNOTATION], "true");
    clock.now += 2 * 60_000;
    assertEquals(condition(await pass(ctx, kube)), "True/DrainBlocked");
    assertOk(api.store.getObject("v1", "Pod", "db-0", "default"), "never evicted around the budget");

    api.store.put(pdb(0));
    const started = await pass(ctx, kube);
    assertEquals(condition(started), "False/InProgress");
    assertEquals(api.store.getObject("v1", "Pod", "db-0", "default"), undefined);
    assertEquals(talos.calls, [`upgrade u-w-1 factory.talos.dev/installer/${SCHEMATIC_ID}:v1.13.9`]);

    putNode(api, "u-w-1", { ...OLD, talos: NEW.talos });
    await pass(ctx, kube);
    const back = api.store.getObject("v1", "Node", "u-w-1") as KubeObject;
    assertEquals((back.spec as { unschedulable?: boolean }).unschedulable, undefined);
    assertEquals(back.metadata.annotations?.[UPGRADE_CORDON_ANNOTATION], undefined);
  }));

/** The v1alpha1 document of a rendered machine config. */
function v1alpha1(
  yaml: string,
): { machine: { kubelet: { image: string } }; cluster: Record<string, { image: string }> } {
  return parseAllDocuments(yaml).map((d) => d.toJS()).find((d) => d?.version === "v1alpha1");
}

Deno.test("reconcileUpgrade() moves the control-plane components first (kubelet kept), then the kubelets, without reboot", () =>
  withKubeClient(async (kube, api) => {
    const talosDone = { ...OLD, talos: NEW.talos };
    for (const s of desired.servers) putNode(api, s.name, talosDone);
    const talos = new TalosScript();
    const clock = { now: 1_000_000 };
    const ctx = context(kube, talos, clock);

    await pass(ctx, kube);
    assertEquals(talos.calls, ["apply u-cp-1 NO_REBOOT"]);
    const components = v1alpha1(talos.configs.get("u-cp-1")!);
    assertEquals(components.cluster.apiServer!.image, "registry.k8s.io/kube-apiserver:v1.36.3");
    assertEquals(components.cluster.controllerManager!.image, "registry.k8s.io/kube-controller-manager:v1.36.3");
    assertEquals(components.cluster.scheduler!.image, "registry.k8s.io/kube-scheduler:v1.36.3");
    assertEquals(components.machine.kubelet.image, "ghcr.io/siderolabs/kubelet:v1.35.2");
    const marked = api.store.getObject("v1", "Node", "u-cp-1") as KubeObject;
    assertEquals(marked.metadata.annotations?.[COMPONENTS_ANNOTATION], "1.36.3");

    // A restarted operator (fresh memory) reads the mark and goes on with the next control planes.
    const restarted = context(kube, talos, clock);
    await pass(restarted, kube);
    await pass(restarted, kube);
    assertEquals(talos.calls, ["apply u-cp-1 NO_REBOOT", "apply u-cp-2 NO_REBOOT", "apply u-cp-3 NO_REBOOT"]);
    assertEquals(v1alpha1(talos.configs.get("u-cp-3")!).machine.kubelet.image, "ghcr.io/siderolabs/kubelet:v1.35.2");
    const kubelet = await pass(restarted, kube);
    assertEquals(talos.calls.at(-1), "apply u-cp-1 NO_REBOOT");
    assertEquals(upgradeStatus(kubelet).step, "kubelet 1.35.2 -> 1.36.3 on control-plane u-cp-1");
    assertEquals(v1alpha1(talos.configs.get("u-cp-1")!).machine.kubelet.image, "ghcr.io/siderolabs/kubelet:v1.36.3");

    for (const s of desired.servers) putNode(api, s.name, NEW);
    const done = await pass(restarted, kube);
    assertEquals(condition(done), "False/UpToDate");
    assertEquals(talos.calls.length, 4, "nodes that report the new kubelet get no further apply");
  }));

Deno.test("spec.paused stops a rollout: the pass skips the upgrade step, and unpausing performs the next step", () =>
  withKubeClient(async (kube, api) => {
    for (const s of desired.servers) putNode(api, s.name, OLD);
    const talos = new TalosScript();
    const ctx = context(kube, talos, { now: 1_000_000 });
    (ctx.cluster as { status?: unknown }).status = { conditions: [{ type: "CNIReady", status: "True" }] };
    // Compute's observation, as the real pass has it before the upgrade step.
    const observe: PhaseStep = {
      name: "Observe",
      phase: "Compute",
      acts: false,
      run: async (_ctx, state) => {
        state.view = { servers, nodes: await kube.list("v1", "Node") };
        state.infra = infra;
        return { conditions: [], done: true };
      },
    };
    const paused = await runPass(ctx, { steps: [observe, upgradeStep], paused: true });
    assertEquals([talos.calls, paused.paused], [[], true]);
    await runPass(ctx, { steps: [observe, upgradeStep], paused: false });
    assertEquals(talos.calls, [`upgrade u-cp-1 factory.talos.dev/installer/${SCHEMATIC_ID}:v1.13.9`]);
  }));
