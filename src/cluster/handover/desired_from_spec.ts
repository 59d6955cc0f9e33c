/**
 * From a K8znerCluster back to the desired state: its `spec` (what `apply` rendered with
 * `renderK8znerClusterSpec`, possibly edited since with kubectl) is mapped to the k8zner.yaml
 * {@link Spec}, checked by the same validator as the file, and expanded by the same `expandSpec`
 * apply uses, so the CLI and the operator can never plan different servers for one spec.
 *
 * @module
 */
import {
  DEFAULT_BACKUP_RETENTION_DAYS,
  expandSpec,
  formatProblems,
  parseConfig,
  renderSpecYaml,
  type Spec,
} from "../../config/mod.ts";
import type { DesiredState } from "../../config/mod.ts";
import type { K8znerClusterSpec } from "../../addons/k8zner_cluster.ts";
import type { KubeObject } from "../../kube/mod.ts";

/** A K8znerCluster whose spec the operator cannot act on (terminal until the spec is edited). */
export class ClusterSpecError extends Error {
  override name = "ClusterSpecError";
}

/** The control plane counts the operator can reconcile (etcd wants an odd number). */
const CONTROL_PLANE_COUNTS = [1, 3, 5] as const;

/** The k8zner.yaml spec a K8znerCluster spec stands for (cluster `name`). Pure; does not validate. */
export function specFromCluster(name: string, spec: K8znerClusterSpec): Spec {
  const out: Spec = {
    name,
    region: spec.region,
    mode: spec.mode,
    workers: { count: spec.workers.count, size: spec.workers.size },
    control_plane: { size: spec.controlPlanes.size },
  };
  const addons = spec.addons ?? {};
  if (spec.domain) {
    out.domain = spec.domain;
    if (spec.certEmail) out.cert_email = spec.certEmail;
    if (addons.argoSubdomain) out.argo_subdomain = addons.argoSubdomain;
    if (addons.grafanaSubdomain && addons.monitoring) out.grafana_subdomain = addons.grafanaSubdomain;
  }
  if (addons.monitoring) out.monitoring = true;
  if (spec.backup?.enabled) {
    out.backup = true;
    // The default is left out, as the file leaves it out, so the spec round-trips unchanged.
    const days = spec.backup.retentionDays;
    if (days !== undefined && days !== DEFAULT_BACKUP_RETENTION_DAYS) out.backup_retention_days = days;
  }
  if (spec.apiAllowlist && spec.apiAllowlist.length > 0) out.api_allowlist = [...spec.apiAllowlist];
  if (spec.apiLoadBalancer) out.api_load_balancer = spec.apiLoadBalancer;
  // The spec's versions are the target of a rollout: apply writes them, the operator upgrades the nodes to them.
  if (spec.talos?.version) out.talos_version = spec.talos.version;
  if (spec.kubernetes?.version) out.kubernetes_version = spec.kubernetes.version;
  return out;
}

/**
 * The desired state of a K8znerCluster: its spec mapped to the config spec, validated as k8zner.yaml
 * is (a problem names the config field), and expanded with `spec.controlPlanes.count` control planes.
 *
 * @throws {ClusterSpecError} when the spec is one the CLI would refuse.
 */
export function desiredFromCluster(cluster: KubeObject): DesiredState {
  const name = cluster.metadata.name;
  const crdSpec = cluster.spec as K8znerClusterSpec | undefined;
  if (!crdSpec || typeof crdSpec !== "object") {
    throw new ClusterSpecError(`Cannot reconcile K8znerCluster "${name}": it has no spec`);
  }
  const count = crdSpec.controlPlanes?.count;
  if (!CONTROL_PLANE_COUNTS.includes(count as 1 | 3 | 5)) {
    throw new ClusterSpecError(
      `Cannot reconcile K8znerCluster "${name}": spec.controlPlanes.count is ${count}, allowed are 1, 3 and 5`,
    );
  }
  let spec: Spec;
  try {
    spec = specFromCluster(name, crdSpec);
  } catch (err) {
    throw new ClusterSpecError(`Cannot reconcile K8znerCluster "${name}": ${(err as Error).message}`, { cause: err });
  }
  // The file validator is the one definition of a valid cluster: round-trip through it.
  const checked = parseConfig(renderSpecYaml(spec), "spec");
  if (!checked.spec) {
    throw new ClusterSpecError(
      `Cannot reconcile K8znerCluster "${name}": its spec is not a valid cluster:\n${
        formatProblems("spec", checked.problems)
      }`,
    );
  }
  return expandSpec(checked.spec, { controlPlaneCount: count as 1 | 3 | 5 });
}
