/**
 * The K8znerCluster status around the hand-over, as pure functions: the initial status `apply` records with the
 * bootstrap facts (phase `Provisioning`; the operator takes it from there), and a one-line summary of a status for
 * `--wait` and `doctor`.
 *
 * @module
 */

/** What the CLI knows after bootstrapping the first control plane. */
export interface BootstrapFacts {
  /** Desired pool sizes from the spec. */
  controlPlanes: number;
  workers: number;
  /** The first control plane. */
  bootstrapNode: { name: string; serverId: number; privateIp: string; publicIp?: string };
  infrastructure: {
    networkId?: number;
    firewallId?: number;
    loadBalancerId?: number;
    loadBalancerIp?: string;
    loadBalancerPrivateIp?: string;
    placementGroupIds?: number[];
    snapshotId?: number;
  };
  /** Where the Kubernetes API answers, e.g. the load balancer's public IPv4. */
  controlPlaneEndpoint: string;
  image?: { snapshotId: number; version: string; schematicId?: string; createdAt?: string };
  /** The injected clock: condition and phase timestamps. */
  now: Date;
  /** `metadata.generation` of the object the status describes (default 1: just created). */
  generation?: number;
}

/** The initial status: phase Provisioning, CNI next, the bootstrap node, infrastructure ids and conditions. */
export function renderInitialClusterStatus(facts: BootstrapFacts): Record<string, unknown> {
  const time = stamp(facts.now);
  const generation = facts.generation ?? 1;
  const node: Record<string, unknown> = {
    name: facts.bootstrapNode.name,
    serverID: facts.bootstrapNode.serverId,
    privateIP: facts.bootstrapNode.privateIp,
    // Configured and bootstrapped, but NotReady until the operator installs the CNI.
    phase: "NodeInitializing",
    phaseReason: "etcd bootstrapped; waiting for the CNI",
    phaseTransitionTime: time,
    healthy: true,
  };
  if (facts.bootstrapNode.publicIp) node.publicIP = facts.bootstrapNode.publicIp;
  const infra = facts.infrastructure;
  const infrastructure: Record<string, unknown> = {
    networkReady: infra.networkId !== undefined,
    firewallReady: infra.firewallId !== undefined,
    loadBalancerReady: infra.loadBalancerId !== undefined,
  };
  const copy: Array<[keyof BootstrapFacts["infrastructure"], string]> = [
    ["networkId", "networkID"],
    ["firewallId", "firewallID"],
    ["loadBalancerId", "loadBalancerID"],
    ["loadBalancerIp", "loadBalancerIP"],
    ["loadBalancerPrivateIp", "loadBalancerPrivateIP"],
    ["placementGroupIds", "placementGroupIDs"],
    ["snapshotId", "snapshotID"],
  ];
  for (const [from, to] of copy) if (infra[from] !== undefined) infrastructure[to] = infra[from];
  const condition = (type: string, status: "True" | "False", reason: string, message: string) => ({
    type,
    status,
    reason,
    message,
    lastTransitionTime: time,
    observedGeneration: generation,
  });
  const conditions = [
    condition("InfrastructureReady", "True", "Provisioned", "Network, firewall and load balancer exist"),
    condition("Bootstrapped", "True", "EtcdBootstrapped", `etcd bootstrapped on ${facts.bootstrapNode.name}`),
    condition("Ready", "False", "Provisioning", "The operator installs the CNI, the other nodes and the addons"),
  ];
  const status: Record<string, unknown> = {
    phase: "Provisioning",
    provisioningPhase: "CNI",
    phaseStartedAt: time,
    observedGeneration: generation,
    controlPlaneEndpoint: facts.controlPlaneEndpoint,
    controlPlanes: { desired: facts.controlPlanes, ready: 0, unhealthy: 0, nodes: [node] },
    workers: { desired: facts.workers, ready: 0, unhealthy: 0, nodes: [] },
    infrastructure,
    conditions,
  };
  if (facts.image) {
    const image: Record<string, unknown> = { snapshotID: facts.image.snapshotId, version: facts.image.version };
    if (facts.image.schematicId) image.schematicID = facts.image.schematicId;
    if (facts.image.createdAt) image.createdAt = facts.image.createdAt;
    status.imageSnapshot = image;
    conditions.splice(
      1,
      0,
      condition("ImageReady", "True", "SnapshotAvailable", `Talos ${facts.image.version} snapshot`),
    );
  }
  return status;
}

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
  /** e.g. `Provisioning (CNI): control planes 1/3, workers 0/2, addons 2/9` */
  line: string;
}

/** Summarises a status object (undefined or partial statuses read as "Pending"). */
export function summarizeClusterStatus(status: unknown): ClusterStatusSummary {
  const s = (status && typeof status === "object" ? status : {}) as Record<string, unknown>;
  const phase = typeof s.phase === "string" ? s.phase : "Pending";
  const provisioningPhase = typeof s.provisioningPhase === "string" ? s.provisioningPhase : "";
  const pool = (v: unknown) => {
    const p = (v && typeof v === "object" ? v : {}) as Record<string, unknown>;
    return `${Number(p.ready ?? 0)}/${Number(p.desired ?? 0)}`;
  };
  const conditions = Array.isArray(s.conditions) ? s.conditions as Array<Record<string, unknown>> : [];
  const readyCondition = conditions.find((c) => c.type === "Ready")?.status === "True";
  const addons = s.addons && typeof s.addons === "object" ? Object.values(s.addons as Record<string, unknown>) : [];
  const healthy = addons.filter((a) => (a as Record<string, unknown>)?.healthy === true).length;
  const errors = Array.isArray(s.lastErrors) ? s.lastErrors as Array<Record<string, unknown>> : [];
  const lastErrorEntry = errors.at(-1);
  const headline = `${phase}${provisioningPhase && provisioningPhase !== "Running" ? ` (${provisioningPhase})` : ""}`;
  const parts = [`control planes ${pool(s.controlPlanes)}`, `workers ${pool(s.workers)}`];
  if (addons.length > 0) parts.push(`addons ${healthy}/${addons.length}`);
  return {
    phase,
    provisioningPhase,
    ready: phase === "Running" && readyCondition,
    failed: phase === "Failed",
    lastError: typeof lastErrorEntry?.message === "string" ? lastErrorEntry.message : undefined,
    line: `${headline}: ${parts.join(", ")}`,
  };
}

/** RFC 3339 in UTC with seconds, as Kubernetes writes `metav1.Time`. */
function stamp(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}
