/**
 * How long the rollout waits for a gate (or for the node it just upgraded to come back) before it reports
 * `UpgradeBlocked` True (`spec.healthCheck.upgradeGateTimeout`, default 10 min: a Talos upgrade pulls the
 * installer, reboots and rejoins etcd, which takes a few minutes on Hetzner). It never skips a gate; the
 * timeout only decides when the owner is told.
 *
 * @module
 */
import type { KubeObject } from "../../../kube/mod.ts";
import { parseGoDuration } from "../../../lib/duration.ts";

export const DEFAULT_UPGRADE_GATE_TIMEOUT_MS = 10 * 60_000;
export const UPGRADE_GATE_TIMEOUT_FIELD = "spec.healthCheck.upgradeGateTimeout";

/** The gate timeout in milliseconds; a RangeError naming the field when it is not a positive Go duration. */
export function upgradeGateTimeoutMs(cluster: KubeObject): number {
  const raw = (cluster.spec as { healthCheck?: { upgradeGateTimeout?: unknown } } | undefined)?.healthCheck
    ?.upgradeGateTimeout;
  if (raw === undefined || raw === null || raw === "") return DEFAULT_UPGRADE_GATE_TIMEOUT_MS;
  const ms = typeof raw === "string" ? parseGoDuration(raw) : undefined;
  if (ms === undefined || ms <= 0) {
    throw new RangeError(
      `Cannot use ${UPGRADE_GATE_TIMEOUT_FIELD} "${String(raw)}": expected a positive duration such as 10m, 90s or 1h`,
    );
  }
  return ms;
}
