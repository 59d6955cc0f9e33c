/**
 * A `ReconcileContext` on top of a real local cloud, for integration tests of the operator's steps
 * (Compute, healing, the reconciler): `k8zner apply` (the real CLI) bootstraps a cluster in a local cloud,
 * then the fixture builds the context the operator would build from the cluster's credentials: Hetzner
 * through the simulator, Talos with the talosconfig, Kubernetes with the kubeconfig, real Events, JSON logs
 * and metrics.
 *
 * Talos endpoints are private IPs, as in the operator. The local cloud serves each fake Talos node on its
 * server's public loopback address only, so the Talos dialer here maps a private IP to that address
 * (looked up in the simulator's state, no Hetzner request): the one test-only piece, confined to the dialer.
 * A Talos client keeps the address it was made with, which is why the map goes through the servers (known
 * from their creation on) rather than the running Talos nodes.
 *
 * ```ts
 * await using fx = await startComputeFixture({ name: "sc1", mode: "ha", workers: 0 });
 * const pass = await fx.computePass();   // observe + nodeActions + control planes + workers
 * ```
 *
 * @module
 */
import { noHelmAddons } from "./scripted_helm.ts";
import { expandSpec, parseConfig, type Spec } from "../../src/config/mod.ts";
import { createHcloudClient } from "../../src/hcloud/mod.ts";
import { createKubeClient, type KubeClient, type KubeObject } from "../../src/kube/mod.ts";
import { recordingProgress } from "../../src/lib/progress.ts";
import { sleep as realSleep } from "../../src/lib/sleep.ts";
import { LABEL_KEYS } from "../../src/lib/labels.ts";
import { loadSecretsBundle } from "../../src/talos/secrets_bundle.ts";
import { parseTalosconfig } from "../../src/talos/talosconfig.ts";
import { createActionWaiter } from "../../src/cluster/infra/action_waiter.ts";
import type { ClusterDeps } from "../../src/cluster/infra/deps.ts";
import { discoverCluster } from "../../src/cluster/infra/discover.ts";
import { ensureInfrastructure, type InfrastructureResult } from "../../src/cluster/infra/ensure_infrastructure.ts";
import { createTalosDeps, type TalosDeps } from "../../src/cluster/nodes/talos_deps.ts";
import { CREDENTIAL_FILES } from "../../src/cluster/credentials/credentials.ts";
import {
  type ComputeView,
  PROVISIONING_PHASES,
  type ReconcileContext,
  type StepOutcome,
} from "../../src/operator/reconcile/context.ts";
import { createJsonLogger, EventRecorder, OperatorMetrics } from "../../src/operator/runtime/mod.ts";
import {
  nodeActions,
  type NodeActionsOptions,
  observeCompute,
  reconcileControlPlanes,
  reconcileWorkers,
  type WorkerOptions,
} from "../../src/operator/reconcile/compute/mod.ts";
import type { FakeKubeStore } from "../kube_fake/mod.ts";
import { type LocalCloud, startLocalCloud } from "../local_cloud/mod.ts";
import { k8zner, makeWorkdir, renderConfig } from "../e2e/apply_harness.ts";

/** The namespace `apply` puts the K8znerCluster in. */
export const OPERATOR_NAMESPACE = "k8zner-system";

/** Options of {@link startComputeFixture}. */
export interface ComputeFixtureOptions {
  name: string;
  mode: "dev" | "ha";
  workers: number;
  /** Simulated-time speed of the local cloud (default 200). */
  speed?: number;
  /** An already running local cloud to use (not closed by the fixture; start it with `operator: false`). */
  cloud?: LocalCloud;
  /** Cap on every sleep of the steps (default 50 ms: the local cloud is fast). */
  maxSleepMs?: number;
}

/** One Compute pass, as the reconciler runs it. */
export interface ComputePass {
  view: ComputeView;
  controlPlanes: StepOutcome;
  workers: StepOutcome;
}

