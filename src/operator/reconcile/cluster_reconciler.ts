/**
 * What the work queue runs for one key (`namespace/name` of a K8znerCluster): read the object,
 * handle its deletion (finalizer and `spec.deletionPolicy`), add the finalizer, expand the spec, run
 * one pass of the phase steps and write the status when it changed. A failed step still writes what
 * it means for the status (Progressing, with the error) before the error goes back to the queue for
 * backoff. Steps and the per-pass context are injected, so tests run this against the fake API with
 * their own steps.
 *
 * @module
 */
import { K8ZNER_API_VERSION, K8ZNER_CLUSTER_KIND } from "../../addons/k8zner_crd.ts";
import type { ClusterDeps } from "../../cluster/infra/deps.ts";
import type { DesiredState } from "../../config/mod.ts";
import type { KubeClient, KubeObject } from "../../kube/mod.ts";
import { LABEL_KEYS } from "../../lib/labels.ts";
import type { EventRecorder, JsonLogger, OperatorMetrics, ReconcileResult } from "../runtime/mod.ts";
import { PROVISIONING_PHASES, type ProvisioningPhase, type ReconcileContext } from "./context.ts";
import { addTeardownFinalizer, finalizeCluster, hasTeardownFinalizer } from "./deletion.ts";
import { ClusterSpecError, desiredFromCluster } from "../../cluster/handover/desired_from_spec.ts";
import type { PhaseStep } from "./phase_step.ts";
import { buildStatus, type PassResult, runPass, statusChanged, StepError } from "./reconciler.ts";
import { isNodeReady } from "./steps/node_facts.ts";

/** Requeue of a converged cluster (level-triggered resync). */
export const IDLE_REQUEUE_MS = 30_000;

/** Dependencies of {@link createClusterReconciler}. */
export interface ClusterReconcilerDeps {
  kube: Pick<KubeClient, "get" | "replace" | "patchStatus">;
  events: Pick<EventRecorder, "record">;
  log: JsonLogger;
  metrics: OperatorMetrics;
  now(): number;
  /** The phase steps (the real ones from `steps/mod.ts` in the operator). */
  steps: readonly PhaseStep[];
  /**
   * The context of one pass: reads the cluster's credentials Secrets and builds its Hetzner and Talos
   * clients. `memory` is this cluster's per-process memory (kept across passes).
   */
  buildContext(cluster: KubeObject, desired: DesiredState, memory: Map<string, unknown>): Promise<ReconcileContext>;
  /** Hetzner dependencies with the cluster's token (for the `Delete` teardown). */
  cloudFor(cluster: KubeObject): Promise<ClusterDeps>;
  requireLeadership(action: string): Promise<void>;
  /** Requeue when no step asks for sooner. Default {@link IDLE_REQUEUE_MS}. */
  idleRequeueMs?: number;
}

