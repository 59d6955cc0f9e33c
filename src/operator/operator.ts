/**
 * The operator process, wired: probe and metrics endpoints from the start, then leader election; only
 * the leader runs the watches (K8znerClusters and Nodes) and the queue workers that reconcile. When
 * the Lease is lost the term's signal aborts every pass in flight and {@link runOperator} returns
 * `lost-leadership` (the command exits non-zero so the Deployment restarts the pod as a candidate);
 * on shutdown it stops the watches, releases the Lease and returns `shutdown`.
 *
 * @module
 */
import { K8ZNER_NAMESPACE } from "../addons/k8zner_crd.ts";
import { OPERATOR_NAME } from "../addons/operator_manifests.ts";
import type { HcloudClient } from "../hcloud/mod.ts";
import type { KubeClient } from "../kube/mod.ts";
import { LABEL_KEYS } from "../lib/labels.ts";
import type { Timers } from "../lib/timers.ts";
import { createClusterReconciler, IDLE_REQUEUE_MS } from "./reconcile/cluster_reconciler.ts";
import type { PhaseStep } from "./reconcile/phase_step.ts";
import type { AddonDeps } from "./reconcile/context.ts";
import { createContextFactory } from "./context_factory.ts";
import {
  ClusterEventSources,
  countingHelm,
  EventRecorder,
  type JsonLogger,
  LeaderElector,
  type OperatorHttpServer,
  type OperatorMetrics,
  runWorkers,
  startOperatorHttpServer,
  WorkQueue,
} from "./runtime/mod.ts";
import type { TalosAddressMap } from "./talos_address_map.ts";

/** Options of {@link runOperator}. */
export interface OperatorOptions {
  kube: KubeClient;
  /** This replica (the pod name): the Lease holder identity and the Events' reporting instance. */
  identity: string;
  /** Namespace of the Lease, the K8znerClusters and the credentials Secrets. */
  namespace?: string;
  log: JsonLogger;
  metrics: OperatorMetrics;
  /** `ip:port` of /healthz and /readyz; none when absent. */
  healthAddress?: string;
  /** `ip:port` of /metrics; none when absent. */
  metricsAddress?: string;
  /** The phase steps (`PHASE_STEPS` in the command; tests inject their own). */
  steps: readonly PhaseStep[];
  /** A Hetzner client for a token (the command wraps fetch with `countingFetch`). */
  hcloud(token: string): HcloudClient;
  talosAddressMap: TalosAddressMap;
  /** Helm, the charts directory and the random source of the CNI and Addons steps (Helm is counted here). */
  addons: AddonDeps;
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /**
   * The clock of the runtime: work-queue delays (resync, backoff), the Lease, the watches' restarts and
   * relists, Event aggregation. Default the real one. `now` and `sleep` must keep the same time (the
   * command derives all three from one clock, scaled in tests by `K8ZNER_OPERATOR_CLOCK_SCALE`).
   */
  timers?: Timers;
  /** Lease timing (tests shorten it). Defaults 15 s / 10 s / 2 s. */
  lease?: { durationMs?: number; renewDeadlineMs?: number; retryPeriodMs?: number };
  /** Passed to the watches (tests shorten them). */
  watch?: { inactivityMs?: number; relistIntervalMs?: number; serverTimeoutSeconds?: number };
  /** Requeue of an idle cluster. Default 30 s. */
  idleRequeueMs?: number;
  /** How many times faster than real time Hetzner's actions run (a simulator; see `createActionWaiter`). */
  actionTimeScale?: number;
  /** How long to wait for passes in flight when the term ends. Default 5 s. */
  drainTimeoutMs?: number;
  /** Told when the endpoints listen (the command logs the bound addresses). */
  onListening?(servers: { health?: OperatorHttpServer; metrics?: OperatorHttpServer }): void;
}

/** Why {@link runOperator} returned. */
export type OperatorExit = { reason: "shutdown" } | { reason: "lost-leadership"; message: string };

