/**
 * Handing the cluster over to the operator (ADR 0002 §6): wait for the Kubernetes API, install the operator
 * (CRD, namespace, RBAC, the cloud and Talos credentials Secrets, Deployment from `renderOperatorManifests`), create or update the
 * `K8znerCluster`, and optionally follow its status until Ready.
 *
 * Every write is preceded by a read and skipped when the live object already holds what we would write, so a
 * re-run on a converged cluster sends only GETs. The spec is the user's intent and is updated when it differs;
 * the status belongs to the operator alone: the CLI never writes it (the bootstrap facts travel in
 * `spec.bootstrap`), so what `doctor` and `--wait` show is what the operator observed.
 *
 * @module
 */
import { isKubeError, type KubeClient, type KubeObject } from "../../kube/mod.ts";
import { IN_CLUSTER_SPEC_FIELDS, type K8znerClusterSpec, renderK8znerCluster } from "../../addons/k8zner_cluster.ts";
import { K8ZNER_API_VERSION, K8ZNER_CLUSTER_KIND, K8ZNER_NAMESPACE } from "../../addons/k8zner_crd.ts";
import { type BackupSecretInput, renderOperatorManifests } from "../../addons/operator_manifests.ts";
import { operatorImage } from "../../addons/operator_image.ts";
import { renderSecretsBundle, type SecretsBundle } from "../../talos/secrets_bundle.ts";
import type { TaskHandle } from "../../lib/progress.ts";
import { UserFacingError } from "../../lib/errors.ts";
import { stableJson } from "../../lib/stable_json.ts";
import { diffClusterSpec, isContainedIn, renderMergePatch, type SpecChange } from "./diff.ts";
import { type ClusterStatusSummary, summarizeClusterStatus } from "./status.ts";
import { sleep as realSleep } from "../../lib/sleep.ts";
import { formatElapsed } from "../../lib/duration.ts";

export { diffClusterSpec, formatSpecChanges, type SpecChange } from "./diff.ts";
export { retireLegacyCredentials, type RetireResult } from "./credentials.ts";
export { type ClusterStatusSummary, summarizeClusterStatus } from "./status.ts";

