/**
 * The releases of one step folded into what its condition says: ready when every one is deployed and
 * current; otherwise the reason (`InstallFailed` when one failed, `Installing` otherwise) and one
 * sentence naming each release that is not, with the first line of its last error (already scrubbed).
 *
 * @module
 */
import type { AddonStatusEntry, ReleaseOutcome } from "./reconcile_release.ts";

/** {@link releasesSummary}'s result. */
export interface ReleasesSummary {
  ready: boolean;
  reason: "Installed" | "InstallFailed" | "Installing";
  message: string;
  /** The status entries, by release name (for `status.addons`). */
  entries: Record<string, AddonStatusEntry>;
  /** The soonest retry any release asked for. */
  requeueAfterMs?: number;
}

/** Folds outcomes (pure). */
export function releasesSummary(outcomes: readonly ReleaseOutcome[]): ReleasesSummary {
  const entries = Object.fromEntries(outcomes.map((o) => [o.name, o.entry]));
  const pending = outcomes.filter((o) => !o.ready);
  const requeues = pending.map((o) => o.requeueAfterMs).filter((ms): ms is number => ms !== undefined);
  if (pending.length === 0) {
    return {
      ready: true,
      reason: "Installed",
      message: `${outcomes.map((o) => o.name).join(", ")} deployed with the wanted chart versions and values`,
      entries,
    };
  }
  const failed = pending.some((o) => o.entry.phase === "Failed");
  const parts = pending.map((o) => {
    const error = o.entry.phase === "Failed" ? o.entry.lastError.split("\n").at(-1) : "";
    return `${o.name}: ${o.entry.message}${error ? ` (${error})` : ""}`;
  });
  return {
    ready: false,
    reason: failed ? "InstallFailed" : "Installing",
    message: parts.join("; "),
    entries,
    ...(requeues.length > 0 ? { requeueAfterMs: Math.min(...requeues) } : {}),
  };
}
