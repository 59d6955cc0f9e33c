/**
 * The scheduling rules the local cloud's controllers apply to a pod template and a Node, as
 * kube-scheduler's filters and the DaemonSet controller's `predicates()` decide them:
 *
 * - `spec.nodeSelector` labels and the required node affinity terms (`matchExpressions` with In,
 *   NotIn, Exists, DoesNotExist, Gt, Lt on labels; `matchFields` on `metadata.name`), terms ORed;
 * - taints: a NoSchedule or NoExecute taint the pod does not tolerate keeps it off the node (a
 *   PreferNoSchedule taint never does);
 * - DaemonSet pods get the controller's default tolerations first
 *   (`AddOrUpdateDaemonPodTolerations`, pkg/controller/daemon/util/daemonset_util.go): not-ready and
 *   unreachable NoExecute; disk-, memory-, pid-pressure and unschedulable NoSchedule; and
 *   network-unavailable NoSchedule for host-network pods. Not `not-ready:NoSchedule`: a DaemonSet
 *   that does not tolerate it waits for the node to be Ready, as on a real cluster.
 *
 * Pure functions of their inputs.
 *
 * @module
 */
import type { KubeObj } from "../kube_fake/mod.ts";
import type { Taint } from "./node_facts.ts";

/** A toleration as on `Pod.spec.tolerations`. */
export interface Toleration {
  key?: string;
  operator?: "Exists" | "Equal";
  value?: string;
  effect?: string;
  tolerationSeconds?: number;
}

interface NodeSelectorRequirement {
  key: string;
  operator: string;
  values?: string[];
}

interface NodeSelectorTerm {
  matchExpressions?: NodeSelectorRequirement[];
  matchFields?: NodeSelectorRequirement[];
}

/** The parts of a pod spec scheduling looks at. */
export interface SchedulingSpec {
  nodeName?: string;
  nodeSelector?: Record<string, string>;
  hostNetwork?: boolean;
  tolerations?: Toleration[];
  affinity?: {
    nodeAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: NodeSelectorTerm[] } };
    podAntiAffinity?: {
      requiredDuringSchedulingIgnoredDuringExecution?: Array<{ topologyKey?: string; labelSelector?: unknown }>;
    };
  };
}

/** The toleration keys the DaemonSet controller adds to every daemon pod, with their effects. */
const DAEMON_TOLERATIONS: Array<[string, string]> = [
  ["node.kubernetes.io/not-ready", "NoExecute"],
  ["node.kubernetes.io/unreachable", "NoExecute"],
  ["node.kubernetes.io/disk-pressure", "NoSchedule"],
  ["node.kubernetes.io/memory-pressure", "NoSchedule"],
  ["node.kubernetes.io/pid-pressure", "NoSchedule"],
  ["node.kubernetes.io/unschedulable", "NoSchedule"],
];
const NETWORK_UNAVAILABLE = "node.kubernetes.io/network-unavailable";

/** `spec.tolerations` with the DaemonSet controller's defaults added (replacing same key and effect). */
export function daemonPodTolerations(spec: SchedulingSpec): Toleration[] {
  const added = DAEMON_TOLERATIONS.map(([key, effect]) => ({ key, operator: "Exists" as const, effect }));
  if (spec.hostNetwork) added.push({ key: NETWORK_UNAVAILABLE, operator: "Exists", effect: "NoSchedule" });
  const kept = (spec.tolerations ?? []).filter((t) => !added.some((a) => a.key === t.key && a.effect === t.effect));
  return [...kept, ...added];
}

/** Whether `toleration` tolerates `taint` (`v1.Toleration.ToleratesTaint`). */
export function tolerates(toleration: Toleration, taint: Taint): boolean {
  if (toleration.effect && toleration.effect !== taint.effect) return false;
  if (toleration.key && toleration.key !== taint.key) return false;
  // An empty key with Exists matches every taint; an empty key otherwise matches nothing.
  if (!toleration.key && toleration.operator !== "Exists") return false;
  if (toleration.operator === "Exists") return true;
  return (toleration.value ?? "") === (taint.value ?? "");
}

/** The first taint of `effects` no toleration tolerates, or undefined. */
export function untoleratedTaint(
  taints: readonly Taint[],
  tolerations: readonly Toleration[],
  effects: readonly string[] = ["NoSchedule", "NoExecute"],
): Taint | undefined {
  return taints.find((t) => effects.includes(t.effect) && !tolerations.some((tol) => tolerates(tol, t)));
}

/** Whether the node's labels (and name) satisfy `nodeSelector` and the required node affinity. */
export function matchesNodeAffinity(spec: SchedulingSpec, node: KubeObj): boolean {
  const meta = node.metadata as { name: string; labels?: Record<string, string> };
  const labels = meta.labels ?? {};
  if (!Object.entries(spec.nodeSelector ?? {}).every(([k, v]) => labels[k] === v)) return false;
  const required = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (!required) return true;
  // Terms are ORed; an empty list of terms matches no node, as does a term without requirements.
  return (required.nodeSelectorTerms ?? []).some((term) => {
    const expressions = term.matchExpressions ?? [];
    const fields = term.matchFields ?? [];
    if (expressions.length === 0 && fields.length === 0) return false;
    return expressions.every((r) => requirementHolds(r, labels[r.key])) &&
      fields.every((r) => r.key === "metadata.name" && requirementHolds(r, meta.name));
  });
}

function requirementHolds(r: NodeSelectorRequirement, value: string | undefined): boolean {
  const values = r.values ?? [];
  switch (r.operator) {
    case "In":
      return value !== undefined && values.includes(value);
    case "NotIn":
      return value === undefined || !values.includes(value);
    case "Exists":
      return value !== undefined;
    case "DoesNotExist":
      return value === undefined;
    case "Gt":
    case "Lt": {
      const have = Number.parseInt(value ?? "", 10);
      const want = Number.parseInt(values[0] ?? "", 10);
      if (Number.isNaN(have) || Number.isNaN(want)) return false;
      return r.operator === "Gt" ? have > want : have < want;
    }
    default:
      return false;
  }
}

/** The taints of a Node, as the scheduler sees them (`spec.unschedulable` as its taint). */
export function nodeTaints(node: KubeObj): Taint[] {
  const spec = (node.spec ?? {}) as { taints?: Taint[]; unschedulable?: boolean };
  const taints = [...(spec.taints ?? [])];
  if (spec.unschedulable && !taints.some((t) => t.key === "node.kubernetes.io/unschedulable")) {
    taints.push({ key: "node.kubernetes.io/unschedulable", effect: "NoSchedule" });
  }
  return taints;
}

/**
 * Whether a pod with `spec` may be placed on `node`: affinity, and no untolerated NoSchedule or
 * NoExecute taint. `tolerations` defaults to the spec's own.
 */
export function fitsNode(spec: SchedulingSpec, node: KubeObj, tolerations = spec.tolerations ?? []): boolean {
  return matchesNodeAffinity(spec, node) && untoleratedTaint(nodeTaints(node), tolerations) === undefined;
}
