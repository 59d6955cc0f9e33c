/**
 * A world for healing tests: the `ha` cluster `demo` with three real fake Talos control planes sharing one etcd
 * (gRPC over mutual TLS on their own loopback addresses, reached through an address map from their private IPs,
 * as the operator reaches nodes through `--talos-address-map`), a fake Kubernetes API for the Events, and a
 * {@link ReconcileContext} with a hand-moved clock, a leadership check and memory that tests can inspect.
 *
 * Node actions are recorded, not performed by the Compute step: `removeUnreachable` deletes the server from the
 * view, stops its fake Talos node (the machine is gone) and removes its Node; `addNode` creates the server again
 * and, for a control plane, boots a fresh fake Talos node at the same address and applies its config, so it
 * joins etcd as the real one would. A timeline records every action, leadership check and the etcd membership
 * at the moment of each node action, so tests can check the order of what happened.
 *
 * @module
 */
import { noHelmAddons } from "./scripted_helm.ts";
import { createKubeClient, type KubeClient, type KubeObject } from "../../src/kube/mod.ts";
import type { DesiredState, ServerPlan } from "../../src/config/mod.ts";
import type { Server } from "../../src/hcloud/mod.ts";
import { createMaintenanceClient, createTalosClient, type TalosClient } from "../../src/talos/api_client.ts";
import { issueCertificate } from "../../src/talos/pki.ts";
import { generateSecretsBundle, type SecretsBundle } from "../../src/talos/secrets_bundle.ts";
import { createTalosDeps } from "../../src/cluster/nodes/talos_deps.ts";
import { createHcloudClient } from "../../src/hcloud/client.ts";
import { createActionWaiter } from "../../src/cluster/infra/action_waiter.ts";
import type { ComputeView, NodeActions, ReconcileContext } from "../../src/operator/reconcile/context.ts";
import { PROVISIONING_PHASES } from "../../src/operator/reconcile/context.ts";
import {
  createJsonLogger,
  EventRecorder,
  type EventRecorderOptions,
  type EventType,
  LeadershipLostError,
  OperatorMetrics,
} from "../../src/operator/runtime/mod.ts";
import { realTimers } from "../../src/lib/timers.ts";
import {
  createFakeTalosNetwork,
  type FakeTalosNetwork,
  type FakeTalosNode,
  settleNetwork,
  startFakeTalosNode,
} from "../talos_fake/mod.ts";
import { renderTestMachineConfig } from "../talos_fake/fixtures.ts";
import { type FakeKubeApi, startFakeKubeApi } from "../kube_fake/mod.ts";
import { seededRandom } from "../seeded_random.ts";
import { haDesired, healthyCluster, nodeOf, type NodeOptions, serverOf } from "./healing_nodes.ts";

export const MIN = 60_000;
/** When the cluster's servers and Nodes came up. */
export const T0 = Date.parse("2026-12-01T10:00:00Z");

let nextBlock = 0;

/** Options of {@link startHealingWorld}. */
export interface HealingWorldOptions {
  /** `spec.healthCheck.nodeNotReadyThreshold` (unset: the 5 min default). */
  threshold?: string;
  /** Whether the status says CNIReady=True (default true). */
  cniReady?: boolean;
}

