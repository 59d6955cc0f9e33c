/**
 * `reconcileControlPlanes()`: grows the control plane 1 → 3 (and 3 → 5) one node at a time. The next
 * control plane is added only when the previous one is fully in: etcd (asked through a control plane that
 * answers) lists it as a voting member, not a learner (Talos adds a joining control plane as a learner and
 * promotes it once it has caught up), the etcd service on it is healthy, and its Node has registered. Nodes
 * turn Ready only once a CNI runs, after this phase, so Ready is not waited for here.
 *
 * Nothing is remembered between passes: each pass reads etcd and the Nodes again, so an operator restarted
 * mid-join picks up the same node (deterministic names; `addNode` finishes what exists) and never adds a
 * second server or an etcd member of its own (Talos adds the member when the node joins).
 *
 * Removing control planes is not supported: a lower count is refused with a condition, nothing is touched.
 *
 * @module
 */
import type { Server } from "../../../hcloud/mod.ts";
import type { KubeObject } from "../../../kube/mod.ts";
import type { ComputeView, ConditionInput, NodeActions, ReconcileContext, StepOutcome } from "../context.ts";
import { isEtcdServiceHealthy, readEtcdMembers } from "./etcd.ts";
import { ImageMissingError } from "./image.ts";
import { record } from "./node_actions.ts";
import { indexOfName, nodeStatus, phaseFromNode, type PoolNodeStatus, poolStatus } from "./pool_status.ts";

/** How soon to look again while a control plane joins. */
export const JOIN_REQUEUE_MS = 5_000;

/** What one planned control plane looks like now. */
export interface ControlPlaneFacts {
  name: string;
  hasServer: boolean;
  etcd: "absent" | "learner" | "voter";
  etcdHealthy: boolean;
  nodeRegistered: boolean;
  /**
   * It was in and has failed: its server is powered off, or its Node's Ready is `Unknown` (the kubelet
   * stopped reporting; a joining node's Node is `False` until a CNI runs, never `Unknown`). Healing
   * replaces such a node; waiting here for it to "join" would block healing, which runs after Compute.
   */
  failed?: boolean;
}

/** What to do next about the control planes. */
export type ControlPlaneDecision =
  | { kind: "ready" }
  | { kind: "add"; name: string; position: number }
  | { kind: "wait"; name: string; position: number; reason: string }
  | { kind: "failed"; name: string; position: number }
  | { kind: "etcd-unreachable" };

/** Whether a control plane is fully in (the condition for starting the next). */
export function hasJoined(f: ControlPlaneFacts): boolean {
  return f.hasServer && f.etcd === "voter" && f.etcdHealthy && f.nodeRegistered;
}

/**
 * The next step, in plan order, one node at a time: the first planned control plane that is not fully in
 * is added (when etcd has never seen it) or waited for. Pure.
 */
export function decideControlPlanes(
  planned: readonly ControlPlaneFacts[],
  etcdReachable: boolean,
): ControlPlaneDecision {
  const position = planned.findIndex((f) => !hasJoined(f));
  if (position < 0) return { kind: "ready" };
  const f = planned[position]!;
  if (!etcdReachable) return { kind: "etcd-unreachable" };
  const at = { name: f.name, position: position + 1 };
  if (!f.hasServer || f.etcd === "absent") return { kind: "add", ...at };
  // Nothing is added while a member is down (a learner needs quorum to join); healing replaces it.
  if (f.failed && f.nodeRegistered) return { kind: "failed", ...at };
  if (f.etcd === "learner") return { kind: "wait", ...at, reason: "it is an etcd learner until Talos promotes it" };
  if (!f.etcdHealthy) return { kind: "wait", ...at, reason: "its etcd service is not healthy yet" };
  return { kind: "wait", ...at, reason: "its Node has not registered yet" };
}

