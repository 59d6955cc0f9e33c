/**
 * Replacing one unreachable node, step by step, each step remembered in `ctx.memory` so the next pass continues
 * where this one stopped: a control plane first leaves etcd (audit, then `EtcdRemoveMemberByID` through a
 * healthy control plane, aborting on any error before anything else is touched); then its server and Node are
 * deleted (it cannot be drained); then it is created again under the same name and planned private IP; then
 * the step waits until the new Node is Ready (and, for a control plane, votes in etcd).
 *
 * Every action records an Event and a log line; leadership is re-checked right before each etcd member removal
 * and each deletion.
 *
 * @module
 */
import { formatElapsed } from "../../../lib/duration.ts";
import type { ComputeView, NodeActions, ReconcileContext, StepOutcome } from "../context.ts";
import { LeadershipLostError } from "../../runtime/mod.ts";
import { assessJoin, type EtcdAudit } from "./etcd_audit.ts";
import { auditControlPlane, observeControlPlanes, removeMembers } from "./etcd_steps.ts";
import type { NodeJudgement } from "./node_health.ts";
import { ACTIVE_REQUEUE_MS, healingOutcome, IDLE_REQUEUE_MS } from "./outcome.ts";
import { joinProgress, type Replacement, writeReplacement } from "./replacement.ts";

/** What one healing pass works with. */
export interface HealPass {
  ctx: ReconcileContext;
  view: ComputeView;
  actions: NodeActions;
  thresholdMs: number;
}

/** Decides again (after a replacement completed or was abandoned, so the next one may start). */
type Again = () => Promise<StepOutcome>;

/** Starts replacing `target`; a control plane only after the etcd audit allows it. */
export async function startReplacement(
  pass: HealPass,
  judgements: readonly NodeJudgement[],
  target: NodeJudgement,
  again: Again,
): Promise<StepOutcome> {
  const { ctx, thresholdMs } = pass;
  let audit: EtcdAudit | undefined;
  if (target.role === "control-plane") {
    audit = await auditControlPlane(pass.ctx, pass.view, judgements, target.name);
    if (!audit.ok) return await refuse(ctx, target.name, audit);
  }
  const replacement: Replacement = {
    name: target.name,
    role: target.role,
    step: target.role === "control-plane" ? "etcd" : "remove",
    startedAt: ctx.now(),
    replacedUid: target.nodeUid,
  };
  writeReplacement(ctx.memory, replacement);
  ctx.metrics.countReplacement(ctx.cluster.metadata.name, target.role);
  const why = target.serverExists
    ? `NotReady for ${formatElapsed(target.notReadyForMs ?? 0)} (threshold ${formatElapsed(thresholdMs)})`
    : "NotReady and its server no longer exists";
  await ctx.events.record(
    ctx.cluster,
    "Warning",
    "ReplacingNode",
    "Replace",
    `Replacing ${roleText(target.role)} ${target.name}: ${why}`,
  );
  ctx.log.warn("replacing node", { node: target.name, role: target.role, why });
  return await runSteps(pass, judgements, replacement, again, audit);
}

/** Continues the replacement this process remembers. */
export async function continueReplacement(
  pass: HealPass,
  judgements: readonly NodeJudgement[],
  replacement: Replacement,
  again: Again,
): Promise<StepOutcome> {
  const { ctx, thresholdMs } = pass;
  const judgement = judgements.find((j) => j.name === replacement.name)!;
  if (replacement.step === "etcd" && judgement.verdict !== "unreachable") {
    // Nothing was removed yet (leaving etcd is the first destructive step): a node that came back stays.
    writeReplacement(ctx.memory, undefined);
    ctx.log.info("replacement cancelled: node no longer unreachable", { node: replacement.name });
    await ctx.events.record(
      ctx.cluster,
      "Normal",
      "ReplacementCancelled",
      "Replace",
      `Not replacing ${replacement.name}: it is ${judgement.verdict} again and nothing was removed yet`,
    );
    return await again();
  }
  if (replacement.step !== "join") return await runSteps(pass, judgements, replacement, again);

  const progress = joinProgress(replacement, judgement, ctx.now(), thresholdMs);
  if (progress === "failed") {
    writeReplacement(ctx.memory, undefined);
    const message = `${replacement.name} was added again but its new Node did not become Ready within ${
      formatElapsed(thresholdMs)
    }; it is replaced again once it is past the threshold`;
    ctx.log.error("replacement did not join", { node: replacement.name });
    await ctx.events.record(ctx.cluster, "Warning", "ReplacementFailed", "Replace", message);
    return healingOutcome("True", "ReplacementFailed", message, { done: false, requeueAfterMs: ACTIVE_REQUEUE_MS });
  }
  let detail = progress === "registering" ? "waiting for its new Node to register" : "waiting for its Node to be Ready";
  if (replacement.role === "control-plane") {
    const join = assessJoin(await observeControlPlanes(pass.ctx, judgements), replacement.name);
    if (join.state === "quorum-at-risk") {
      ctx.log.error("etcd quorum at risk during a replacement", { node: replacement.name, message: join.message });
      await ctx.events.record(ctx.cluster, "Warning", "QuorumAtRisk", "Audit", join.message);
      return healingOutcome("True", "QuorumAtRisk", join.message, { done: false, requeueAfterMs: ACTIVE_REQUEUE_MS });
    }
    if (progress === "ready" && join.state === "voting") return await complete(ctx, replacement, again);
    if (progress === "ready" && join.state === "pending") detail = join.detail;
  } else if (progress === "ready") {
    return await complete(ctx, replacement, again);
  }
  return replacing(replacement, detail);
}

