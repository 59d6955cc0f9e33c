/**
 * How long a worker scale-down keeps retrying evictions a PodDisruptionBudget refuses before it reports
 * `DrainBlocked` and stops (`spec.healthCheck.drainTimeout`, default 2 min). It never deletes around a budget;
 * the timeout only decides when the owner is told.
 *
 * @module
 */
import type { KubeObject } from "../../../kube/mod.ts";
import { parseGoDuration } from "../../../lib/duration.ts";

export const DEFAULT_DRAIN_TIMEOUT_MS = 2 * 60_000;
export const DRAIN_TIMEOUT_FIELD = "spec.healthCheck.drainTimeout";

/**
 * The drain timeout in milliseconds. Throws a RangeError naming the field when it is not a positive Go
 * duration (the CRD's pattern refuses such values, so this only guards objects written around it).
 */
export function drainTimeoutMs(cluster: KubeObject): number {
  const raw = (cluster.spec as { healthCheck?: { drainTimeout?: unknown } } | undefined)?.healthCheck?.drainTimeout;
  if (raw === undefined || raw === null || raw === "") return DEFAULT_DRAIN_TIMEOUT_MS;
  const ms = typeof raw === "string" ? parseGoDuration(raw) : undefined;
  if (ms === undefined || ms <= 0) {
    throw new RangeError(
      `Cannot use ${DRAIN_TIMEOUT_FIELD} "${String(raw)}": expected a positive duration such as 2m, 90s or 1h`,
    );
  }
  return ms;
}
