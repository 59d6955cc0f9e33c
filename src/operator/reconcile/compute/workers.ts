/**
 * `reconcileWorkers()`: the worker pool at its planned size.
 *
 * Up: every missing worker is added at once (up to {@link WORKER_WAVE}; each `addNode` creates the
 * server and waits for its config). Down: the highest index first, one at a time: drain (cordon, evict through the Eviction
 * API), delete the Node, delete the server. A PodDisruptionBudget that refuses an eviction (429) is
 * retried every 5 s for up to 2 min, then the condition says `DrainBlocked` and the node stays; later
 * passes keep trying, and nothing is ever deleted around a budget.
 *
 * A worker whose server exists and whose Node registered is never touched here (a powered-off or broken
 * worker is healing's business); a server without a Node is an add that did not finish, and is finished.
 *
 * @module
 */
import { drainTimeoutMs } from "./drain_timeout.ts";
import type { Server } from "../../../hcloud/mod.ts";
import type { KubeObject } from "../../../kube/mod.ts";
import type { ComputeView, ConditionInput, NodeActions, ReconcileContext, StepOutcome } from "../context.ts";
import { addFailed, JOIN_REQUEUE_MS } from "./control_planes.ts";
import { drainOnce } from "./drain.ts";
import { record } from "./node_actions.ts";
import { forgetServer, markComputeBusy } from "./observe.ts";
import { indexOfName, nodeStatus, phaseFromNode, type PoolNodeStatus, poolStatus } from "./pool_status.ts";

/**
 * Workers added at once: 50, every missing worker of a spec today (`MAX_WORKERS`).
 *
 * Why not fewer: Hetzner runs server creates side by side (an action locks only its own server) and each
 * add then waits about a minute for its actions and Talos, so every extra wave adds a whole server's chain:
 * 3 -> 50 in waves of 10 waited for five chains where one suffices (tests/local_cloud/critical_path.ts).
 * Spread placement groups do not need waves either: each holds 10, the infrastructure step creates every
 * group the plan needs before Compute runs, and each server names its own group.
 *
 * Why a bound at all: the project's rate limit, a bucket of 3600 requests refilled at 1 a second and shared
 * with the cloud controller and the CSI driver. An add costs 3 mutating requests (create, attach, power on)
 * and its share of the action polls, which one `GET /actions` shares across the wave: 47 at once spent 165
 * requests in the 3 -> 50 bench (BENCHMARKS.md), under 5 % of a full bucket, leaving it refilling faster
 * than the other clients drain it. A spec above `MAX_WORKERS` would need this looked at again, not a larger
 * burst.
 */
export const WORKER_WAVE = 50;

/** Tuning of {@link reconcileWorkers} (defaults in parentheses). */
export interface WorkerOptions {
  /**
   * Workers added at once ({@link WORKER_WAVE}). Their action polls are shared (one `GET /actions` for
   * all), and a crash mid-wave is finished by the next pass like a single add (a server without a Node).
   */
  concurrency?: number;
  /** Pause between drain attempts while a budget blocks (5 s). */
  drainRetryMs?: number;
  /** How long a budget may block before the condition says DrainBlocked (2 min). */
  drainLimitMs?: number;
}

/** What the worker pool needs now. */
export interface WorkerPlan {
  /** Planned workers to create or finish, in index order. */
  add: string[];
  /** Workers beyond the planned count, highest index first. */
  remove: string[];
}

/** Which workers to add and which to remove. Pure. */
export function planWorkers(
  cluster: string,
  planned: readonly string[],
  servers: readonly Server[],
  nodes: readonly KubeObject[],
): WorkerPlan {
  const serverOf = new Map(servers.map((s) => [s.name, s]));
  const nodeNames = new Set(nodes.map((n) => n.metadata.name));
  const add = planned.filter((name) => {
    const server = serverOf.get(name);
    // No Node yet: a create or join that has not finished (or never started).
    return !server || !nodeNames.has(name);
  });
  const plannedSet = new Set(planned);
  const extra = new Set<string>();
  for (const name of [...serverOf.keys(), ...nodeNames]) {
    if (!plannedSet.has(name) && indexOfName(cluster, "w", name) !== undefined) extra.add(name);
  }
  const remove = [...extra].sort((a, b) => indexOfName(cluster, "w", b)! - indexOfName(cluster, "w", a)!);
  return { add, remove };
}

