/**
 * The `pods/eviction` subresource of the fake Kubernetes API, as the API server's eviction REST
 * handler (pkg/registry/core/pod/storage/eviction.go) answers it: a pod covered by a
 * PodDisruptionBudget that allows no disruption is refused with 429 and the budget's numbers;
 * otherwise the pod is deleted and the answer is 201 `Success`. The disruption controller's
 * bookkeeping (healthy and desired counts) is computed on the spot from the pods and, for a
 * `maxUnavailable` or percentage budget, from the scale of the pods' controllers
 * (pkg/controller/disruption `getExpectedScale`), as the controller does.
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

/** The controller of a pod (its `ownerReferences` entry with `controller: true`). */
export interface ControllerRef {
  kind: string;
  name: string;
  uid?: string;
}

/** Kinds whose `spec.replicas` the disruption controller reads, with their API version. */
const SCALED_KINDS: Record<string, string> = {
  ReplicaSet: "apps/v1",
  Deployment: "apps/v1",
  StatefulSet: "apps/v1",
  ReplicationController: "v1",
};

function controllerOf(obj: KubeObj): ControllerRef | undefined {
  const refs = (metaOf(obj).ownerReferences ?? []) as Array<ControllerRef & { controller?: boolean }>;
  return refs.find((r) => r.controller === true);
}

/**
 * The replicas of a pod's controller as the disruption controller finds them (a ReplicaSet a Deployment
 * controls counts as the Deployment); undefined when the controller is not a scaled kind or is gone.
 */
export function storeScale(store: FakeKubeStore, namespace: string): (ref: ControllerRef) => number | undefined {
  const scale = (ref: ControllerRef): number | undefined => {
    const apiVersion = SCALED_KINDS[ref.kind];
    if (!apiVersion) return undefined;
    const owner = store.getObject(apiVersion, ref.kind, ref.name, namespace);
    if (!owner || (ref.uid !== undefined && metaOf(owner).uid !== ref.uid)) return undefined;
    const parent = ref.kind === "ReplicaSet" ? controllerOf(owner) : undefined;
    if (parent?.kind === "Deployment") return scale(parent);
    return (owner.spec as { replicas?: number } | undefined)?.replicas ?? 1;
  };
  return scale;
}

/**
 * The budget's numbers as the disruption controller would publish them in `status`. For `maxUnavailable`
 * or a percentage `minAvailable` the expected count is the sum of the pods' controllers' replicas, not the
 * pods that exist: a pod just evicted and not yet replaced still counts as expected, so a second eviction
 * waits for its replacement. A pod without such a controller leaves the controller unable to count: it
 * publishes no disruption allowed.
 */
export function budgetStatus(
  pdb: KubeObj,
  pods: KubeObj[],
  scaleOf: (ref: ControllerRef) => number | undefined = () => undefined,
): { currentHealthy: number; desiredHealthy: number; expectedPods: number; disruptionsAllowed: number } {
  const spec = (pdb.spec ?? {}) as { minAvailable?: unknown; maxUnavailable?: unknown };
  const live = pods.filter((p) => !metaOf(p).deletionTimestamp);
  const currentHealthy = live.filter(isReady).length;
  const byScale = spec.maxUnavailable !== undefined || typeof spec.minAvailable === "string";
  let expectedPods = live.length;
  let countable = true;
  if (byScale) {
    const controllers = new Map<string, number>();
    for (const pod of pods) {
      const ref = controllerOf(pod);
      const replicas = ref && scaleOf(ref);
      if (!ref || replicas === undefined) countable = false;
      else controllers.set(`${ref.kind}/${ref.name}`, replicas);
    }
    if (countable && controllers.size > 0) expectedPods = [...controllers.values()].reduce((a, b) => a + b, 0);
  }
  const desiredHealthy = spec.maxUnavailable !== undefined
    ? Math.max(0, expectedPods - scaled(spec.maxUnavailable, expectedPods, true))
    : scaled(spec.minAvailable ?? 1, expectedPods, true);
  return {
    currentHealthy,
    desiredHealthy,
    expectedPods,
    disruptionsAllowed: countable ? Math.max(0, currentHealthy - desiredHealthy) : 0,
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
      const budget = budgetStatus(pdb, selected, storeScale(store, namespace));
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