/** Waits for the Kubernetes API (through the load balancer) to answer `/version`; returns its gitVersion. */
export async function waitForKubeApi(
  kube: KubeClient,
  options: { timeoutMs?: number; intervalMs?: number; signal?: AbortSignal; task?: TaskHandle } = {},
): Promise<string> {
  options.task?.update(`waiting for the Kubernetes API at ${kube.server}`);
  const { gitVersion } = await kube.waitForApi({
    timeoutMs: options.timeoutMs ?? 600_000,
    ...(options.intervalMs !== undefined ? { intervalMs: options.intervalMs } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  options.task?.update(`Kubernetes ${gitVersion} answers at ${kube.server}`);
  return gitVersion;
}

/** Inputs of {@linkcode renderHandoverManifests}. */
export interface HandoverManifestsInput {
  clusterName: string;
  controlPlaneCount: number;
  /** Hetzner Cloud token for the operator (a secret: only in the Secret's data). */
  hcloudToken: string;
  bundle: SecretsBundle;
  /** The talosconfig written by apply. */
  talosconfig: string;
  cloudflareApiToken?: string;
  /** Object Storage credentials and bucket for etcd backups (Secret `<cluster>-backup-s3`). */
  backup?: BackupSecretInput;
  /** Operator image; the one pinned to this CLI's version when absent. */
  image?: string;
}

/**
 * The operator installation for this cluster: one operator per control plane (host networking binds the same
 * ports), at most two (leader election makes more pointless), with the tokens and the Talos credentials in two
 * Secrets.
 */
export function renderHandoverManifests(input: HandoverManifestsInput): KubeObject[] {
  return renderOperatorManifests({
    clusterName: input.clusterName,
    image: input.image ?? operatorImage(),
    replicas: Math.max(1, Math.min(input.controlPlaneCount, 2)),
    hcloudToken: input.hcloudToken,
    talosSecretsYaml: renderSecretsBundle(input.bundle),
    talosconfig: input.talosconfig,
    ...(input.cloudflareApiToken !== undefined ? { cloudflareApiToken: input.cloudflareApiToken } : {}),
    ...(input.backup !== undefined ? { backup: input.backup } : {}),
  });
}

/** What {@linkcode installOperator} did, by `Kind namespace/name`. */
export interface InstallResult {
  applied: string[];
  unchanged: string[];
}

/** Annotation holding the SHA-256 of the rendered object, so a changed rendering is seen even where reads are lossy. */
export const MANIFEST_HASH_ANNOTATION = "k8zner.io/manifest-sha256";

/**
 * Server-side applies the manifests that differ from the live objects (in order; the CRD is waited for until
 * Established). An object is left alone when its live copy carries the hash of this rendering and every rendered
 * field has that value (so an edit behind our back is repaired). CRDs are judged by the hash alone: the typed
 * client drops JSON-schema keywords such as `enum` and `default` when it reads them.
 */
export async function installOperator(
  kube: KubeClient,
  manifests: readonly KubeObject[],
  options: { task?: TaskHandle } = {},
): Promise<InstallResult> {
  const changed: KubeObject[] = [];
  const result: InstallResult = { applied: [], unchanged: [] };
  for (const rendered of manifests) {
    const object = await withManifestHash(rendered);
    const { name, namespace } = object.metadata;
    const live = await kube.get(object.apiVersion, object.kind, name, namespace);
    const label = `${object.kind} ${namespace ? `${namespace}/` : ""}${name}`;
    const sameHash = live?.metadata.annotations?.[MANIFEST_HASH_ANNOTATION] ===
      object.metadata.annotations?.[MANIFEST_HASH_ANNOTATION];
    const same = live !== undefined && sameHash &&
      (object.kind === "CustomResourceDefinition" || isContainedIn(object, live));
    if (same) result.unchanged.push(label);
    else {
      changed.push(object);
      result.applied.push(label);
    }
  }
  if (changed.length > 0) {
    options.task?.update(`applying ${changed.length} operator object(s)`);
    await kube.applyServerSide(changed);
  }
  return result;
}

/** A copy of `object` annotated with the SHA-256 of its rendering (sorted-key JSON, without that annotation). */
export async function withManifestHash(object: KubeObject): Promise<KubeObject> {
  const copy = structuredClone(object);
  delete copy.metadata.annotations?.[MANIFEST_HASH_ANNOTATION];
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(stableJson(copy)));
  const hex = Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
  copy.metadata.annotations = { ...copy.metadata.annotations, [MANIFEST_HASH_ANNOTATION]: hex };
  return copy;
}

/** Reads the cluster's K8znerCluster; undefined when it (or its CRD) does not exist. */
export async function findK8znerCluster(kube: KubeClient, name: string): Promise<KubeObject | undefined> {
  return await kube.get(K8ZNER_API_VERSION, K8ZNER_CLUSTER_KIND, name, K8ZNER_NAMESPACE);
}

/** What {@linkcode ensureK8znerCluster} did. */
export interface EnsureClusterResult {
  action: "created" | "updated" | "unchanged";
  /** Spec changes written (empty when created or unchanged). */
  changes: SpecChange[];
  object: KubeObject;
}

/**
 * Creates the K8znerCluster with `spec`, or on an existing object updates the spec only where it differs
 * (`spec.bootstrap`, recorded at the first apply, is kept when `spec` has none). `annotations` are set
 * where they differ; other annotations are left as they are. Never touches the status.
 */
export async function ensureK8znerCluster(
  kube: KubeClient,
  input: { name: string; spec: K8znerClusterSpec; annotations?: Record<string, string> },
): Promise<EnsureClusterResult> {
  let live = await findK8znerCluster(kube, input.name);
  let action: EnsureClusterResult["action"] = "unchanged";
  let changes: SpecChange[] = [];
  if (!live) {
    try {
      const object = renderK8znerCluster({ name: input.name, spec: input.spec });
      if (input.annotations) object.metadata.annotations = { ...input.annotations };
      live = await kube.create(object);
      action = "created";
    } catch (err) {
      if (!isKubeError(err, "AlreadyExists")) throw err;
      live = await findK8znerCluster(kube, input.name);
      if (!live) throw err;
    }
  }
  if (action !== "created") {
    const current = (live.spec ?? {}) as Record<string, unknown>;
    const next: Record<string, unknown> = { ...input.spec };
    // What the cluster's owner set in the cluster (paused, deletionPolicy, …) is theirs, not the config's.
    for (const field of IN_CLUSTER_SPEC_FIELDS) {
      if (next[field] === undefined && current[field] !== undefined) next[field] = current[field];
    }
    changes = diffClusterSpec(current, next);
    const annotations = Object.fromEntries(
      Object.entries(input.annotations ?? {}).filter(([k, v]) => live!.metadata.annotations?.[k] !== v),
    );
    const annotate = Object.keys(annotations).length > 0;
    if (changes.length > 0 || annotate) {
      live = await kube.patchMerge(K8ZNER_API_VERSION, K8ZNER_CLUSTER_KIND, input.name, K8ZNER_NAMESPACE, {
        ...(changes.length > 0 ? { spec: renderMergePatch(current, next) } : {}),
        ...(annotate ? { metadata: { annotations } } : {}),
      });
    }
    if (changes.length > 0) action = "updated";
  }
  return { action, changes, object: live };
}

/** Options of {@linkcode followClusterStatus}. */
export interface FollowOptions {
  /** Default 30 min. */
  timeoutMs?: number;
  /** Poll interval, default 3 s. */
  intervalMs?: number;
  signal?: AbortSignal;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => number;
}

/** How {@linkcode followClusterStatus} ended. */
export interface FollowResult {
  /** `ready`: Running and Ready. `settled`: the operator caught up with the spec, is not progressing, and is not Ready. */
  outcome: "ready" | "settled";
  object: KubeObject;
  summary: ClusterStatusSummary;
}

/**
 * Polls the K8znerCluster until it is Ready, calling `onUpdate` whenever the summary line changes. It also ends
 * when the operator has observed the current generation and reports `Progressing` False without being Ready: it
 * waits for something it does not do itself (e.g. a CNI this version does not install), and waiting longer
 * would only hang; the result names what it waits for.
 *
 * @throws {UserFacingError} when the cluster reports phase Failed or `Degraded` while settled, disappears, or
 *   neither is Ready nor settles in time.
 */
export async function followClusterStatus(
  kube: KubeClient,
  name: string,
  onUpdate: (summary: ClusterStatusSummary) => void,
  options: FollowOptions = {},
): Promise<FollowResult> {
  const sleep = options.sleep ?? realSleep;
  const now = options.now ?? Date.now;
  const timeoutMs = options.timeoutMs ?? 30 * 60_000;
  const intervalMs = options.intervalMs ?? 3_000;
  const deadline = now() + timeoutMs;
  let lastLine: string | undefined;
  for (;;) {
    options.signal?.throwIfAborted();
    const object = await findK8znerCluster(kube, name);
    if (!object) {
      throw new UserFacingError(`Cannot follow K8znerCluster "${K8ZNER_NAMESPACE}/${name}": it does not exist`);
    }
    const summary = summarizeClusterStatus(object.status, Number(object.metadata.generation ?? 1));
    if (summary.line !== lastLine) {
      lastLine = summary.line;
      onUpdate(summary);
    }
    if (summary.ready && summary.observed) return { outcome: "ready", object, summary };
    if (summary.failed) {
      throw new UserFacingError(
        `Cluster "${name}" failed: ${summary.lastError ?? summary.line}`,
        { hint: "See `k8zner doctor` for the conditions and recent errors" },
      );
    }
    if (summary.observed && summary.progressing === false) {
      if (summary.degraded) {
        throw new UserFacingError(
          `Cluster "${name}" is degraded (${summary.degraded.reason}): ${summary.degraded.message}`,
          { hint: "See `k8zner doctor` for the conditions and recent events" },
        );
      }
      return { outcome: "settled", object, summary };
    }
    if (now() + intervalMs > deadline) {
      throw new UserFacingError(
        `Cluster "${name}" is not Ready after ${formatElapsed(timeoutMs)}: ${summary.line}`,
        { hint: "The operator keeps working; follow it with `k8zner doctor --watch`" },
      );
    }
    await sleep(intervalMs, options.signal);
  }
}
