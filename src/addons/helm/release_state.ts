/**
 * A Helm release's state as Helm's own storage shows it, read through the Kubernetes API: Helm keeps
 * every revision of release `r` as a Secret labelled `owner=helm,name=r,status=<status>,version=<n>`
 * in the release's namespace, plus the labels given with `helm --labels` (ours: chart version and
 * values hash). Reading labels only means a converged cluster is checked without starting Helm.
 *
 * @module
 */
import type { KubeObject } from "../../kube/types.ts";

/** Label holding the chart version a revision was installed from (set with `helm --labels`). */
export const CHART_VERSION_LABEL = "k8zner.io/chart-version";
/** Label holding the values hash of a revision (set with `helm --labels`). */
export const VALUES_HASH_LABEL = "k8zner.io/values-hash";

/** Helm's release statuses (helm.sh/helm/v4 pkg/release/common/status.go). */
export type HelmStatus =
  | "unknown"
  | "deployed"
  | "uninstalled"
  | "superseded"
  | "failed"
  | "uninstalling"
  | "pending-install"
  | "pending-upgrade"
  | "pending-rollback";

/** One stored revision of a release. */
export interface ReleaseRevision {
  version: number;
  status: HelmStatus | string;
  chartVersion?: string;
  valuesHash?: string;
}

/** The label selector of the storage Secrets of `releases` (all of them in one list request). */
export function helmReleaseSelector(releases: readonly string[]): string {
  if (releases.length === 0) throw new RangeError("Cannot select Helm releases: no release names given");
  return releases.length === 1 ? `owner=helm,name=${releases[0]}` : `owner=helm,name in (${releases.join(",")})`;
}

/**
 * The revisions of each release among Helm storage Secrets, oldest first. Secrets that are not Helm's
 * (or carry no usable version) are ignored.
 */
export function releaseHistories(secrets: readonly KubeObject[]): Map<string, ReleaseRevision[]> {
  const out = new Map<string, ReleaseRevision[]>();
  for (const secret of secrets) {
    const labels = secret.metadata.labels ?? {};
    const version = Number(labels.version);
    if (labels.owner !== "helm" || !labels.name || !Number.isInteger(version) || version < 1) continue;
    const revision: ReleaseRevision = {
      version,
      status: labels.status ?? "unknown",
      ...(labels[CHART_VERSION_LABEL] ? { chartVersion: labels[CHART_VERSION_LABEL] } : {}),
      ...(labels[VALUES_HASH_LABEL] ? { valuesHash: labels[VALUES_HASH_LABEL] } : {}),
    };
    const list = out.get(labels.name) ?? [];
    list.push(revision);
    out.set(labels.name, list);
  }
  for (const list of out.values()) list.sort((a, b) => a.version - b.version);
  return out;
}
