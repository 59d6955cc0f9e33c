/**
 * What the steps read from Node objects as the watch delivers them: the Ready condition and the
 * kubelet's reason for it. Pure.
 *
 * @module
 */
import type { KubeObject } from "../../../kube/mod.ts";

interface NodeCondition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
}

/** The Node's `Ready` condition, if it has one. */
export function readyCondition(node: KubeObject): NodeCondition | undefined {
  const conditions = (node.status as { conditions?: NodeCondition[] } | undefined)?.conditions;
  return Array.isArray(conditions) ? conditions.find((c) => c.type === "Ready") : undefined;
}

/** Whether the Node's Ready condition is True. */
export function isNodeReady(node: KubeObject): boolean {
  return readyCondition(node)?.status === "True";
}

/**
 * Whether the kubelet reports the node not ready only for want of a pod network (containerd's
 * `NetworkReady=false`): a node that is up and waiting for the CNI, as opposed to one that stopped
 * reporting (status Unknown).
 */
export function isWaitingForNetwork(node: KubeObject): boolean {
  const ready = readyCondition(node);
  return ready?.status === "False" && (ready.message ?? "").includes("NetworkReady=false");
}
