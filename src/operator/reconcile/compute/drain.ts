/**
 * Draining a node the way `kubectl drain` does: cordon it (`spec.unschedulable`), then evict every pod on
 * it through the Eviction API, which honours PodDisruptionBudgets. DaemonSet pods (their controller would
 * put them straight back and they die with the node) and mirror pods (the kubelet's static pods) are left
 * alone; finished pods are evicted without budget checks by the API server.
 *
 * One call is one attempt: a budget that allows no disruption now answers 429 and the pod stays; the
 * caller tries again later (every 5 s, up to a limit) and never deletes around the budget.
 *
 * @module
 */
import { isKubeError, type KubeObject } from "../../../kube/mod.ts";
import type { ReconcileContext } from "../context.ts";
import { isCordoned } from "./node_facts.ts";

/** What one drain attempt left. */
export interface DrainAttempt {
  /** Pods evicted by this attempt. */
  evicted: string[];
  /** Pods a PodDisruptionBudget kept, with the API server's message. */
  blocked: { pod: string; message: string }[];
  /** Evictable pods still on the node after the attempt (being deleted, or kept by a budget). */
  remaining: string[];
}

/** Mirror pods carry this annotation (`kubectl drain` skips them). */
const MIRROR_ANNOTATION = "kubernetes.io/config.mirror";

/** Whether `kubectl drain` would evict this pod (not DaemonSet-owned, not a mirror pod). Pure. */
export function isEvictable(pod: KubeObject): boolean {
  if (pod.metadata.annotations?.[MIRROR_ANNOTATION] !== undefined) return false;
  const owners = (pod.metadata as { ownerReferences?: { kind?: string; controller?: boolean }[] }).ownerReferences ??
    [];
  return !owners.some((o) => o.kind === "DaemonSet" && o.controller !== false);
}

function podName(pod: KubeObject): string {
  return `${pod.metadata.namespace ?? "default"}/${pod.metadata.name}`;
}

/** Cordons `node` (when it is not yet) and evicts its evictable pods once. */
export async function drainOnce(ctx: ReconcileContext, node: KubeObject): Promise<DrainAttempt> {
  const name = node.metadata.name;
  if (!isCordoned(node)) {
    await ctx.kube.patchMerge("v1", "Node", name, undefined, { spec: { unschedulable: true } });
    ctx.log.info("cordoned node", { cluster: ctx.desired.cluster.name, node: name });
  }
  const listPods = async () =>
    (await ctx.kube.list("v1", "Pod", undefined, { fieldSelector: `spec.nodeName=${name}` })).filter(isEvictable);
  const attempt: DrainAttempt = { evicted: [], blocked: [], remaining: [] };
  const before = await listPods();
  const pending = before.filter((p) => !p.metadata.deletionTimestamp);
  if (pending.length > 0) await ctx.requireLeadership(`evict the pods of ${name}`);
  for (const pod of pending) {
    try {
      // false: already gone, which is what eviction wants.
      if (await ctx.kube.evict(pod.metadata.name, pod.metadata.namespace ?? "default")) {
        attempt.evicted.push(podName(pod));
      }
    } catch (err) {
      if (!isKubeError(err, "TooManyRequests")) throw err;
      attempt.blocked.push({ pod: podName(pod), message: err.message });
    }
  }
  // Evicted pods terminate gracefully: the node is drained once none is left, as kubectl drain waits.
  attempt.remaining = before.length === 0 ? [] : (await listPods()).map(podName);
  return attempt;
}
