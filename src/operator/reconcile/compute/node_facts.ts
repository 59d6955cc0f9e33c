/**
 * What the Compute step reads off Node objects (pure): readiness as the kubelet reports it, and whether
 * the kubelet stopped reporting (the node lifecycle controller's `Unknown`).
 *
 * @module
 */
import type { KubeObject } from "../../../kube/mod.ts";

interface NodeCondition {
  type?: string;
  status?: string;
}

function readyCondition(node: KubeObject): NodeCondition | undefined {
  const conditions = ((node.status ?? {}) as { conditions?: NodeCondition[] }).conditions ?? [];
  return conditions.find((c) => c.type === "Ready");
}

/** The Node's `Ready` condition is True. */
export function isNodeReady(node: KubeObject): boolean {
  return readyCondition(node)?.status === "True";
}

/** The kubelet stopped posting status (`Ready` is Unknown): the machine is down or cut off. */
export function isNodeUnreachable(node: KubeObject): boolean {
  return readyCondition(node)?.status === "Unknown";
}

/** The Node is cordoned (`spec.unschedulable`). */
export function isCordoned(node: KubeObject): boolean {
  return (node.spec as { unschedulable?: boolean } | undefined)?.unschedulable === true;
}
