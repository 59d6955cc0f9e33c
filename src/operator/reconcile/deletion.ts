/**
 * `spec.deletionPolicy` and the `k8zner.io/teardown` finalizer. The operator adds the finalizer to
 * every K8znerCluster it reconciles, so deleting the object waits for it: with `Retain` (the default)
 * it only removes the finalizer and the cloud stays as it is; with `Delete` it first deletes every
 * Hetzner resource labelled for the cluster with the destroy code `k8zner destroy` uses
 * (`src/cluster/destroy/`), then removes the finalizer. Finalizer changes are replaces guarded by
 * resourceVersion, so a concurrent edit makes them fail with Conflict and retry instead of losing it.
 *
 * @module
 */
import type { DeletionPolicy } from "../../addons/k8zner_crd.ts";
import { executeDestroy } from "../../cluster/destroy/destroy.ts";
import { destroyItems, planDestroy } from "../../cluster/destroy/plan.ts";
import type { ClusterDeps } from "../../cluster/infra/deps.ts";
import { discoverCluster } from "../../cluster/infra/discover.ts";
import type { KubeClient, KubeObject } from "../../kube/mod.ts";
import type { EventRecorder, JsonLogger } from "../runtime/mod.ts";
import { eventingProgress } from "./steps/progress_events.ts";

/** The finalizer that makes deleting a K8znerCluster wait for the operator. */
export const TEARDOWN_FINALIZER = "k8zner.io/teardown";

/** The object's deletion policy (`Retain` unless the spec says `Delete`). */
export function deletionPolicyOf(cluster: KubeObject): DeletionPolicy {
  return (cluster.spec as { deletionPolicy?: unknown } | undefined)?.deletionPolicy === "Delete" ? "Delete" : "Retain";
}

/** Whether the object carries the teardown finalizer. */
export function hasTeardownFinalizer(cluster: KubeObject): boolean {
  return (cluster.metadata.finalizers ?? []).includes(TEARDOWN_FINALIZER);
}

/** Adds the finalizer (replace guarded by resourceVersion); returns the object as stored. */
export async function addTeardownFinalizer(
  kube: Pick<KubeClient, "replace">,
  cluster: KubeObject,
): Promise<KubeObject> {
  const finalizers = [...(cluster.metadata.finalizers ?? []), TEARDOWN_FINALIZER];
  return await kube.replace({ ...cluster, metadata: { ...cluster.metadata, finalizers } });
}

async function removeTeardownFinalizer(kube: Pick<KubeClient, "replace">, cluster: KubeObject): Promise<void> {
  const finalizers = (cluster.metadata.finalizers ?? []).filter((f) => f !== TEARDOWN_FINALIZER);
  await kube.replace({ ...cluster, metadata: { ...cluster.metadata, finalizers } });
}

/** What {@link finalizeCluster} needs. */
export interface FinalizeDeps {
  kube: Pick<KubeClient, "replace">;
  events: Pick<EventRecorder, "record">;
  log: JsonLogger;
  /** Hetzner deps with the cluster's token; only called under `Delete`. */
  cloud(): Promise<ClusterDeps>;
  /** Throws unless this replica still leads; called right before deleting anything. */
  requireLeadership(action: string): Promise<void>;
  /** `spec.paused`: no teardown happens while it is true. */
  paused: boolean;
}

/** What a finalize pass did. */
export type FinalizeResult = "retained" | "deleted" | "paused" | "not-ours";

/**
 * Handles a K8znerCluster being deleted. Returns what happened; throws when the teardown failed (the
 * finalizer stays, the work queue retries, and the next pass finds what is left by its labels).
 */
export async function finalizeCluster(deps: FinalizeDeps, cluster: KubeObject): Promise<FinalizeResult> {
  if (!hasTeardownFinalizer(cluster)) return "not-ours";
  const name = cluster.metadata.name;
  const policy = deletionPolicyOf(cluster);
  if (policy === "Retain") {
    await removeTeardownFinalizer(deps.kube, cluster);
    deps.log.info("K8znerCluster deleted with deletionPolicy Retain: Hetzner resources kept", { cluster: name });
    await deps.events.record(
      cluster,
      "Normal",
      "Retained",
      "Finalize",
      "deletionPolicy Retain: the Hetzner resources of the cluster are kept",
    );
    return "retained";
  }
  if (deps.paused) {
    await deps.events.record(
      cluster,
      "Warning",
      "TeardownPaused",
      "Finalize",
      "deletionPolicy Delete, but spec.paused is true: nothing is deleted until it is false",
    );
    return "paused";
  }
  const cloud = await deps.cloud();
  const observed = await discoverCluster(cloud.hc, name, { sleep: (ms) => cloud.sleep(ms) });
  const plan = planDestroy(observed);
  const items = destroyItems(plan);
  await deps.events.record(
    cluster,
    "Normal",
    "TearingDown",
    "Finalize",
    `deletionPolicy Delete: deleting ${items.length} Hetzner resource(s) labelled for the cluster`,
  );
  deps.log.info("tearing down the cluster", { cluster: name, resources: items.length });
  if (items.length > 0) {
    await deps.requireLeadership(`delete the Hetzner resources of cluster "${name}"`);
    await executeDestroy(cloud, plan, eventingProgress({ cluster, events: deps.events, log: deps.log }, "TearingDown"));
  }
  await removeTeardownFinalizer(deps.kube, cluster);
  await deps.events.record(cluster, "Normal", "TornDown", "Finalize", `Deleted ${items.length} Hetzner resource(s)`);
  deps.log.info("cluster torn down", { cluster: name, resources: items.length });
  return "deleted";
}
