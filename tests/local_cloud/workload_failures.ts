/**
 * Failures on demand for the local cloud's workload controllers: a test marks a Deployment,
 * DaemonSet, StatefulSet or Job of a cluster as failing (it need not exist yet) and the controllers
 * report it as the real ones report a workload whose containers crash:
 *
 * - Deployment: no ready replicas, `Available` False and `Progressing` False with reason
 *   `ProgressDeadlineExceeded` (what the deployment controller writes once `progressDeadlineSeconds`
 *   passed; Helm's kstatus watcher reads it as Failed);
 * - DaemonSet: its pods run in `CrashLoopBackOff`, never ready (numberReady 0);
 * - StatefulSet: no ready replicas;
 * - Job: `Failed` True with reason `BackoffLimitExceeded` once its pod would have run.
 *
 * A failure lasts until {@link clearWorkloadFailure}, or with `helmAttempts: n` only while the
 * Helm release owning the workload (annotation `meta.helm.sh/release-name`) is at revision n or
 * lower: every `helm install`/`upgrade`/`rollback` writes the next revision before it applies the
 * manifests, so the first n attempts fail and attempt n+1 succeeds.
 *
 * The failures live beside the store (one registry per store), not in it: a client sees only
 * what the real controllers would write.
 *
 * @module
 */
import type { FakeKubeStore, KubeObj } from "../kube_fake/mod.ts";

/** The workload kinds the controllers can fail. */
export type WorkloadKind = "Deployment" | "DaemonSet" | "StatefulSet" | "Job";

/** Which workload: kind, namespace and name. */
export interface WorkloadRef {
  kind: WorkloadKind;
  namespace: string;
  name: string;
}

/** How a workload fails. */
export interface WorkloadFailure {
  /** Shown in the container's waiting message and the condition message (default "container exited with code 1"). */
  reason?: string;
  /** Fail only while the owning Helm release's latest revision is at most this (default: until cleared). */
  helmAttempts?: number;
}

const registries = new WeakMap<FakeKubeStore, Map<string, WorkloadFailure>>();

function keyOf(ref: WorkloadRef): string {
  return `${ref.kind}/${ref.namespace}/${ref.name}`;
}

/**
 * Makes workload `ref` of `store`'s cluster fail (see the module doc) until cleared or, with
 * `helmAttempts`, for that many Helm revisions of its release. Replaces an earlier failure of it.
 */
export function failWorkload(store: FakeKubeStore, ref: WorkloadRef, failure: WorkloadFailure = {}): void {
  if (failure.helmAttempts !== undefined && !(Number.isInteger(failure.helmAttempts) && failure.helmAttempts >= 0)) {
    throw new RangeError(
      `Cannot fail workload "${keyOf(ref)}" for ${failure.helmAttempts} Helm attempts: need 0 or more`,
    );
  }
  let registry = registries.get(store);
  if (!registry) registries.set(store, registry = new Map());
  registry.set(keyOf(ref), { ...failure });
}

/** Ends the failure of `ref`; the controllers make it ready on their next pass. */
export function clearWorkloadFailure(store: FakeKubeStore, ref: WorkloadRef): void {
  registries.get(store)?.delete(keyOf(ref));
}

/** Whether any workload of `store` is marked failing (a cheap check before looking one up). */
export function hasWorkloadFailures(store: FakeKubeStore): boolean {
  return (registries.get(store)?.size ?? 0) > 0;
}

/** The message of `workload`'s failure when it fails now, else undefined. */
export function activeFailure(store: FakeKubeStore, workload: KubeObj): string | undefined {
  const meta = workload.metadata as { name: string; namespace: string; annotations?: Record<string, string> };
  const failure = registries.get(store)?.get(
    keyOf({ kind: workload.kind as WorkloadKind, namespace: meta.namespace, name: meta.name }),
  );
  if (!failure) return undefined;
  if (failure.helmAttempts !== undefined) {
    const release = meta.annotations?.["meta.helm.sh/release-name"];
    const namespace = meta.annotations?.["meta.helm.sh/release-namespace"] ?? meta.namespace;
    if (release === undefined) return undefined;
    if (helmRevision(store, namespace, release) > failure.helmAttempts) return undefined;
  }
  return failure.reason ?? "container exited with code 1";
}

/** The latest revision of Helm release `name` (its `sh.helm.release.v1.<name>.v<n>` Secrets' `version` label), 0 if none. */
export function helmRevision(store: FakeKubeStore, namespace: string, name: string): number {
  let latest = 0;
  for (const secret of store.viewObjects("v1", "Secret", namespace)) {
    const labels = (secret.metadata as { labels?: Record<string, string> }).labels ?? {};
    if (labels.owner !== "helm" || labels.name !== name) continue;
    const version = Number(labels.version);
    if (Number.isInteger(version) && version > latest) latest = version;
  }
  return latest;
}