/** Scales the control planes (see the module docs). Never writes the status; returns it. */
export async function reconcileControlPlanes(
  ctx: ReconcileContext,
  view: ComputeView,
  actions: NodeActions,
): Promise<StepOutcome> {
  const cluster = ctx.desired.cluster.name;
  const plans = ctx.desired.servers.filter((s) => s.role === "control-plane");
  const serverOf = new Map(view.servers.map((s) => [s.name, s]));
  const nodeOf = new Map(view.nodes.map((n) => [n.metadata.name, n]));
  // Ask etcd through the planned control planes that have a server, in order (cp-1 first: it bootstrapped).
  const endpoints = plans.filter((p) => serverOf.has(p.name)).map((p) => p.privateIp);
  const etcd = await readEtcdMembers(ctx, endpoints);
  const members = "members" in etcd ? etcd.members : [];
  const facts: ControlPlaneFacts[] = [];
  for (const plan of plans) {
    const member = members.find((m) => m.hostname === plan.name);
    const state = member === undefined ? "absent" : member.isLearner ? "learner" : "voter";
    facts.push({
      name: plan.name,
      hasServer: serverOf.has(plan.name),
      etcd: state,
      etcdHealthy: state !== "absent" && await isEtcdServiceHealthy(ctx, plan.privateIp),
      nodeRegistered: nodeOf.has(plan.name),
      failed: hasFailed(serverOf.get(plan.name), nodeOf.get(plan.name)),
    });
  }
  ctx.metrics.setEtcd(cluster, {
    members: members.filter((m) => !m.isLearner).length,
    learners: members.filter((m) => m.isLearner).length,
  });

  const extra = extraControlPlanes(cluster, plans.length, view);
  const decision = decideControlPlanes(facts, "members" in etcd);
  const status = () => controlPlaneStatus(plans, facts, serverOf, nodeOf, extra, decision);
  const outcome = (condition: Omit<ConditionInput, "type">, more: Partial<StepOutcome>): StepOutcome => {
    const s = status();
    ctx.metrics.setNodes(cluster, "control-plane", { desired: s.desired, ready: s.ready });
    return {
      conditions: [{ type: "ControlPlaneReady", ...condition }],
      done: false,
      status: { controlPlanes: s },
      ...more,
    };
  };

  switch (decision.kind) {
    case "etcd-unreachable": {
      const why = "failures" in etcd ? etcd.failures.join("; ") : "";
      ctx.log.warn("no control plane answers the etcd member list", { cluster, failures: why });
      return outcome({
        status: "False",
        reason: "EtcdUnreachable",
        message: `No control plane answered the etcd member list, so no control plane is added: ${why}`,
      }, { requeueAfterMs: JOIN_REQUEUE_MS * 3 });
    }
    case "wait": {
      ctx.log.info("waiting for control plane to join", { cluster, node: decision.name, reason: decision.reason });
      return outcome({
        status: "False",
        reason: "Joining",
        message:
          `Control plane ${decision.name} (${decision.position} of ${plans.length}) is joining: ${decision.reason}`,
      }, { requeueAfterMs: JOIN_REQUEUE_MS });
    }
    case "failed": {
      const message = `Control plane ${decision.name} (${decision.position} of ${plans.length}) has failed (server ` +
        "powered off or Node not reporting); no control plane is added until healing has replaced it";
      ctx.log.warn("control plane failed", { cluster, node: decision.name });
      // Done for this step: what remains is healing's, which runs only after the gating steps are done.
      return outcome({ status: "False", reason: "NodeFailed", message }, {
        done: true,
        requeueAfterMs: JOIN_REQUEUE_MS,
      });
    }
    case "add": {
      ctx.log.info("adding control plane", { cluster, node: decision.name, position: decision.position });
      await record(
        ctx,
        "Normal",
        "AddingControlPlane",
        `Adding control plane ${decision.name} (${decision.position} of ${plans.length})`,
      );
      try {
        await actions.addNode(decision.name);
      } catch (err) {
        if (ctx.signal.aborted) throw err;
        return await addFailed(ctx, err, decision.name, (c, m) => outcome(c, m));
      }
      return outcome({
        status: "False",
        reason: "Joining",
        message: `Control plane ${decision.name} (${decision.position} of ${plans.length}) runs its config; ` +
          "waiting for etcd to make it a voting member",
      }, { requeueAfterMs: JOIN_REQUEUE_MS });
    }
    case "ready": {
      if (extra.length > 0) {
        const message = `spec.controlPlanes.count is ${plans.length} but ${plans.length + extra.length} control ` +
          `planes exist (${extra.map((s) => s.name).join(", ")}): removing control planes is not supported; ` +
          "nothing was changed. Set the count back to keep the status clean";
        ctx.log.warn("control-plane scale-down refused", { cluster, extra: extra.map((s) => s.name) });
        await recordOnce(ctx, "ScaleDownRefused", message);
        return outcome({ status: "False", reason: "ScaleDownUnsupported", message }, { done: true });
      }
      return outcome({
        status: "True",
        reason: "Ready",
        message: `${plans.length} of ${plans.length} control planes are etcd voting members with registered Nodes`,
      }, { done: true });
    }
  }
}

