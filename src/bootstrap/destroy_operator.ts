/**
 * Before `destroy` deletes anything it stops the cluster's operator: a running operator sees servers
 * vanish and would create them again (a missing Node, a new process ensuring the infrastructure), racing
 * the deletion. The operator Deployment is deleted and its pods are waited out, only after the API proves
 * it serves this cluster (its `K8znerCluster` exists), so a kubeconfig of another cluster is never
 * touched. A cluster whose API does not answer cannot run an operator that reaches Hetzner for long:
 * destroy goes on, and its final discovery still proves the cloud is clean.
 *
 * @module
 */
import { K8ZNER_API_VERSION, K8ZNER_CLUSTER_KIND, K8ZNER_NAMESPACE } from "../addons/k8zner_crd.ts";
import { OPERATOR_NAME } from "../addons/operator_manifests.ts";
import type { KubeClient } from "../kube/mod.ts";

/** How long destroy waits for the operator's pods to exit (their termination grace is 30 s). */
export const OPERATOR_STOP_TIMEOUT_MS = 60_000;
/** Bound of each API call: an API that does not answer must not hold up the destroy. */
export const OPERATOR_API_CALL_MS = 10_000;

/** Dependencies of {@link stopOperator}. */
export interface StopOperatorDeps {
  kube: Pick<KubeClient, "get" | "delete" | "list">;
  sleep(ms: number): Promise<void>;
  now(): number;
  timeoutMs?: number;
  pollMs?: number;
}

/** How stopping went: `stopped` (or `absent`) means no operator runs now; `skipped` says why not. */
export type StopOperatorResult =
  | { outcome: "stopped" | "absent"; detail: string }
  | { outcome: "skipped"; detail: string };

function bounded<T>(what: string, p: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what}: no answer in ${OPERATOR_API_CALL_MS / 1000} s`)),
      OPERATOR_API_CALL_MS,
    );
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** Deletes the operator Deployment of `cluster` and waits until none of its pods is left. */
export async function stopOperator(deps: StopOperatorDeps, cluster: string): Promise<StopOperatorResult> {
  const selector = `app.kubernetes.io/name=${OPERATOR_NAME}`;
  try {
    const object = await bounded(
      "read the K8znerCluster",
      deps.kube.get(K8ZNER_API_VERSION, K8ZNER_CLUSTER_KIND, cluster, K8ZNER_NAMESPACE),
    );
    if (!object) {
      return { outcome: "skipped", detail: `this API holds no K8znerCluster ${cluster}; its operator is left alone` };
    }
    const deleted = await bounded(
      "delete the operator Deployment",
      deps.kube.delete("apps/v1", "Deployment", OPERATOR_NAME, K8ZNER_NAMESPACE),
    );
    const deadline = deps.now() + (deps.timeoutMs ?? OPERATOR_STOP_TIMEOUT_MS);
    for (;;) {
      const pods = await bounded(
        "list the operator pods",
        deps.kube.list("v1", "Pod", K8ZNER_NAMESPACE, { labelSelector: selector }),
      );
      if (pods.length === 0) {
        return deleted
          ? { outcome: "stopped", detail: `deleted Deployment ${K8ZNER_NAMESPACE}/${OPERATOR_NAME}; no pod of it runs` }
          : { outcome: "absent", detail: "no operator runs" };
      }
      if (deps.now() >= deadline) {
        return {
          outcome: "skipped",
          detail: `${pods.length} operator pod(s) still there after ${
            Math.round((deps.timeoutMs ?? OPERATOR_STOP_TIMEOUT_MS) / 1000)
          } s`,
        };
      }
      await deps.sleep(deps.pollMs ?? 500);
    }
  } catch (err) {
    return {
      outcome: "skipped",
      detail: `the cluster's API did not answer (${err instanceof Error ? err.message : String(err)})`,
    };
  }
}