const DRAIN_KEY = "compute.drain";

interface DrainMemory {
  node: string;
  /** When a budget first blocked this node's drain. */
  blockedSince?: number;
  /** The DrainBlocked Warning was recorded (once per node and process). */
  reported?: boolean;
}

/** Scales the workers (see the module docs). Never writes the status; returns it. */
export async function reconcileWorkers(
  ctx: ReconcileContext,
  view: ComputeView,
  actions: NodeActions,
  options: WorkerOptions = {},
): Promise<StepOutcome> {
  const cluster = ctx.desired.cluster.name;
  const plans = ctx.desired.servers.filter((s) => s.role === "worker");
  const planned = plans.map((p) => p.name);
  const plan = planWorkers(cluster, planned, view.servers, view.nodes);
  const serverOf = new Map(view.servers.map((s) => [s.name, s]));
  const nodeOf = new Map(view.nodes.map((n) => [n.metadata.name, n]));
  const phases = new Map<string, PoolNodeStatus["phase"]>();
  const removed = new Set<string>();

  const outcome = (condition: Omit<ConditionInput, "type">, more: Partial<StepOutcome> = {}): StepOutcome => {
    const nodes: PoolNodeStatus[] = [];
    for (const p of plans) {
      const server = serverOf.get(p.name);
      const node = nodeOf.get(p.name);
      const phase = phases.get(p.name) ?? (server ? phaseFromNode(node) : undefined);
      if (phase) nodes.push(nodeStatus(p.name, { server, node, privateIp: p.privateIp }, phase));
    }
    for (const name of plan.remove) {
      if (removed.has(name)) continue;
      const node = nodeOf.get(name);
      nodes.push(nodeStatus(
        name,
        { server: serverOf.get(name), node, privateIp: undefined },
        phases.get(name) ??
          phaseFromNode(node),
      ));
    }
    const status = poolStatus(plans.length, nodes);
    ctx.metrics.setNodes(cluster, "worker", { desired: status.desired, ready: status.ready });
    return { conditions: [{ type: "WorkersReady", ...condition }], done: false, status: { workers: status }, ...more };
  };

  // Up, bounded.
  if (plan.add.length > 0) {
    const failures: { name: string; err: unknown }[] = [];
    const missing = plan.add.filter((n) => !serverOf.has(n));
    if (missing.length > 0) {
      ctx.log.info("adding workers", { cluster, nodes: missing });
      await record(ctx, "Normal", "ScalingWorkers", `Adding workers ${missing.join(", ")}`);
    }
    await forEachBounded(plan.add, options.concurrency ?? WORKER_WAVE, async (name) => {
      phases.set(name, serverOf.has(name) ? "WaitingForK8s" : "CreatingServer");
      try {
        await actions.addNode(name);
        phases.set(name, "WaitingForK8s");
      } catch (err) {
        if (ctx.signal.aborted) throw err;
        failures.push({ name, err });
        phases.set(name, "Failed");
      }
    });
    if (failures.length > 0) {
      const first = failures[0]!;
      return await addFailed(ctx, first.err, first.name, outcome);
    }
  }

  // Down, highest index first, one node at a time.
  for (const name of plan.remove) {
    const node = nodeOf.get(name);
    markComputeBusy(ctx, name);
    if (node) {
      phases.set(name, "Draining");
      const attempt = await drainOnce(ctx, node);
      if (attempt.evicted.length > 0) {
        ctx.log.info("evicted pods", { cluster, node: name, pods: attempt.evicted });
        await record(ctx, "Normal", "DrainingNode", `Evicted ${attempt.evicted.length} pod(s) from ${name}`);
      }
      if (attempt.remaining.length > 0) return await drainWaiting(ctx, name, attempt, options, outcome);
      ctx.memory.delete(DRAIN_KEY);
      await ctx.requireLeadership(`delete Node ${name}`);
      await ctx.kube.delete("v1", "Node", name);
      ctx.log.info("deleted drained Node", { cluster, node: name });
    }
    const server = serverOf.get(name);
    if (server) {
      phases.set(name, "DeletingServer");
      await ctx.requireLeadership(`delete server ${name}`);
      ctx.log.info("deleting server", { cluster, node: name, serverId: server.id });
      const action = await ctx.cloud.hc.servers.delete(server.id);
      if (action) await ctx.cloud.actions.wait([action]);
      forgetServer(ctx, name);
    }
    removed.add(name);
    await record(ctx, "Normal", "RemovedWorker", `Removed worker ${name} (drained, Node and server deleted)`);
  }

  const waiting = planned.filter((n) => !nodeOf.has(n));
  if (waiting.length > 0 || plan.add.length > 0) {
    return outcome({
      status: "False",
      reason: "Joining",
      message: `${planned.length - waiting.length} of ${planned.length} workers registered; waiting for ` +
        (waiting.length > 0 ? waiting.join(", ") : plan.add.join(", ")),
    }, { requeueAfterMs: JOIN_REQUEUE_MS });
  }
  return outcome({
    status: "True",
    reason: "Ready",
    message: `${planned.length} of ${planned.length} workers registered`,
  }, { done: true });
}

