/**
 * Ownership labels every Hetzner resource k8zner creates carries, and the selectors that find
 * them again (ADR 0002: re-discover by name and label, never remember). Key and value syntax
 * follow Hetzner's label rules (contracts/hcloud-behaviour.md §4).
 *
 * @module
 */

/** Label keys k8zner sets. */
export const LABEL_KEYS = {
  cluster: "k8zner.io/cluster",
  role: "k8zner.io/role",
  pool: "k8zner.io/pool",
  managedBy: "k8zner.io/managed-by",
} as const;

/** Value of `k8zner.io/managed-by` on everything the CLI or operator creates. */
export const MANAGED_BY = "k8zner";

/** Roles a labelled resource can have. */
export type ResourceRole = "control-plane" | "worker" | "kube-api";

/** Labels that mark a resource as owned by cluster `name`. */
export function clusterLabels(name: string): Record<string, string> {
  assertLabelValue(name);
  return { [LABEL_KEYS.cluster]: name, [LABEL_KEYS.managedBy]: MANAGED_BY };
}

/** Cluster labels plus role (and pool, for servers and placement groups). */
export function roleLabels(name: string, role: ResourceRole, pool?: string): Record<string, string> {
  const labels: Record<string, string> = { ...clusterLabels(name), [LABEL_KEYS.role]: role };
  if (pool !== undefined) {
    assertLabelValue(pool);
    labels[LABEL_KEYS.pool] = pool;
  }
  return labels;
}

/** The label selector matching every resource of cluster `name`: `k8zner.io/cluster=<name>`. */
export function clusterSelector(name: string): string {
  assertLabelValue(name);
  return `${LABEL_KEYS.cluster}=${name}`;
}

/** Selector matching cluster `name`'s resources with `role`, e.g. the control planes for the API LB. */
export function roleSelector(name: string, role: ResourceRole): string {
  return `${clusterSelector(name)},${LABEL_KEYS.role}=${role}`;
}

/** Renders labels as an equality selector (`k=v,k2=v2`) in key order. */
export function selectorFor(labels: Record<string, string>): string {
  return Object.keys(labels).sort().map((k) => `${k}=${labels[k]}`).join(",");
}

const LABEL_NAME = /^[a-zA-Z0-9]([a-zA-Z0-9._-]{0,61}[a-zA-Z0-9])?$/;
const LABEL_VALUE = /^([a-zA-Z0-9]([a-zA-Z0-9._-]{0,61}[a-zA-Z0-9])?)?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** True for a valid Hetzner label key: optional DNS-subdomain prefix (not `hetzner.cloud/`) and a name. */
export function isValidLabelKey(key: string): boolean {
  const slash = key.lastIndexOf("/");
  const name = slash === -1 ? key : key.slice(slash + 1);
  if (!LABEL_NAME.test(name)) return false;
  if (slash === -1) return true;
  const prefix = key.slice(0, slash);
  return prefix.length <= 253 && DNS_SUBDOMAIN.test(prefix) && prefix !== "hetzner.cloud";
}

/** True for a valid Hetzner label value: empty, or ≤ 63 chars starting and ending alphanumeric. */
export function isValidLabelValue(value: string): boolean {
  return LABEL_VALUE.test(value);
}

function assertLabelValue(value: string): void {
  if (!isValidLabelValue(value)) {
    throw new TypeError(`Cannot use "${value}" as a label value: not a valid Hetzner label value`);
  }
}
