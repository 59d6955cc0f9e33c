/**
 * Reading the K8znerCluster status the operator writes, as pure functions: a one-line summary for `--wait` and
 * `doctor`, and whether the operator has settled (nothing in progress) short of Ready, and on what.
 *
 * @module
 */

/** The conditions a step owns, in phase order: the first False one is what the cluster waits for. */
const STEP_CONDITIONS = ["InfrastructureReady", "ControlPlaneReady", "WorkersReady", "CNIReady", "AddonsReady"];

/** A compact reading of a K8znerCluster status. */
export interface ClusterStatusSummary {
  phase: string;
  provisioningPhase: string;
  /** Phase `Running` and condition `Ready` True. */
  ready: boolean;
  /** Phase `Failed`. */
  failed: boolean;
  /** The newest entry of `lastErrors`, if any. */
  lastError: string | undefined;
  /** The operator has written a status for the object's current generation (always true without a generation). */
  observed: boolean;
  /** Condition `Progressing` (undefined when the operator has not set it). */
  progressing: boolean | undefined;
  /** Condition `Degraded` when True: its reason and message. */
  degraded: { reason: string; message: string } | undefined;
  /** The step conditions that are not True, as `Type (Reason: message)`, in phase order. */
  waitingFor: string[];
  /** e.g. `Provisioning (CNI): control planes 1/3, workers 0/2, addons 2/9` */
  line: string;
}

/**
 * Summarises a status object (undefined or partial statuses read as "Pending"). With the object's
 * `metadata.generation`, `observed` says whether the operator has caught up with the current spec.
 */
export function summarizeClusterStatus(status: unknown, generation?: number): ClusterStatusSummary {
  const s = (status && typeof status === "object" ? status : {}) as Record<string, unknown>;
  const phase = typeof s.phase === "string" ? s.phase : "Pending";
  const provisioningPhase = typeof s.provisioningPhase === "string" ? s.provisioningPhase : "";
  const pool = (v: unknown) => {
    const p = (v && typeof v === "object" ? v : {}) as Record<string, unknown>;
    return `${Number(p.ready ?? 0)}/${Number(p.desired ?? 0)}`;
  };
  const conditions = Array.isArray(s.conditions) ? s.conditions as Array<Record<string, unknown>> : [];
  const byType = (type: string) => conditions.find((c) => c.type === type);
  const readyCondition = byType("Ready")?.status === "True";
  const progressingCondition = byType("Progressing");
  const degradedCondition = byType("Degraded");
  const waitingFor = STEP_CONDITIONS.flatMap((type) => {
    const c = byType(type);
    if (!c || c.status === "True") return [];
    return [`${type} (${String(c.reason ?? "Unknown")}: ${String(c.message ?? "")})`];
  });
  const observedGeneration = typeof s.observedGeneration === "number" ? s.observedGeneration : undefined;
  const addonEntries = s.addons && typeof s.addons === "object"
    ? Object.entries(s.addons as Record<string, unknown>)
    : [];
  const addons = addonEntries.map(([, a]) => a);
  // `status.addons[name].phase` as the operator writes it (ADR 0007); Installed = deployed and current.
  const isInstalled = (a: unknown) => (a as Record<string, unknown>)?.phase === "Installed";
  const installed = addons.filter(isInstalled).length;
  // The last few addons still on their way are named, so a wait that ends there says which one held it up.
  const pendingAddons = addonEntries.filter(([, a]) => !isInstalled(a)).map(([name]) => name);
  const errors = Array.isArray(s.lastErrors) ? s.lastErrors as Array<Record<string, unknown>> : [];
  const lastErrorEntry = errors.at(-1);
  const headline = `${phase}${provisioningPhase && provisioningPhase !== "Running" ? ` (${provisioningPhase})` : ""}`;
  // A pool the operator has not reported yet (it announces a phase before its first pass ends) is left out.
  const parts = [
    ...(s.controlPlanes ? [`control planes ${pool(s.controlPlanes)}`] : []),
    ...(s.workers ? [`workers ${pool(s.workers)}`] : []),
  ];
  if (addons.length > 0) {
    const naming = pendingAddons.length > 0 && pendingAddons.length <= 2 ? ` (${pendingAddons.join(", ")})` : "";
    parts.push(`addons ${installed}/${addons.length}${naming}`);
  }
  return {
    phase,
    provisioningPhase,
    ready: phase === "Running" && readyCondition,
    failed: phase === "Failed",
    lastError: typeof lastErrorEntry?.message === "string" ? lastErrorEntry.message : undefined,
    observed: generation === undefined || (observedGeneration !== undefined && observedGeneration >= generation),
    progressing: progressingCondition ? progressingCondition.status === "True" : undefined,
    degraded: degradedCondition?.status === "True"
      ? { reason: String(degradedCondition.reason ?? "Unknown"), message: String(degradedCondition.message ?? "") }
      : undefined,
    waitingFor,
    line: typeof s.phase !== "string"
      ? "Pending: waiting for the operator"
      : parts.length > 0
      ? `${headline}: ${parts.join(", ")}`
      : headline,
  };
}