async function runSteps(
  pass: HealPass,
  judgements: readonly NodeJudgement[],
  r: Replacement,
  again: Again,
  audit?: EtcdAudit,
): Promise<StepOutcome> {
  const { ctx, actions } = pass;
  if (r.step === "etcd") {
    audit ??= await auditControlPlane(pass.ctx, pass.view, judgements, r.name);
    // Kept in memory: this node stays the one being replaced while the audit refuses.
    if (!audit.ok) return await refuse(ctx, r.name, audit);
    const aborted = await removeMembers(ctx, audit);
    if (aborted) {
      writeReplacement(ctx.memory, undefined);
      return aborted;
    }
    r.step = "remove";
    writeReplacement(ctx.memory, r);
  }
  if (r.step === "remove") {
    await ctx.requireLeadership(`delete server and Node ${r.name}`);
    await reported(ctx, r, "delete", () => actions.removeUnreachable(r.name));
    await ctx.events.record(
      ctx.cluster,
      "Normal",
      "NodeRemoved",
      "Delete",
      `Deleted the server and Node of unreachable ${r.name} (a node that cannot be reached cannot be drained)`,
    );
    ctx.log.info("unreachable node removed", { node: r.name });
    r.step = "add";
    writeReplacement(ctx.memory, r);
  }
  if (r.step === "add") {
    await reported(ctx, r, "add", () => actions.addNode(r.name));
    const plan = ctx.desired.servers.find((s) => s.name === r.name);
    await ctx.events.record(
      ctx.cluster,
      "Normal",
      "NodeAdded",
      "Create",
      `Created ${r.name} again${plan ? ` with its planned private IP ${plan.privateIp}` : ""}; waiting for it to join`,
    );
    ctx.log.info("replacement node added", { node: r.name });
    r.step = "join";
    r.addedAt = ctx.now();
    writeReplacement(ctx.memory, r);
    return replacing(r, "waiting for its new Node to register");
  }
  return await continueReplacement(pass, judgements, r, again);
}

/** Runs a node action; a failure is recorded (Event, log) and rethrown, so the reconciler backs off and retries. */
async function reported(ctx: ReconcileContext, r: Replacement, what: string, action: () => Promise<void>) {
  try {
    await action();
  } catch (err) {
    // A replica that lost the Lease stops quietly: the new leader picks the replacement up from the cloud.
    if (err instanceof LeadershipLostError) throw err;
    const reason = err instanceof Error ? err.message.split("\n")[0] : String(err);
    ctx.log.error(`replacement could not ${what} the node`, { node: r.name, step: r.step, error: err });
    await ctx.events.record(
      ctx.cluster,
      "Warning",
      "ReplacementFailed",
      r.step === "add" ? "Create" : "Delete",
      `Could not ${what} ${r.name} while replacing it: ${reason}; retrying`,
    );
    throw err;
  }
}

async function refuse(
  ctx: ReconcileContext,
  name: string,
  audit: Extract<EtcdAudit, { ok: false }>,
): Promise<StepOutcome> {
  const message = `Not replacing ${name}: ${audit.message}`;
  if (audit.reason === "EtcdMemberJoining") {
    ctx.log.info("replacement waits for an etcd learner", { node: name, message: audit.message });
    return healingOutcome("True", audit.reason, message, { done: false, requeueAfterMs: ACTIVE_REQUEUE_MS });
  }
  ctx.log.warn("control plane replacement refused", { node: name, reason: audit.reason, message: audit.message });
  await ctx.events.record(ctx.cluster, "Warning", audit.reason, "Audit", message);
  return healingOutcome("True", audit.reason, message, { done: true, requeueAfterMs: IDLE_REQUEUE_MS });
}

async function complete(ctx: ReconcileContext, r: Replacement, again: Again): Promise<StepOutcome> {
  writeReplacement(ctx.memory, undefined);
  const took = formatElapsed(ctx.now() - r.startedAt);
  const votes = r.role === "control-plane" ? " and votes in etcd" : "";
  await ctx.events.record(
    ctx.cluster,
    "Normal",
    "NodeReplaced",
    "Replace",
    `Replaced ${roleText(r.role)} ${r.name}: its new Node is Ready${votes} (took ${took})`,
  );
  ctx.log.info("node replaced", { node: r.name, role: r.role, took });
  return await again();
}

function replacing(r: Replacement, detail: string): StepOutcome {
  return healingOutcome("True", "NodeReplacing", `Replacing ${roleText(r.role)} ${r.name}: ${detail}`, {
    done: false,
    requeueAfterMs: ACTIVE_REQUEUE_MS,
  });
}

function roleText(role: Replacement["role"]): string {
  return role === "control-plane" ? "control plane" : "worker";
}
