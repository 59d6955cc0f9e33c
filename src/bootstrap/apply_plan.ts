/**
 * What `apply` would do, in two parts: the Hetzner infrastructure `apply` itself creates or fixes
 * (network, firewall, API load balancer, placement groups, SSH key, the first control plane), and
 * the `K8znerCluster` spec it writes for the operator. Servers beyond the first control plane are the
 * operator's: they are listed, but never count as pending for `apply`. Pure.
 *
 * @module
 */
import type { DesiredState } from "../config/mod.ts";
import { IN_CLUSTER_SPEC_FIELDS, renderK8znerClusterSpec } from "../addons/k8zner_cluster.ts";
import type { Change } from "../cluster/infra/change.ts";
import { diffClusterSpec, type SpecChange } from "../cluster/handover/diff.ts";
import type { ObservedCluster } from "../cluster/infra/observed.ts";
import type { ImagePlan } from "../cluster/image/plan_image.ts";
import { planInfrastructure } from "../cluster/infra/plan.ts";
import type { KubeObject } from "../kube/mod.ts";
import { SCHEMATIC_ID } from "../cluster/nodes/node_config.ts";
import type { RolloutPlan } from "../cluster/upgrade/rollout.ts";
import type { VersionChange } from "./version_gate.ts";

/** The state of the cluster's `K8znerCluster` object as far as `apply` can tell. */
export type ClusterSpecState =
  /** No kubeconfig yet, or the object does not exist: `apply` creates it. */
  | "create"
  /** The object exists and matches the config. */
  | "unchanged"
  /** The object exists and differs: `apply` updates it after confirmation. */
  | "update";

/** The cluster spec part of a plan. */
export interface ClusterSpecPlan {
  state: ClusterSpecState;
  changes: SpecChange[];
  /** Why the state is `create` when a kubeconfig exists (e.g. the API did not answer). */
  note?: string;
  /** The Talos/Kubernetes versions the update changes: the operator then rolls the nodes. */
  upgrade?: VersionChange;
}

/** Everything `apply` would change. */
export interface ApplyPlan {
  /** Hetzner changes `apply` makes itself (conflicts included: they block it). */
  infrastructure: Change[];
  /** Server changes the operator makes after the hand-over (for information). */
  operator: Change[];
  cluster: ClusterSpecPlan;
  /** The Talos snapshot, when `apply` bootstraps (a handed-over cluster needs none from apply). */
  image?: ImagePlan;
  /** True when `apply` has something to do. */
  pending: boolean;
  /**
   * The rolling upgrade the operator would do to bring every node to the desired versions (running clusters
   * whose nodes were read; empty steps when all are there). Operator work: never counts as pending.
   */
  rollout?: RolloutPlan;
  /**
   * The etcd backup bucket `apply` ensures (with `backup: true`). Not looked up by `plan`: that would need the
   * Object Storage keys; apply creates it only when missing and never deletes it.
   */
  backup?: { bucket: string; region: string; retentionDays: number };
}

/** The first control plane: the only server `apply` creates. */
export function firstControlPlaneName(desired: DesiredState): string {
  const first = desired.servers.find((s) => s.role === "control-plane");
  if (!first) throw new TypeError("Cannot plan: the desired state has no control plane");
  return first.name;
}

/**
 * The address list the cluster keeps in its spec and firewall: the config's `api_allowlist`, or
 * the caller's address when it is empty.
 */
export function effectiveAllowlist(desired: DesiredState, callerIp: string | undefined): string[] | undefined {
  if (!desired.firewall.needsCallerIp) return undefined;
  if (callerIp === undefined) return undefined;
  return [callerIp.includes("/") ? callerIp : `${callerIp}/${callerIp.includes(":") ? 128 : 32}`];
}

/** The `K8znerCluster` spec `apply` writes. */
export function renderDesiredClusterSpec(desired: DesiredState, callerIp: string | undefined) {
  const apiAllowlist = effectiveAllowlist(desired, callerIp);
  return renderK8znerClusterSpec(desired, { schematicId: SCHEMATIC_ID, ...(apiAllowlist ? { apiAllowlist } : {}) });
}

/** Compares the live `K8znerCluster` (if any) with the spec `apply` would write. */
export function planClusterSpec(
  desiredSpec: object,
  live: KubeObject | undefined,
  note?: string,
): ClusterSpecPlan {
  if (live === undefined) return { state: "create", changes: [], ...(note ? { note } : {}) };
  const liveSpec = { ...(live.spec as Record<string, unknown> | undefined ?? {}) };
  for (const field of IN_CLUSTER_SPEC_FIELDS) delete liveSpec[field];
  const changes = diffClusterSpec(liveSpec, desiredSpec);
  const upgrade = versionChangeOfSpec(changes);
  return { state: changes.length === 0 ? "unchanged" : "update", changes, ...(upgrade ? { upgrade } : {}) };
}

/** The Talos and Kubernetes version changes among spec changes. */
function versionChangeOfSpec(changes: readonly SpecChange[]): VersionChange | undefined {
  const change: VersionChange = {};
  for (const [path, key] of [["talos.version", "talos"], ["kubernetes.version", "kubernetes"]] as const) {
    const c = changes.find((c) => c.path === path);
    if (c && typeof c.from === "string" && typeof c.to === "string") change[key] = { from: c.from, to: c.to };
  }
  return change.talos || change.kubernetes ? change : undefined;
}

/** Builds the plan from one discovery pass and the live cluster object. */
export function buildApplyPlan(
  desired: DesiredState,
  observed: ObservedCluster,
  options: { callerIp?: string; cluster: ClusterSpecPlan },
): ApplyPlan {
  const first = firstControlPlaneName(desired);
  const all = planInfrastructure(desired, observed, options.callerIp ? { callerIp: options.callerIp } : {});
  const infrastructure: Change[] = [];
  const operator: Change[] = [];
  for (const change of all) {
    const operatorsServer = change.kind === "server" && change.action !== "conflict" && change.name !== first;
    (operatorsServer ? operator : infrastructure).push(change);
  }
  // Once the operator owns the cluster, even the first control plane is its to replace.
  const handedOver = options.cluster.state !== "create";
  const mine = handedOver
    ? infrastructure.filter((c) => c.kind !== "server" || c.action === "conflict")
    : infrastructure;
  if (handedOver) operator.unshift(...infrastructure.filter((c) => !mine.includes(c)));
  return {
    infrastructure: mine,
    operator,
    cluster: options.cluster,
    pending: mine.length > 0 || options.cluster.state !== "unchanged",
    ...(desired.addons.talosBackup.enabled
      ? {
        backup: {
          bucket: desired.addons.talosBackup.bucket,
          region: desired.addons.talosBackup.region,
          retentionDays: desired.addons.talosBackup.retentionDays,
        },
      }
      : {}),
  };
}
