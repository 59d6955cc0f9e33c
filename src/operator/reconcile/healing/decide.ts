/**
 * What healing does this pass (pure): continue the replacement in progress, wait for a node that is joining,
 * replace one unreachable node (control planes first, lowest index first), watch NotReady nodes still within
 * the threshold, or nothing. Never more than one replacement at a time.
 *
 * @module
 */
import type { NodeJudgement } from "./node_health.ts";
import type { Replacement } from "./replacement.ts";

/** The decision of one pass. */
export type HealingDecision =
  | { kind: "continue"; replacement: Replacement }
  /** Unreachable nodes wait while another node joins (after a restart, memory is gone but the join is visible). */
  | { kind: "wait-for-join"; joining: NodeJudgement[]; unreachable: NodeJudgement[] }
  | { kind: "replace"; target: NodeJudgement; unreachable: NodeJudgement[] }
  | { kind: "watch"; notReady: NodeJudgement[]; nextCheckInMs: number }
  | { kind: "healthy" };

/** Decides from the judgements of every planned node and the replacement this process remembers. */
export function decideHealing(
  judgements: readonly NodeJudgement[],
  pending: Replacement | undefined,
): HealingDecision {
  if (pending && judgements.some((j) => j.name === pending.name)) return { kind: "continue", replacement: pending };
  const unreachable = judgements.filter((j) => j.verdict === "unreachable").sort(replacementOrder);
  if (unreachable.length > 0) {
    const joining = judgements.filter((j) => j.verdict === "joining");
    if (joining.length > 0) return { kind: "wait-for-join", joining, unreachable };
    return { kind: "replace", target: unreachable[0]!, unreachable };
  }
  const notReady = judgements.filter((j) => j.verdict === "not-ready");
  if (notReady.length > 0) {
    return { kind: "watch", notReady, nextCheckInMs: Math.min(...notReady.map((j) => j.replaceInMs ?? 0)) };
  }
  return { kind: "healthy" };
}

/** Control planes before workers (quorum matters most), then by pool index. */
function replacementOrder(a: NodeJudgement, b: NodeJudgement): number {
  const role = (j: NodeJudgement) => (j.role === "control-plane" ? 0 : 1);
  return role(a) - role(b) || a.index - b.index;
}
