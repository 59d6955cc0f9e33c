/**
 * The healing step: once `CNIReady` is True (before that every Node is NotReady by design), a planned node that
 * stays NotReady past `spec.healthCheck.nodeNotReadyThreshold`, or is NotReady with its server gone, is replaced:
 * one at a time, the same name and planned private IP. An unreachable node cannot be drained, so its server
 * and Node are deleted outright. A control plane first leaves etcd, and only when etcd keeps quorum without it
 * (`replace_node.ts`); when quorum is at risk nothing destructive happens and `Degraded` says `QuorumAtRisk`.
 *
 * The decisions are pure (`node_health.ts`, `decide.ts`, `etcd_audit.ts`); this file wires them to the
 * context. Node health comes from the Node watch and Talos, never from polling Hetzner.
 *
 * @module
 */
import type { ComputeView, NodeActions, ReconcileContext, StepOutcome } from "../context.ts";
import { decideHealing } from "./decide.ts";
import { healingThresholdMs, isCniReady, THRESHOLD_FIELD } from "./health_spec.ts";
import { judgeNodes, type NodeJudgement } from "./node_health.ts";
import { ACTIVE_REQUEUE_MS, healingOutcome, IDLE_REQUEUE_MS } from "./outcome.ts";
import { readReplacement, writeReplacement } from "./replacement.ts";
import { continueReplacement, type HealPass, startReplacement } from "./replace_node.ts";

/**
 * Runs one healing pass of the cluster in `ctx`: reports the `Degraded` condition as healing sees it, and
 * starts or continues at most one node replacement through `actions`.
 */
export async function reconcileHealing(
  ctx: ReconcileContext,
  view: ComputeView,
  actions: NodeActions,
): Promise<StepOutcome> {
  if (!isCniReady(ctx.cluster)) {
    return healingOutcome(
      "False",
      "WaitingForCNI",
      "Healing starts once CNIReady is True: until a CNI runs on them every node is NotReady by design",
      { done: true },
    );
  }
  let thresholdMs: number;
  try {
    thresholdMs = healingThresholdMs(ctx.cluster);
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    ctx.log.warn("healing disabled: invalid threshold", { field: THRESHOLD_FIELD, error: err.message });
    return healingOutcome("True", "InvalidHealthCheck", err.message, { done: true });
  }
  return await heal({ ctx, view, actions, thresholdMs });
}

/** One decision and what follows from it; called again after a replacement completes or is abandoned. */
export async function heal(pass: HealPass): Promise<StepOutcome> {
  const { ctx, view, thresholdMs } = pass;
  const judgements = judgeNodes(ctx.desired.servers, view, ctx.now(), thresholdMs);
  let pending = readReplacement(ctx.memory);
  if (pending && !judgements.some((j) => j.name === pending!.name)) {
    // The spec no longer plans this node (scaled down mid-replacement): the Compute step owns it now.
    ctx.log.info("replacement dropped: node no longer planned", { node: pending.name, step: pending.step });
    writeReplacement(ctx.memory, undefined);
    pending = undefined;
  }
  const decision = decideHealing(judgements, pending);
  switch (decision.kind) {
    case "healthy": {
      const ready = judgements.filter((j) => j.verdict === "ready").length;
      return healingOutcome(
        "False",
        "NodesHealthy",
        `${ready} of ${judgements.length} planned nodes Ready; none is NotReady`,
        { done: true },
      );
    }
    case "watch":
      return healingOutcome(
        "True",
        "NodeNotReady",
        `${notReadyList(decision.notReady, thresholdMs)} if still not Ready then`,
        { done: true, requeueAfterMs: Math.min(Math.max(decision.nextCheckInMs, 1_000), IDLE_REQUEUE_MS) },
      );
    case "wait-for-join":
      return healingOutcome(
        "True",
        "NodeJoining",
        `${names(decision.unreachable)} NotReady past the threshold; replaced one at a time, after ${
          names(decision.joining)
        } joined`,
        { done: false, requeueAfterMs: ACTIVE_REQUEUE_MS },
      );
    case "replace":
      return await startReplacement(pass, judgements, decision.target, () => heal(pass));
    case "continue":
      return await continueReplacement(pass, judgements, decision.replacement, () => heal(pass));
  }
}

function names(judgements: readonly NodeJudgement[]): string {
  return judgements.map((j) => j.name).join(", ");
}

/** Stable text (times, not durations), so the condition changes only when the facts do. */
function notReadyList(notReady: readonly NodeJudgement[], thresholdMs: number): string {
  return notReady.map((j) => {
    const since = j.notReadySinceMs ?? 0;
    return `${j.name} ${j.ready === "Unknown" ? "unreachable" : "NotReady"} since ${isoSeconds(since)}, replaced at ${
      isoSeconds(since + thresholdMs)
    }`;
  }).join("; ");
}

function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}
