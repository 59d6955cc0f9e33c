/**
 * Finding the cluster's `K8znerCluster` through the kubeconfig in the cluster's secrets directory:
 * present means the cluster was handed over, and `apply` only updates its spec. No API server (no
 * load balancer found), a missing kubeconfig, an API that does not answer or a missing object mean
 * the hand-over has not happened (yet).
 *
 * @module
 */
import { join } from "node:path";
import type { KubeClient, KubeObject } from "../kube/mod.ts";
import { CREDENTIAL_FILES } from "../cluster/credentials/credentials.ts";
import { setKubeconfigServer } from "../cluster/credentials/kubeconfig_text.ts";
import { findK8znerCluster } from "../cluster/handover/handover.ts";
import type { ApplyDeps } from "./apply_deps.ts";

/** What was found. `kube` (when set) must be closed by the caller. */
export interface LiveCluster {
  kubeconfig?: string;
  kube?: KubeClient;
  object?: KubeObject;
  /** Why no object was found although a kubeconfig exists. */
  note?: string;
}

/** How long the lookup waits for the API before treating the cluster as not handed over. */
export const LIVE_LOOKUP_TIMEOUT_MS = 10_000;

/** Options of {@linkcode findLiveCluster}. */
export interface FindLiveClusterOptions {
  secretsDir: string;
  clusterName: string;
  /**
   * The API server URL of the cluster as discovered now (`kubeApiServerUrl()`); the kubeconfig's own server
   * is not trusted, it may name a load balancer that is gone. Undefined: the cluster has no API to ask.
   */
  apiServer: string | undefined;
  timeoutMs?: number;
}

/**
 * Reads `<secretsDir>/kubeconfig`, points it at `apiServer` (in memory) and looks the cluster object up
 * with it. Never throws for an unreachable API.
 *
 * The deadline is a real timer, not `deps.sleep`: that sleep is for apply's waits, which tests cap
 * (`K8ZNER_MAX_SLEEP_MS`), and a capped deadline gave a healthy API 20 ms to answer, so a converged
 * cluster was taken for one not handed over and went through the bootstrap pipeline again.
 */
export async function findLiveCluster(
  deps: Pick<ApplyDeps, "kube">,
  options: FindLiveClusterOptions,
): Promise<LiveCluster> {
  const { clusterName, apiServer } = options;
  const timeoutMs = options.timeoutMs ?? LIVE_LOOKUP_TIMEOUT_MS;
  if (apiServer === undefined) return {};
  let kubeconfig: string;
  try {
    kubeconfig = await Deno.readTextFile(join(options.secretsDir, CREDENTIAL_FILES.kubeconfig));
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return {};
    throw err;
  }
  let kube: KubeClient;
  try {
    kube = await deps.kube(setKubeconfigServer(kubeconfig, apiServer));
  } catch (err) {
    return { kubeconfig, note: `the kubeconfig cannot be used: ${messageOf(err)}` };
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const object = await Promise.race([
      findK8znerCluster(kube, clusterName),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
      }),
    ]);
    if (object) return { kubeconfig, kube, object };
    return { kubeconfig, kube, note: "the Kubernetes API answers but has no K8znerCluster yet" };
  } catch (err) {
    return { kubeconfig, kube, note: `the Kubernetes API at ${kube.server} did not answer (${messageOf(err)})` };
  } finally {
    clearTimeout(timer);
  }
}

/** The first line of the error, whole: a note cut mid-word ("reason: conne") hides the cause. */
function messageOf(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split("\n")[0]!.trim();
}