/** A bootstrapped local cluster and the operator's view of it. */
export interface ComputeFixture extends AsyncDisposable {
  readonly cloud: LocalCloud;
  readonly name: string;
  /** The working directory of `apply` (k8zner.yaml, secrets/<name>/). */
  readonly dir: string;
  /** Kubernetes with the admin kubeconfig apply wrote. */
  readonly kube: KubeClient;
  /** The cluster's fake Kubernetes store (for stand-ins: pods, PDBs, the CNI). */
  store(): FakeKubeStore;
  /** Hetzner, Talos (private IPs mapped to loopback) and the clock, as the operator gets them. */
  readonly cloudDeps: ClusterDeps;
  readonly talos: TalosDeps;
  /** Every JSON log line, parsed. */
  readonly logs: Record<string, unknown>[];
  /** The actions `requireLeadership()` was asked about, in order. */
  readonly leadershipChecks: string[];
  readonly metrics: OperatorMetrics;
  /** Kept between passes, as the operator process keeps it (replace it to simulate a restart). */
  memory: Map<string, unknown>;
  /** The current infrastructure (ensured at start and after each count change). */
  infra: InfrastructureResult;
  /** Changes the counts in the K8znerCluster spec (generation moves) and ensures the infrastructure for them. */
  setCounts(counts: { workers?: number }): Promise<void>;
  /** A fresh context for one pass: the K8znerCluster and its Nodes read again. */
  context(): Promise<ReconcileContext>;
  /** observeCompute, nodeActions, reconcileControlPlanes, reconcileWorkers, in the reconciler's order. */
  computePass(options?: { workers?: WorkerOptions; actions?: NodeActionsOptions }): Promise<ComputePass>;
  close(): Promise<void>;
}

/** Bootstraps cluster `name` with the real `k8zner apply` and returns the fixture. */
export async function startComputeFixture(options: ComputeFixtureOptions): Promise<ComputeFixture> {
  const ownCloud = options.cloud === undefined;
  // No operator processes: the test drives the steps itself, and a second actor would race it.
  const cloud = options.cloud ?? await startLocalCloud({ speed: options.speed ?? 200, operator: false });
  const dir = await makeWorkdir(renderConfig(options.name, options.mode, options.workers));
  let kube: KubeClient | undefined;
  try {
    const applied = await k8zner(cloud, dir, ["apply"]);
    if (applied.code !== 0) {
      throw new Error(`k8zner apply failed (${applied.code}):\n${applied.stdout}\n${applied.stderr}`);
    }
    const secrets = `${dir}/secrets/${options.name}`;
    const maxSleep = options.maxSleepMs ?? 50;
    const sleep = (ms: number, signal?: AbortSignal) => realSleep(Math.min(ms, maxSleep), signal);
    const hc = createHcloudClient({ token: "x", endpoint: cloud.hcloudUrl, fetch, sleep });
    const cloudDeps: ClusterDeps = {
      hc,
      actions: createActionWaiter(hc, { sleep, pollIntervalMs: 50 }),
      sleep,
      clock: Date.now,
    };
    const bundle = await loadSecretsBundle(
      await Deno.readTextFile(`${secrets}/${CREDENTIAL_FILES.secrets}`),
      { now: new Date() },
    );
    const credentials = parseTalosconfig(
      await Deno.readTextFile(`${secrets}/${CREDENTIAL_FILES.talosconfig}`),
      options.name,
    );
    const base = createTalosDeps(credentials, { sleep, now: Date.now });
    const talos: TalosDeps = {
      ...base,
      talosClient: (endpoint) => base.talosClient(loopbackEndpoint(cloud, endpoint)),
      maintenanceClient: (endpoint) => base.maintenanceClient(loopbackEndpoint(cloud, endpoint)),
    };
    kube = await createKubeClient({
      kubeconfigYaml: await Deno.readTextFile(`${secrets}/${CREDENTIAL_FILES.kubeconfig}`),
      sleep,
    });
    const kubeClient = kube;
    let spec = specOf(await Deno.readTextFile(`${dir}/k8zner.yaml`));
    const ensureInfra = async () => {
      const desired = expandSpec(spec);
      const observed = await discoverCluster(hc, options.name, { desired });
      return await ensureInfrastructure(cloudDeps, desired, observed, recordingProgress(), {
        callerIp: cloud.callerIp,
      });
    };
    const logs: Record<string, unknown>[] = [];
    const log = createJsonLogger({
      write: (line) => {
        logs.push(JSON.parse(line));
        if (Deno.env.get("K8ZNER_FIXTURE_LOG")) console.error(line);
      },
      level: "debug",
    });
    const metrics = new OperatorMetrics(PROVISIONING_PHASES);
    const events = new EventRecorder({ kube: kubeClient, component: "k8zner-operator", instance: "fixture" });
    const leadershipChecks: string[] = [];
    const abort = new AbortController();

    const fixture: ComputeFixture = {
      cloud,
      name: options.name,
      dir,
      kube: kubeClient,
      store: () => storeOf(cloud),
      cloudDeps,
      talos,
      logs,
      leadershipChecks,
      metrics,
      memory: new Map(),
      infra: await ensureInfra(),
      async setCounts(counts) {
        if (counts.workers !== undefined) {
          spec = { ...spec, workers: { ...spec.workers, count: counts.workers } };
          await kubeClient.patchMerge("k8zner.io/v1alpha1", "K8znerCluster", options.name, OPERATOR_NAMESPACE, {
            spec: { workers: { count: counts.workers } },
          });
        }
        fixture.infra = await ensureInfra();
      },
      async context() {
        const cluster = await kubeClient.get("k8zner.io/v1alpha1", "K8znerCluster", options.name, OPERATOR_NAMESPACE);
        if (!cluster) throw new Error(`K8znerCluster ${options.name} is missing`);
        const nodes = await kubeClient.list("v1", "Node", undefined, {
          labelSelector: `${LABEL_KEYS.cluster}=${options.name}`,
        });
        return {
          cluster,
          desired: expandSpec(spec),
          bundle,
          cloud: cloudDeps,
          talos,
          kube: kubeClient,
          addons: noHelmAddons(),
          hcloudToken: () => "test-token",
          cloudflareToken: () => undefined,
          nodes: () => nodes,
          events,
          log: log.with({ cluster: options.name }),
          metrics,
          requireLeadership: (action: string) => {
            leadershipChecks.push(action);
            return Promise.resolve();
          },
          now: Date.now,
          sleep,
          signal: abort.signal,
          memory: fixture.memory,
        };
      },
      async computePass(passOptions = {}) {
        const ctx = await fixture.context();
        const view = await observeCompute(ctx, fixture.infra);
        const actions = nodeActions(ctx, view, fixture.infra, { talosIntervalMs: 100, ...passOptions.actions });
        const controlPlanes = await reconcileControlPlanes(ctx, view, actions);
        const workers = await reconcileWorkers(ctx, view, actions, passOptions.workers);
        return { view, controlPlanes, workers };
      },
      async close() {
        abort.abort();
        kubeClient.close();
        if (ownCloud) await cloud.close();
        await Deno.remove(dir, { recursive: true });
      },
      [Symbol.asyncDispose]: () => fixture.close(),
    };
    return fixture;
  } catch (err) {
    kube?.close();
    if (ownCloud) await cloud.close();
    await Deno.remove(dir, { recursive: true });
    throw err;
  }
}