/** Runs the operator until `signal` aborts or leadership is lost. */
export async function runOperator(options: OperatorOptions, signal: AbortSignal): Promise<OperatorExit> {
  const namespace = options.namespace ?? K8ZNER_NAMESPACE;
  const log = options.log;
  const events = new EventRecorder({
    kube: options.kube,
    component: OPERATOR_NAME,
    instance: options.identity,
    ...(options.timers ? { timers: options.timers } : {}),
    onError: (err, event) => log.warn("cannot record event", { reason: event.reason, error: err }),
  });
  const elector = new LeaderElector({
    kube: options.kube,
    identity: options.identity,
    namespace,
    name: OPERATOR_NAME,
    ...(options.lease?.durationMs ? { leaseDurationMs: options.lease.durationMs } : {}),
    ...(options.lease?.renewDeadlineMs ? { renewDeadlineMs: options.lease.renewDeadlineMs } : {}),
    ...(options.lease?.retryPeriodMs ? { retryPeriodMs: options.lease.retryPeriodMs } : {}),
    ...(options.timers ? { timers: options.timers } : {}),
  });
  let term: { sources: ClusterEventSources; workers: Promise<void>; watches: Promise<void> } | undefined;
  const probes = {
    healthz: () => undefined,
    // A standby replica is ready (it can take over); the leader once its caches have synced.
    readyz: () => term && !term.sources.synced ? "watches have not synced yet" : undefined,
  };
  const health = options.healthAddress
    ? await startOperatorHttpServer({ address: options.healthAddress, ...probes })
    : undefined;
  const metrics = options.metricsAddress
    ? await startOperatorHttpServer({ address: options.metricsAddress, metrics: options.metrics, ...probes })
      .catch(async (err) => {
        await health?.close();
        throw err;
      })
    : undefined;
  options.onListening?.({ health, metrics });

  const lost = Promise.withResolvers<string>();
  const startTerm = (leading: AbortSignal) => {
    options.metrics.setLeader(true);
    log.info("became leader", { identity: options.identity });
    const queue = new WorkQueue(options.timers ? { timers: options.timers } : {});
    const sources = new ClusterEventSources({
      kube: options.kube,
      queue,
      namespace,
      watch: options.watch,
      ...(options.timers ? { timers: options.timers } : {}),
      onNotice: (notice) =>
        notice.event === "error" ? log.warn("watch error", { ...notice }) : log.debug("watch", { ...notice }),
    });
    const contexts = createContextFactory({
      kube: options.kube,
      events,
      log,
      metrics: options.metrics,
      hcloud: options.hcloud,
      talosAddressMap: options.talosAddressMap,
      addons: { ...options.addons, helm: countingHelm(options.addons.helm, options.metrics) },
      nodesOf: (name) => sources.nodes.items().filter((n) => n.metadata.labels?.[LABEL_KEYS.cluster] === name),
      requireLeadership: (action) => elector.requireLeadership(action),
      signal: leading,
      requeue: (key) => queue.add(key),
      now: options.now,
      sleep: options.sleep,
      ...(options.actionTimeScale !== undefined ? { actionTimeScale: options.actionTimeScale } : {}),
    });
    const reconcile = createClusterReconciler({
      kube: options.kube,
      events,
      log,
      metrics: options.metrics,
      now: options.now,
      steps: options.steps,
      buildContext: contexts.buildContext,
      cloudFor: contexts.cloudFor,
      requireLeadership: (action) => elector.requireLeadership(action),
      idleRequeueMs: options.idleRequeueMs ?? IDLE_REQUEUE_MS,
    });
    leading.addEventListener("abort", () => queue.shutDown(), { once: true });
    const watches = sources.run(leading).catch((err) => log.error("watches stopped", { error: err }));
    const workers = runWorkers(queue, reconcile, {
      defaultRequeueMs: options.idleRequeueMs ?? IDLE_REQUEUE_MS,
      onError: (key, err, retryInMs) => log.warn("reconcile failed", { key, retryInMs, error: err }),
    });
    term = { sources, workers, watches };
  };
  const election = elector.run({
    onStartedLeading: startTerm,
    onStoppedLeading: (reason) => {
      options.metrics.setLeader(false);
      log.info("stopped leading", { reason });
      lost.resolve(reason);
    },
    onNewLeader: (identity) => log.info("another replica leads", { leader: identity }),
  }, signal);
  try {
    await election;
    const current = term as typeof term;
    if (current) {
      // Passes in flight see the term's signal abort; one stuck in a slow call (a Hetzner request
      // has a 60 s timeout) must not hold the exit: nothing destructive passes requireLeadership now.
      // Real time on purpose: it is bounded by the pod's termination grace, which no test clock scales.
      const drained = Promise.all([current.workers, current.watches]).then(() => true);
      const late = new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), options.drainTimeoutMs ?? 5_000);
        drained.then(() => clearTimeout(timer));
      });
      if (!(await Promise.race([drained, late]))) log.warn("a reconcile pass was still running at exit");
    }
    if (signal.aborted) return { reason: "shutdown" };
    return { reason: "lost-leadership", message: await lost.promise };
  } finally {
    await Promise.all([health?.close(), metrics?.close()]);
  }
}