const POWERED_OFF: ReadonlySet<string> = new Set(["off", "stopping"]);

/** Whether a control plane that has a server has failed (see {@link ControlPlaneFacts.failed}). */
export function hasFailed(server: Server | undefined, node: KubeObject | undefined): boolean {
  if (server === undefined) return false;
  // Powered off (or going there): a reboot (`starting`) or a migration is no failure.
  if (POWERED_OFF.has(server.status)) return node !== undefined;
  const conditions = (node?.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions;
  return conditions?.find((c) => c.type === "Ready")?.status === "Unknown";
}

/** A failed `addNode` as a condition; a missing image gets its own reason (the user must run apply). */
export async function addFailed(
  ctx: ReconcileContext,
  err: unknown,
  name: string,
  outcome: (c: Omit<ConditionInput, "type">, more: Partial<StepOutcome>) => StepOutcome,
): Promise<StepOutcome> {
  const message = err instanceof Error ? err.message : String(err);
  const missing = err instanceof ImageMissingError;
  ctx.log.error("cannot add node", { cluster: ctx.desired.cluster.name, node: name, error: err });
  await record(ctx, "Warning", missing ? "ImageMissing" : "AddNodeFailed", `Cannot add ${name}: ${message}`);
  return outcome({
    status: "False",
    reason: missing ? "ImageMissing" : "AddNodeFailed",
    message: `Cannot add ${name}: ${message}`,
  }, { requeueAfterMs: missing ? 60_000 : 30_000 });
}

/** Control-plane servers beyond the planned count (a lowered count). */
function extraControlPlanes(cluster: string, planned: number, view: ComputeView): Server[] {
  return view.servers.filter((s) => (indexOfName(cluster, "cp", s.name) ?? 0) > planned);
}

function controlPlaneStatus(
  plans: readonly { name: string; privateIp: string }[],
  facts: readonly ControlPlaneFacts[],
  serverOf: Map<string, Server>,
  nodeOf: Map<string, KubeObject>,
  extra: readonly Server[],
  decision: ControlPlaneDecision,
) {
  const nodes: PoolNodeStatus[] = [];
  plans.forEach((plan, i) => {
    const f = facts[i]!;
    const server = serverOf.get(plan.name);
    const node = nodeOf.get(plan.name);
    const current = "name" in decision && decision.name === plan.name;
    if (!server && !current) return;
    const phase = !server
      ? "CreatingServer"
      : f.etcd === "absent"
      ? "ApplyingTalosConfig"
      : f.etcd === "learner"
      ? "NodeInitializing"
      : !f.etcdHealthy
      ? (node && !current ? "Unhealthy" : "NodeInitializing")
      : phaseFromNode(node);
    nodes.push(nodeStatus(plan.name, { server, node, privateIp: plan.privateIp }, phase));
  });
  for (const server of extra) {
    const node = nodeOf.get(server.name);
    nodes.push(nodeStatus(server.name, { server, node, privateIp: undefined }, phaseFromNode(node)));
  }
  return poolStatus(plans.length, nodes);
}

const REFUSED_KEY = "compute.scaleDownRefused";

/** Records a Warning once per process and message (the condition carries it on every pass). */
async function recordOnce(ctx: ReconcileContext, reason: string, message: string): Promise<void> {
  if (ctx.memory.get(REFUSED_KEY) === message) return;
  ctx.memory.set(REFUSED_KEY, message);
  await record(ctx, "Warning", reason, message);
}
