/**
 * The outcomes healing reports: its view of the `Degraded` condition (the reconciler merges it with the other
 * steps'), whether its work is done, and when to look again.
 *
 * @module
 */
import type { ConditionInput, StepOutcome } from "../context.ts";

/** How soon to look again while a replacement runs or a node joins. */
export const ACTIVE_REQUEUE_MS = 5_000;
/** The idle requeue of the reconciler; a NotReady node is looked at no later than this. */
export const IDLE_REQUEUE_MS = 30_000;

/** Reasons of the Degraded condition healing sets. */
export type HealingReason =
  | "WaitingForCNI"
  | "InvalidHealthCheck"
  | "NodesHealthy"
  | "NodeNotReady"
  | "NodeJoining"
  | "NodeReplacing"
  | "QuorumAtRisk"
  | "EtcdMemberListMismatch"
  | "EtcdMemberUnhealthy"
  | "EtcdMemberJoining"
  | "EtcdMemberRemovalFailed"
  | "ReplacementFailed";

/** A Degraded condition. */
export function degraded(status: "True" | "False", reason: HealingReason, message: string): ConditionInput {
  return { type: "Degraded", status, reason, message };
}

/** An outcome with one Degraded condition. */
export function healingOutcome(
  status: "True" | "False",
  reason: HealingReason,
  message: string,
  options: { done: boolean; requeueAfterMs?: number },
): StepOutcome {
  return {
    conditions: [degraded(status, reason, message)],
    done: options.done,
    ...(options.requeueAfterMs !== undefined ? { requeueAfterMs: options.requeueAfterMs } : {}),
  };
}