/** The running world; `close()` stops every fake. */
export interface HealingWorld extends AsyncDisposable {
  readonly desired: DesiredState;
  readonly ctx: ReconcileContext;
  /** Servers and Nodes as the next pass sees them (tests change them). */
  readonly view: { servers: Server[]; nodes: KubeObject[] };
  readonly actions: RecordingNodeActions;
  /** Every node action and leadership check, in order. */
  readonly timeline: string[];
  readonly network: FakeTalosNetwork;
  readonly kubeApi: FakeKubeApi;
  readonly metrics: OperatorMetrics;
  /** JSON log lines written. */
  readonly logs: Array<Record<string, unknown>>;
  /** Sets the context's clock. */
  setNow(ms: number): void;
  /** The fake Talos node of control plane `name` now (undefined once its server is deleted). */
  talosNode(name: string): FakeTalosNode | undefined;
  /** An admin client for control plane `name` (closed by `close()`). */
  admin(name: string): TalosClient;
  /** Hostnames of the etcd members, sorted. */
  etcdMembers(): string[];
  /**
   * Waits (real time) until Talos has promoted every etcd learner, as a real joiner is promoted once it
   * has caught up: the fake promotes after a real delay, so a pass right after a join may still see a learner.
   */
  untilVoters(): Promise<void>;
  /** Powers the control plane's fake Talos node off (its API stops answering) and marks its Node Unknown since `since`. */
  powerOff(name: string, since: number): Promise<void>;
  /** Replaces the Node of `name` in the view (creating it when absent). */
  setNode(name: string, options: NodeOptions): KubeObject;
  /** From now on `requireLeadership` throws `LeadershipLostError`. */
  loseLeadership(): void;
  /** A snapshot of the view for `reconcileHealing`. */
  snapshot(): ComputeView;
  /** Events written, oldest first, as `type reason: message`. */
  events(): string[];
  close(): Promise<void>;
}

/** Node actions that record calls; `failNext` makes the next call of one fail. */
export interface RecordingNodeActions extends NodeActions {
  readonly calls: string[];
  failNext(action: "addNode" | "removeUnreachable", error: Error): void;
}

