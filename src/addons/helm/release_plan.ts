/**
 * What to do with one Helm release, decided from its stored revisions alone (pure). The rules
 * (ADR 0007): a deployed release of the wanted chart version and values is left alone; a missing,
 * changed or failed one is installed or upgraded (`helm upgrade --install` does both); a release
 * left `pending-*` by a Helm process that died (operator restart, node loss) blocks every later Helm
 * operation, so it is rolled back to its last good revision, or, when it never had one, uninstalled
 * and installed again. A release that ever worked is never uninstalled.
 *
 * @module
 */
import type { ReleaseRevision } from "./release_state.ts";

/** What the release should become. */
export interface ReleaseTarget {
  chartVersion: string;
  valuesHash: string;
}

/** The decision for one release. */
export type ReleasePlan =
  | { action: "none"; revision: number }
  | { action: "install" }
  | { action: "upgrade"; from: number; reason: "chart" | "values" | "failed" | "status" }
  | { action: "rollback"; from: number; to: number }
  | { action: "reinstall"; from: number };

const PENDING = new Set(["pending-install", "pending-upgrade", "pending-rollback"]);
const GOOD = new Set(["deployed", "superseded"]);

/** Decides what to do with a release from its revisions (oldest first, as `releaseHistories` gives them). */
export function planRelease(revisions: readonly ReleaseRevision[], target: ReleaseTarget): ReleasePlan {
  const latest = revisions.at(-1);
  if (!latest) return { action: "install" };
  if (PENDING.has(latest.status)) {
    const good = revisions.filter((r) => r.version < latest.version && GOOD.has(r.status)).at(-1);
    return good
      ? { action: "rollback", from: latest.version, to: good.version }
      : { action: "reinstall", from: latest.version };
  }
  if (latest.status === "deployed") {
    if (latest.chartVersion !== target.chartVersion) {
      return { action: "upgrade", from: latest.version, reason: "chart" };
    }
    if (latest.valuesHash !== target.valuesHash) return { action: "upgrade", from: latest.version, reason: "values" };
    return { action: "none", revision: latest.version };
  }
  // failed, uninstalled (history kept), superseded without a deployed one, unknown: Helm's upgrade
  // --install takes each of these from its last revision.
  return { action: "upgrade", from: latest.version, reason: latest.status === "failed" ? "failed" : "status" };
}
