/**
 * Status conditions as `metav1.Condition` keeps them: `lastTransitionTime` moves only when `status`
 * flips (a new reason or message alone is not a transition), and every condition written in a pass is
 * stamped with the generation that pass observed. Pure.
 *
 * @module
 */
import type { ConditionInput, ConditionType } from "./context.ts";

/** A condition as stored in `status.conditions`. */
export interface StoredCondition extends ConditionInput {
  lastTransitionTime: string;
  observedGeneration: number;
}

/** The order conditions are written in (stable output, so an unchanged status compares equal). */
export const CONDITION_ORDER: readonly ConditionType[] = [
  "InfrastructureReady",
  "ControlPlaneReady",
  "WorkersReady",
  "CNIReady",
  "AddonsReady",
  "UpgradeBlocked",
  "Ready",
  "Progressing",
  "Degraded",
];

/** `metav1.Time`: RFC 3339 in whole seconds, as the API server stores it. */
export function renderTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** Reads `status.conditions`, dropping entries that are not conditions. */
export function storedConditions(status: Record<string, unknown> | undefined): StoredCondition[] {
  const list = status?.conditions;
  if (!Array.isArray(list)) return [];
  return list.filter((c): c is StoredCondition =>
    typeof c === "object" && c !== null && typeof c.type === "string" && typeof c.status === "string"
  );
}

/**
 * The conditions after a pass: each of `next` replaces the previous one of its type, keeping its
 * `lastTransitionTime` when the status did not change; previous conditions of types not in `next`
 * stay as they were (a step that did not run this pass still owns its last observation).
 */
export function mergeConditions(
  previous: readonly StoredCondition[],
  next: readonly ConditionInput[],
  generation: number,
  nowMs: number,
): StoredCondition[] {
  const byType = new Map<string, StoredCondition>(previous.map((c) => [c.type, c]));
  for (const input of next) {
    const old = byType.get(input.type);
    byType.set(input.type, {
      type: input.type,
      status: input.status,
      reason: input.reason,
      message: input.message,
      lastTransitionTime: old && old.status === input.status ? old.lastTransitionTime : renderTime(nowMs),
      observedGeneration: generation,
    });
  }
  const rank = (type: string) => {
    const i = CONDITION_ORDER.indexOf(type as ConditionType);
    return i < 0 ? CONDITION_ORDER.length : i;
  };
  return [...byType.values()].sort((a, b) => rank(a.type) - rank(b.type) || a.type.localeCompare(b.type));
}