/** Starts the world: three configured control planes with bootstrapped etcd, every node Ready since {@link T0}. */
export async function startHealingWorld(options: HealingWorldOptions = {}): Promise<HealingWorld> {
  const desired = haDesired();
  const block = 120 + (nextBlock++ % 100);
  const loopbackOf = (plan: ServerPlan) => `127.88.${block}.${plan.privateIp.split(".").at(-1)}`;
  const controlPlanes = desired.servers.filter((s) => s.role === "control-plane");
  const secrets: SecretsBundle = await generateSecretsBundle({
    now: new Date(Date.now() - 60_000),
    random: seededRandom(7),
  });
  const admin = await issueCertificate(secrets.certs.os, {
    algorithm: "Ed25519",
    commonName: "admin",
    organization: ["os:admin"],
    usage: "client",
    notBefore: new Date(Date.now() - 60_000),
    validityDays: 1,
  });
  const pki = { ca: secrets.certs.os, admin, reader: admin };
  const network = createFakeTalosNetwork();
  const nodes = new Map<string, FakeTalosNode>();
  const lastPort = new Map<string, number>();
  const clients: TalosClient[] = [];
  const credentials = { caPem: secrets.certs.os.certPem, ...admin };

  async function bootControlPlane(plan: ServerPlan): Promise<FakeTalosNode> {
    const node = await startFakeTalosNode({
      hostname: loopbackOf(plan),
      port: 0,
      nodeName: plan.name,
      network,
      rebootDelayMs: 5,
    });
    const maintenance = createMaintenanceClient({ endpoint: node.endpoint });
    try {
      await maintenance.applyConfiguration(renderTestMachineConfig(pki, { type: "controlplane" }), { mode: "REBOOT" });
    } finally {
      await maintenance.close();
    }
    await node.waitForBoot();
    nodes.set(plan.name, node);
    lastPort.set(plan.name, node.port);
    return node;
  }

  const kubeApi = await startFakeKubeApi();
  let kube: KubeClient | undefined;
  try {
    for (const plan of controlPlanes) await bootControlPlane(plan);
    const first = createTalosClient({ endpoint: nodes.get(controlPlanes[0]!.name)!.endpoint, ...credentials });
    clients.push(first);
    await first.bootstrap();
    // The other control planes joined etcd as learners; a real cluster is "healthy" once Talos promoted them.
    await waitForVoters(network);
    kube = await createKubeClient({ kubeconfigYaml: kubeApi.kubeconfigYaml() });
  } catch (err) {
    for (const node of nodes.values()) await node.close();
    await kubeApi.close();
    throw err;
  }
  kubeApi.store.put({ apiVersion: "v1", kind: "Namespace", metadata: { name: "k8zner-system" } });

  let now = T0 + 60 * MIN;
  const timeline: string[] = [];
  const logs: Array<Record<string, unknown>> = [];
  const view = healthyCluster(desired, T0);
  const etcdMembers = () => (network.etcd?.members ?? []).map((m) => m.hostname).sort();
  const planOf = (name: string) => {
    const plan = desired.servers.find((s) => s.name === name);
    if (!plan) throw new Error(`no planned server ${name}`);
    return plan;
  };
  let nextServerId = 500;

  // The address map the operator gets from --talos-address-map: private IP -> loopback, in the dialer only.
  const talos = createTalosDeps(credentials, {
    now: () => now,
    talosClient: (endpoint) => {
      const plan = desired.servers.find((s) => s.privateIp === endpoint.replace(/:\d+$/, ""));
      if (!plan) throw new Error(`healing asked for Talos at ${endpoint}, which is no planned private IP`);
      const port = lastPort.get(plan.name) ?? 50000;
      return createTalosClient({ endpoint: `${loopbackOf(plan)}:${port}`, ...credentials, timeoutMs: 2_000 });
    },
  });

  const failures = new Map<string, Error>();
  const calls: string[] = [];
  const actions: RecordingNodeActions = {
    calls,
    failNext: (action, error) => void failures.set(action, error),
    removeUnreachable: async (name) => {
      calls.push(`removeUnreachable ${name}`);
      timeline.push(`removeUnreachable ${name} (etcd: ${etcdMembers().join(" ")})`);
      const failure = failures.get("removeUnreachable");
      if (failure) {
        failures.delete("removeUnreachable");
        throw failure;
      }
      view.servers = view.servers.filter((s) => s.name !== name);
      await nodes.get(name)?.close();
      nodes.delete(name);
      view.nodes = view.nodes.filter((n) => n.metadata.name !== name);
    },
    addNode: async (name) => {
      calls.push(`addNode ${name}`);
      timeline.push(`addNode ${name} (etcd: ${etcdMembers().join(" ")})`);
      const failure = failures.get("addNode");
      if (failure) {
        failures.delete("addNode");
        throw failure;
      }
      const plan = planOf(name);
      if (!view.servers.some((s) => s.name === name)) view.servers.push(serverOf(plan, nextServerId++, now));
      if (plan.role === "control-plane" && !nodes.has(name)) await bootControlPlane(plan);
    },
  };

  const metrics = new OperatorMetrics(PROVISIONING_PHASES);
  let leading = true;
  const cluster: KubeObject = {
    apiVersion: "k8zner.io/v1alpha1",
    kind: "K8znerCluster",
    metadata: { name: "demo", namespace: "k8zner-system", uid: "cluster-uid", generation: 1 },
    spec: options.threshold ? { healthCheck: { nodeNotReadyThreshold: options.threshold } } : {},
    status: {
      conditions: [{
        type: "CNIReady",
        status: options.cniReady === false ? "False" : "True",
        reason: options.cniReady === false ? "Pending" : "Ready",
        message: "",
        lastTransitionTime: new Date(T0).toISOString(),
      }],
    },
  };
  const hcloudCalls: string[] = [];
  const recorded: string[] = [];
  const eventErrors: unknown[] = [];
  const hc = createHcloudClient({
    token: "x".repeat(64),
    endpoint: "http://127.0.0.1:9/v1",
    sleep: () => Promise.resolve(),
    // Healing must not call Hetzner: node health comes from the watch and Talos.
    fetch: (input) => {
      hcloudCalls.push(String(input));
      return Promise.reject(new Error(`healing called Hetzner: ${input}`));
    },
  });
  const ctx: ReconcileContext = {
    cluster,
    desired,
    bundle: secrets,
    cloud: {
      hc,
      actions: createActionWaiter(hc, { sleep: () => Promise.resolve() }),
      sleep: () => Promise.resolve(),
      clock: () => now,
    },
    talos,
    kube: kube!,
    addons: noHelmAddons(),
    hcloudToken: () => "test-token",
    cloudflareToken: () => undefined,
    nodes: () => view.nodes,
    events: new RecordingEventRecorder(recorded, {
      kube: kube!,
      component: "k8zner-operator",
      instance: "test",
      timers: { ...realTimers, now: () => now },
      onError: (err) => eventErrors.push(err),
    }),
    log: createJsonLogger({ write: (line) => logs.push(JSON.parse(line)), now: () => new Date(now) }),
    metrics,
    requireLeadership: (action) => {
      timeline.push(`requireLeadership ${action}`);
      return leading ? Promise.resolve() : Promise.reject(new LeadershipLostError(`lost before ${action}`));
    },
    now: () => now,
    sleep: () => Promise.resolve(),
    signal: new AbortController().signal,
    memory: new Map(),
  };

  const close = async () => {
    if (hcloudCalls.length > 0) throw new Error(`healing called Hetzner: ${hcloudCalls.join(", ")}`);
    if (eventErrors.length > 0) throw new Error(`Events were refused: ${eventErrors.map(String).join("; ")}`);
    for (const client of clients) await client.close();
    for (const node of nodes.values()) await node.close();
    kube!.close();
    await kubeApi.close();
  };

  return {
    desired,
    ctx,
    view,
    actions,
    timeline,
    network,
    kubeApi,
    metrics,
    logs,
    setNow: (ms) => void (now = ms),
    talosNode: (name) => nodes.get(name),
    admin: (name) => {
      const client = createTalosClient({ endpoint: nodes.get(name)!.endpoint, ...credentials });
      clients.push(client);
      return client;
    },
    etcdMembers,
    untilVoters: () => waitForVoters(network),
    powerOff: async (name, since) => {
      const node = nodes.get(name);
      if (node) {
        node.scheduleShutdown();
        await node.waitForBoot();
      }
      const plan = planOf(name);
      const server = view.servers.find((s) => s.name === name)!;
      replaceNode(view, nodeOf(plan, server.id, { state: "unknown", createdAt: T0, since }));
    },
    setNode: (name, nodeOptions) => {
      const plan = planOf(name);
      const server = view.servers.find((s) => s.name === name);
      const node = nodeOf(plan, server?.id ?? 0, nodeOptions);
      replaceNode(view, node);
      return node;
    },
    loseLeadership: () => void (leading = false),
    snapshot: () => ({ servers: [...view.servers], nodes: [...view.nodes] }),
    events: () => {
      const stored = kubeApi.store.listObjects("v1", "Event").length;
      if (stored !== new Set(recorded).size) {
        throw new Error(`${recorded.length} events recorded, ${stored} stored by the API (OpenAPI refused some?)`);
      }
      return [...recorded];
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

function replaceNode(view: { nodes: KubeObject[] }, node: KubeObject): void {
  const i = view.nodes.findIndex((n) => n.metadata.name === node.metadata.name);
  if (i < 0) view.nodes.push(node);
  else view.nodes[i] = node;
}

/** Keeps `type reason: message` of every Event recorded, in order, and writes it to the API as usual. */
class RecordingEventRecorder extends EventRecorder {
  constructor(readonly recorded: string[], options: EventRecorderOptions) {
    super(options);
  }

  override async record(
    regarding: Pick<KubeObject, "apiVersion" | "kind" | "metadata">,
    type: EventType,
    reason: string,
    action: string,
    message: string,
  ): Promise<void> {
    this.recorded.push(`${type} ${reason}: ${message}`);
    await super.record(regarding, type, reason, action, message);
  }
}

/** Waits (real time, a few learner promotion delays at most) until every etcd member of `network` votes. */
async function waitForVoters(network: FakeTalosNetwork): Promise<void> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    settleNetwork(network);
    if ((network.etcd?.members ?? []).every((m) => !m.isLearner)) return;
    if (Date.now() > deadline) throw new Error("etcd learners were not promoted within 5 s");
    await new Promise((r) => setTimeout(r, 10));
  }
}
