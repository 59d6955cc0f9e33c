/**
 * The `pods/eviction` subresource of the fake Kubernetes API, as the API server's eviction REST
 * handler (pkg/registry/core/pod/storage/eviction.go) answers it: a pod covered by a
 * PodDisruptionBudget that allows no disruption is refused with 429 and the budget's numbers;
 * otherwise the pod is deleted and the answer is 201 `Success`. The disruption controller's
 * bookkeeping (healthy and desired counts) is computed on the spot from the pods.
 *
 * @module
 */
import { badRequest, KubeStatusError } from "./status.ts";
import { matchLabelSelector } from "./selectors.ts";
import type { FakeKubeStore, KubeObj } from "./store.ts";
import { metaOf } from "./object_meta.ts";

function isReady(pod: KubeObj): boolean {
  const status = (pod.status ?? {}) as { phase?: string; conditions?: { type: string; status: string }[] };
  return status.phase === "Running" && (status.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
}

function scaled(value: unknown, total: number, roundUp: boolean): number {
  if (typeof value === "number") return value;
  const m = String(value).match(/^(\d+)%$/);
  if (!m) throw new KubeStatusError(500, "InternalError", `invalid PodDisruptionBudget value "${String(value)}"`);
  const exact = Number(m[1]) * total / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

/** The budget's numbers as the disruption controller would publish them in `status`. */
export function budgetStatus(
  pdb: KubeObj,
  pods: KubeObj[],
): { currentHealthy: number; desiredHealthy: number; expectedPods: number; disruptionsAllowed: number } {
  const spec = (pdb.spec ?? {}) as { minAvailable?: unknown; maxUnavailable?: unknown };
  const live = pods.filter((p) => !metaOf(p).deletionTimestamp);
  const expectedPods = live.length;
  const currentHealthy = live.filter(isReady).length;
  const desiredHealthy = spec.maxUnavailable !== undefined
    ? Math.max(0, expectedPods - scaled(spec.maxUnavailable, expectedPods, true))
    : scaled(spec.minAvailable ?? 1, expectedPods, true);
  return {
    currentHealthy,
    desiredHealthy,
    expectedPods,
    disruptionsAllowed: Math.max(0, currentHealthy - desiredHealthy),
  };
}

/** Handles `POST /api/v1/namespaces/<ns>/pods/<name>/eviction`; returns the `Status` to send with 201. */
export function evictPod(store: FakeKubeStore, namespace: string, name: string, body: KubeObj): KubeObj {
  if (body.kind !== undefined && body.kind !== "Eviction") {
    throw badRequest(`the kind in the data (${String(body.kind)}) does not match the expected kind (Eviction)`);
  }
  const evictionName = metaOf(body).name;
  if (evictionName !== undefined && evictionName !== name) {
    throw badRequest("name in URL does not match name in Eviction object");
  }
  const podType = store.typeOf("v1", "Pod");
  const pod = store.read(podType, namespace, name);
  const phase = ((pod.status ?? {}) as { phase?: string }).phase;
  const finished = phase === "Succeeded" || phase === "Failed" || phase === "Pending";
  if (!finished) {
    const pdbs = store.list(store.typeOf("policy/v1", "PodDisruptionBudget"), namespace)
      .filter((pdb) => matchLabelSelector((pdb.spec as { selector?: unknown } | undefined)?.selector)(pod));
    if (pdbs.length > 1) {
      throw new KubeStatusError(
        500,
        "InternalError",
        "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.",
      );
    }
    const pdb = pdbs[0];
    if (pdb) {
      const selected = store.list(podType, namespace, matchLabelSelector((pdb.spec as { selector: unknown }).selector));
      const budget = budgetStatus(pdb, selected);
      const policy = (pdb.spec as { unhealthyPodEvictionPolicy?: string }).unhealthyPodEvictionPolicy;
      const unhealthyMayGo = !isReady(pod) &&
        (policy === "AlwaysAllow" || budget.currentHealthy >= budget.desiredHealthy && budget.desiredHealthy > 0);
      if (!unhealthyMayGo && budget.disruptionsAllowed === 0) {
        throw new KubeStatusError(
          429,
          "TooManyRequests",
          "Cannot evict pod as it would violate the pod's disruption budget.",
          {
            causes: [{
              reason: "DisruptionBudget",
              message:
                `The disruption budget ${String(metaOf(pdb).name)} needs ${budget.desiredHealthy} healthy pods ` +
                `and has ${budget.currentHealthy} currently`,
            }],
          },
        );
      }
    }
  }
  store.delete(podType, namespace, name);
  return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 201 };
}