function splitKey(key: string): { namespace?: string; name: string } {
  const slash = key.indexOf("/");
  return slash < 0 ? { name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

function previousPhase(cluster: KubeObject): ProvisioningPhase {
  const phase = (cluster.status as { provisioningPhase?: ProvisioningPhase } | undefined)?.provisioningPhase;
  return phase ?? "Infrastructure";
}

/** The reconcile function for the work queue. */
export function createClusterReconciler(deps: ClusterReconcilerDeps): (key: string) => Promise<ReconcileResult> {
  const memories = new Map<string, Map<string, unknown>>();
  /** The desired state last expanded per key, with the spec it came from (see {@link desiredOf}). */
  const expanded = new Map<string, { name: string; spec: string; desired: DesiredState }>();
  const idle = deps.idleRequeueMs ?? IDLE_REQUEUE_MS;

  /**
   * `desiredFromCluster`, which renders the spec as k8zner.yaml, parses, validates and expands it (1.3 ms
   * warm, in every pass), done again only when the spec changed; each pass gets its own copy.
   */
  function desiredOf(key: string, cluster: KubeObject): DesiredState {
    const spec = JSON.stringify(cluster.spec);
    const last = expanded.get(key);
    if (last && last.name === cluster.metadata.name && last.spec === spec) return structuredClone(last.desired);
    expanded.delete(key);
    const desired = desiredFromCluster(cluster);
    expanded.set(key, { name: cluster.metadata.name, spec, desired: structuredClone(desired) });
    return desired;
  }

  /** Writes the status after `pass` when it changed; returns the status the object now has. */
  async function writeStatus(cluster: KubeObject, pass: PassResult): Promise<Record<string, unknown>> {
    const previous = cluster.status as Record<string, unknown> | undefined;
    const next = buildStatus(pass, {
      previous,
      generation: cluster.metadata.generation ?? 0,
      nowMs: deps.now(),
      deleting: cluster.metadata.deletionTimestamp !== undefined,
    });
    deps.metrics.setPhase(cluster.metadata.name, String(next.phase));
    if (!statusChanged(previous, next)) return next;
    await deps.kube.patchStatus(
      K8ZNER_API_VERSION,
      K8ZNER_CLUSTER_KIND,
      cluster.metadata.name,
      cluster.metadata.namespace,
      next,
    );
    const before = previous?.provisioningPhase;
    if (before !== next.provisioningPhase) {
      deps.log.info("phase changed", { cluster: cluster.metadata.name, from: before, to: next.provisioningPhase });
      await deps.events.record(
        cluster,
        "Normal",
        "PhaseChanged",
        "Reconcile",
        `Provisioning phase ${before ?? "(none)"} -> ${next.provisioningPhase}`,
      );
    }
    return next;
  }

  /**
   * Before an acting step of a phase the status has not reached yet (a fresh cluster, or one moving on),
   * the phase is written at once: the step may take long (a node created and configured), and `apply
   * --wait` and `doctor` then show the phase as it happens rather than after the pass. Never backwards:
   * a settled cluster's routine pass through the earlier steps writes nothing.
   */
  function phaseAnnouncer(cluster: KubeObject, paused: boolean) {
    let shown = (cluster.status as { provisioningPhase?: ProvisioningPhase } | undefined)?.provisioningPhase;
    return async (step: PhaseStep, sofar: PassResult): Promise<void> => {
      if (paused || !step.acts || step.gates === false) return;
      if (shown !== undefined && PROVISIONING_PHASES.indexOf(step.phase) <= PROVISIONING_PHASES.indexOf(shown)) return;
      cluster.status = await writeStatus(cluster, {
        ...sofar,
        conditions: [...sofar.conditions],
        provisioningPhase: step.phase,
        waitingFor: { step: step.name, message: `${step.name} in progress` },
      });
      shown = step.phase;
    };
  }

  function countNodes(cluster: string, desired: DesiredState, nodes: readonly KubeObject[]): void {
    for (const role of ["control-plane", "worker"] as const) {
      const mine = nodes.filter((n) => n.metadata.labels?.[LABEL_KEYS.role] === role);
      deps.metrics.setNodes(cluster, role, {
        desired: desired.servers.filter((s) => s.role === role).length,
        ready: mine.filter(isNodeReady).length,
      });
    }
  }

  async function reconcileLive(key: string, cluster: KubeObject): Promise<ReconcileResult> {
    const name = cluster.metadata.name;
    if (cluster.metadata.deletionTimestamp !== undefined) {
      const memory = memories.get(key);
      const done = await finalizeCluster({
        kube: deps.kube,
        events: deps.events,
        log: deps.log.with({ cluster: name }),
        cloud: () => deps.cloudFor(cluster),
        requireLeadership: deps.requireLeadership,
        paused: (cluster.spec as { paused?: boolean } | undefined)?.paused === true,
      }, cluster);
      if (done !== "paused") {
        memory?.clear();
        memories.delete(key);
        expanded.delete(key);
        deps.metrics.forgetCluster(name);
        return { forget: true };
      }
      return { requeueAfterMs: idle };
    }
    if (!hasTeardownFinalizer(cluster)) {
      cluster = await addTeardownFinalizer(deps.kube, cluster);
      deps.log.info("teardown finalizer added", { cluster: name });
      await deps.events.record(
        cluster,
        "Normal",
        "FinalizerAdded",
        "Reconcile",
        "Added finalizer k8zner.io/teardown: deleting this object applies spec.deletionPolicy first",
      );
    }
    const paused = (cluster.spec as { paused?: boolean } | undefined)?.paused === true;
    let desired: DesiredState;
    try {
      desired = desiredOf(key, cluster);
    } catch (err) {
      if (!(err instanceof ClusterSpecError)) throw err;
      // Terminal until someone edits the spec: report it, and do not back off.
      deps.log.warn("invalid spec", { cluster: name, error: err });
      await deps.events.record(cluster, "Warning", "InvalidSpec", "Reconcile", err.message);
      await writeStatus(cluster, {
        conditions: [{ type: "Degraded", status: "True", reason: "InvalidSpec", message: err.message }],
        status: {},
        provisioningPhase: previousPhase(cluster),
        healing: false,
        paused,
        waitingFor: { step: "Spec", message: err.message },
      });
      return { requeueAfterMs: idle };
    }
    let memory = memories.get(key);
    if (!memory) memories.set(key, memory = new Map());
    const ctx = await deps.buildContext(cluster, desired, memory);
    let pass: PassResult;
    try {
      pass = await runPass(ctx, { steps: deps.steps, paused, onStepStart: phaseAnnouncer(cluster, paused) });
    } catch (err) {
      if (!(err instanceof StepError)) throw err;
      const message = err.cause instanceof Error ? err.cause.message : String(err.cause);
      deps.log.warn("step failed", { cluster: name, step: err.step, error: err.cause });
      await deps.events.record(cluster, "Warning", "ReconcileFailed", err.step, `${err.step}: ${message}`);
      await writeStatus(cluster, {
        conditions: [],
        status: {},
        provisioningPhase: err.phase,
        healing: false,
        paused,
        waitingFor: { step: err.step, message: `${err.step} failed, retrying: ${message}` },
      });
      throw err.cause;
    }
    // A term that ended mid-pass (lost Lease, shutdown) writes nothing: another replica may lead now.
    ctx.signal.throwIfAborted();
    countNodes(name, desired, ctx.nodes());
    await writeStatus(cluster, pass);
    return { requeueAfterMs: Math.min(pass.requeueAfterMs ?? idle, idle) };
  }

  return async (key) => {
    const { namespace, name } = splitKey(key);
    const started = deps.now();
    const cluster = await deps.kube.get(K8ZNER_API_VERSION, K8ZNER_CLUSTER_KIND, name, namespace);
    if (!cluster) {
      memories.delete(key);
      expanded.delete(key);
      deps.metrics.forgetCluster(name);
      return { forget: true };
    }
    try {
      const result = await reconcileLive(key, cluster);
      deps.metrics.observeReconcile(name, "success", (deps.now() - started) / 1000);
      return result;
    } catch (err) {
      deps.metrics.observeReconcile(name, "error", (deps.now() - started) / 1000);
      throw err;
    }
  };
}