/** The condition while a drain waits: `Draining` and a quick retry, then `DrainBlocked` past the limit. */
async function drainWaiting(
  ctx: ReconcileContext,
  name: string,
  attempt: { blocked: { pod: string; message: string }[]; remaining: string[] },
  options: WorkerOptions,
  outcome: (c: Omit<ConditionInput, "type">, more?: Partial<StepOutcome>) => StepOutcome,
): Promise<StepOutcome> {
  const retryMs = options.drainRetryMs ?? 5_000;
  const limitMs = options.drainLimitMs ?? drainTimeoutMs(ctx.cluster);
  const previous = ctx.memory.get(DRAIN_KEY) as DrainMemory | undefined;
  const memory: DrainMemory = previous?.node === name ? previous : { node: name };
  if (attempt.blocked.length === 0) {
    ctx.memory.set(DRAIN_KEY, { node: name });
    return outcome({
      status: "False",
      reason: "Draining",
      message: `Draining ${name}: waiting for ${attempt.remaining.length} evicted pod(s) to terminate`,
    }, { requeueAfterMs: retryMs });
  }
  const since = memory.blockedSince ?? ctx.now();
  ctx.memory.set(DRAIN_KEY, { ...memory, blockedSince: since });
  const pods = attempt.blocked.map((b) => b.pod).join(", ");
  const blockedMs = ctx.now() - since;
  if (blockedMs < limitMs) {
    ctx.log.info("eviction refused by a PodDisruptionBudget, retrying", {
      cluster: ctx.desired.cluster.name,
      node: name,
      pods,
    });
    return outcome({
      status: "False",
      reason: "Draining",
      message: `Draining ${name}: a PodDisruptionBudget refuses to evict ${pods} for now; retrying every ` +
        `${Math.round(retryMs / 1000)} s`,
    }, { requeueAfterMs: retryMs });
  }
  const message = `Cannot drain ${name}: a PodDisruptionBudget has refused to evict ${pods} for ` +
    `${Math.round(blockedMs / 1000)} s (${attempt.blocked[0]!.message}). The node stays until the budget ` +
    "allows it; relax the budget or add replicas";
  ctx.log.warn("drain blocked by a PodDisruptionBudget", { cluster: ctx.desired.cluster.name, node: name, pods });
  if (!memory.reported) {
    ctx.memory.set(DRAIN_KEY, { ...memory, blockedSince: since, reported: true });
    await record(ctx, "Warning", "DrainBlocked", message);
  }
  const blocked = outcome({ status: "False", reason: "DrainBlocked", message });
  // A scale-down that cannot finish is a problem a human must look at: the reconciler's Degraded.
  return {
    ...blocked,
    conditions: [...blocked.conditions, { type: "Degraded", status: "True", reason: "DrainBlocked", message }],
  };
}

/** Runs `fn` over `items` with at most `limit` at once. */
async function forEachBounded<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
