/**
 * Where each kind lives in the REST API: its plural resource name and scope. Kinds k8zner uses
 * are in a table; others are found through discovery by the client.
 *
 * @module
 */

/** A kind's REST coordinates. */
export interface ResourceInfo {
  group: string;
  version: string;
  plural: string;
  namespaced: boolean;
}

const table: Record<string, [plural: string, namespaced: boolean]> = {
  "v1/Namespace": ["namespaces", false],
  "v1/Node": ["nodes", false],
  "v1/Pod": ["pods", true],
  "v1/Service": ["services", true],
  "v1/Secret": ["secrets", true],
  "v1/ConfigMap": ["configmaps", true],
  "v1/ServiceAccount": ["serviceaccounts", true],
  "v1/Event": ["events", true],
  "v1/PersistentVolumeClaim": ["persistentvolumeclaims", true],
  "apps/v1/Deployment": ["deployments", true],
  "apps/v1/DaemonSet": ["daemonsets", true],
  "apps/v1/StatefulSet": ["statefulsets", true],
  "batch/v1/Job": ["jobs", true],
  "batch/v1/CronJob": ["cronjobs", true],
  "rbac.authorization.k8s.io/v1/ClusterRole": ["clusterroles", false],
  "rbac.authorization.k8s.io/v1/ClusterRoleBinding": ["clusterrolebindings", false],
  "rbac.authorization.k8s.io/v1/Role": ["roles", true],
  "rbac.authorization.k8s.io/v1/RoleBinding": ["rolebindings", true],
  "apiextensions.k8s.io/v1/CustomResourceDefinition": ["customresourcedefinitions", false],
  "coordination.k8s.io/v1/Lease": ["leases", true],
  "networking.k8s.io/v1/Ingress": ["ingresses", true],
  "events.k8s.io/v1/Event": ["events", true],
  "apiregistration.k8s.io/v1/APIService": ["apiservices", false],
  "k8zner.io/v1alpha1/K8znerCluster": ["k8znerclusters", true],
};

/** Splits `apps/v1` into group and version (`v1` is the core group ""). */
export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf("/");
  return slash < 0
    ? { group: "", version: apiVersion }
    : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/** The REST coordinates of a kind from the built-in table, or undefined when discovery is needed. */
export function findKnownResource(apiVersion: string, kind: string): ResourceInfo | undefined {
  const entry = table[`${apiVersion}/${kind}`];
  if (!entry) return undefined;
  return { ...splitApiVersion(apiVersion), plural: entry[0], namespaced: entry[1] };
}

/**
 * The URL path of a collection (no `name`) or an object, e.g.
 * `/apis/apps/v1/namespaces/kube-system/deployments/cilium-operator`.
 */
export function renderResourcePath(info: ResourceInfo, namespace?: string, name?: string): string {
  const base = info.group === "" ? `/api/${info.version}` : `/apis/${info.group}/${info.version}`;
  const ns = info.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : "";
  const suffix = name === undefined ? "" : `/${encodeURIComponent(name)}`;
  return `${base}${ns}/${info.plural}${suffix}`;
}