/**
 * The loopback address the local cloud serves the node with private IP `endpoint` on: its server's public
 * IPv4, read from the simulator's state (so it is known as soon as the server is, before its Talos node
 * boots). An address no server holds maps to a closed loopback port: refused, like an unreachable node.
 */
export function loopbackEndpoint(cloud: LocalCloud, endpoint: string): string {
  const [host, port] = endpoint.split(":");
  const state = cloud.sim.state;
  for (const server of state.servers.values()) {
    if (!server.privateNet.some((p) => p.ip === host) || server.ipv4 === null) continue;
    const publicIp = state.primaryIps.get(server.ipv4)?.ip;
    if (publicIp) return port ? `${publicIp}:${port}` : publicIp;
  }
  return "127.0.0.1:1";
}

/** The cluster's fake Kubernetes store (one per cluster; any API server of it). */
function storeOf(cloud: LocalCloud): FakeKubeStore {
  const api = [...cloud.kubeApiServers.values()][0];
  if (!api) throw new Error("no Kubernetes API server runs in the local cloud");
  return api.store;
}

function specOf(text: string): Spec {
  const parsed = parseConfig(text, "k8zner.yaml");
  if (!parsed.spec || parsed.problems.length > 0) {
    throw new Error(`k8zner.yaml does not parse: ${JSON.stringify(parsed.problems)}`);
  }
  return parsed.spec;
}

/** Ready Nodes of the cluster, by name. */
export function readyNodeNames(nodes: readonly KubeObject[]): string[] {
  return nodes.filter((n) =>
    ((n.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? [])
      .some((c) => c.type === "Ready" && c.status === "True")
  ).map((n) => n.metadata.name).sort();
}
