/**
 * What healing reads from the K8znerCluster itself: whether it may act at all (`CNIReady`) and how long a
 * node may stay NotReady before it is replaced (`spec.healthCheck.nodeNotReadyThreshold`).
 *
 * @module
 */
import type { KubeObject } from "../../../kube/mod.ts";
import { parseGoDuration } from "../../../lib/duration.ts";
import { DEFAULT_UPGRADE_GATE_TIMEOUT_MS, upgradeGateTimeoutMs } from "../upgrade/gate_timeout.ts";

/** How long a node may be NotReady before it is replaced when the spec does not say (issue 11). */
export const DEFAULT_NOT_READY_THRESHOLD_MS = 5 * 60_000;

/** The field the threshold comes from, as error messages and the Degraded condition name it. */
export const THRESHOLD_FIELD = "spec.healthCheck.nodeNotReadyThreshold";

/**
 * Whether the cluster's status says `CNIReady=True`. Before a CNI runs every Node is NotReady by design
 * (the kubelet reports `NetworkReady=false`), so NotReady means nothing until then.
 */
export function isCniReady(cluster: KubeObject): boolean {
  const conditions = (cluster.status as { conditions?: unknown } | undefined)?.conditions;
  if (!Array.isArray(conditions)) return false;
  return conditions.some((c) => c?.type === "CNIReady" && c?.status === "True");
}

/**
 * The NotReady threshold in milliseconds. Throws a RangeError naming the field when it is not a Go duration
 * (`5m`, `90s`, `1h30m`) or is zero: the CRD's pattern refuses such values, so this only guards objects
 * written around it.
 */
export function notReadyThresholdMs(cluster: KubeObject): number {
  const raw = (cluster.spec as { healthCheck?: { nodeNotReadyThreshold?: unknown } } | undefined)?.healthCheck
    ?.nodeNotReadyThreshold;
  if (raw === undefined || raw === null || raw === "") return DEFAULT_NOT_READY_THRESHOLD_MS;
  const ms = typeof raw === "string" ? parseGoDuration(raw) : undefined;
  if (ms === undefined || ms <= 0) {
    throw new RangeError(
      `Cannot use ${THRESHOLD_FIELD} "${String(raw)}": expected a positive duration such as 5m, 90s or 1h30m`,
    );
  }
  return ms;
}

/**
 * How long healing lets a node stay NotReady before replacing it: the NotReady threshold, but while a rolling
 * upgrade step is in progress (`status.upgrade.step` set by the last pass) at least the rollout's gate
 * timeout. A Talos upgrade takes its node down on purpose (installer pull, reboot, etcd rejoin: minutes on
 * Hetzner); replacing that node after the 5-minute default would destroy a server the rollout still expects
 * back, while the rollout reports `UpgradeBlocked` at its own timeout. Same RangeError as
 * {@link notReadyThresholdMs}; a malformed gate timeout falls back to its default (the upgrade step reports it).
 */
export function healingThresholdMs(cluster: KubeObject): number {
  const threshold = notReadyThresholdMs(cluster);
  const step = (cluster.status as { upgrade?: { step?: unknown } } | undefined)?.upgrade?.step;
  if (typeof step !== "string" || step === "") return threshold;
  let gate: number;
  try {
    gate = upgradeGateTimeoutMs(cluster);
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    gate = DEFAULT_UPGRADE_GATE_TIMEOUT_MS;
  }
  return Math.max(threshold, gate);
}
