/**
 * The resource types the fake Kubernetes API serves: a built-in table (what the hand-over and an
 * operator touch) plus the types that CustomResourceDefinitions make live at run time.
 *
 * @module
 */
import { builtinTypesFromContract } from "./builtin_types.ts";

/** One served resource type (one group/version/plural). */
export interface ResourceType {
  /** API group, "" for the core group. */
  group: string;
  version: string;
  /** Plural resource name as it appears in URLs (`deployments`). */
  resource: string;
  singular: string;
  kind: string;
  listKind: string;
  namespaced: boolean;
  shortNames: string[];
  /** Whether a `/status` subresource exists (status is then ignored on the main resource). */
  hasStatus: boolean;
  /** Set for types served because of a CRD (affects e.g. strategic merge patch support). */
  crd?: string;
  /** A review (SelfSubjectAccessReview): only `create`, answered and never stored. */
  createOnly?: boolean;
  /** The verbs served (discovery); absent: every verb, or only `create` for a review. */
  verbs?: string[];
}

/** `group/version` as written in `apiVersion` (`v1` for the core group). */
export function groupVersionOf(rt: Pick<ResourceType, "group" | "version">): string {
  return rt.group === "" ? rt.version : `${rt.group}/${rt.version}`;
}

/**
 * The storage key of a resource type: version-independent, like the real API server's storage.
 * events.k8s.io Events share the core Events' storage (see event_versions.ts).
 */
export function storageKeyOf(rt: Pick<ResourceType, "group" | "resource">): string {
  if (rt.group === "events.k8s.io" && rt.resource === "events") return "events.";
  return `${rt.resource}.${rt.group}`;
}

/** `resource.group` as it appears in API error messages (`deployments.apps`, `secrets`). */
export function qualifiedResource(rt: Pick<ResourceType, "group" | "resource">): string {
  return rt.group === "" ? rt.resource : `${rt.resource}.${rt.group}`;
}

function builtin(
  group: string,
  version: string,
  kind: string,
  resource: string,
  namespaced: boolean,
  options: { shortNames?: string[]; hasStatus?: boolean; createOnly?: boolean } = {},
): ResourceType {
  return {
    group,
    version,
    kind,
    resource,
    singular: kind.toLowerCase(),
    listKind: `${kind}List`,
    namespaced,
    shortNames: options.shortNames ?? [],
    hasStatus: options.hasStatus ?? false,
    ...(options.createOnly ? { createOnly: true } : {}),
  };
}

/**
 * The built-in types the fake knew before it read the OpenAPI contract: their short names and which
 * reviews it answers add to the types derived from the contract (builtin_types.ts), and they are
 * the whole table when the contract is absent.
 */
export const BUILTIN_RESOURCES: readonly ResourceType[] = [
  builtin("", "v1", "Namespace", "namespaces", false, { shortNames: ["ns"], hasStatus: true }),
  builtin("", "v1", "Node", "nodes", false, { shortNames: ["no"], hasStatus: true }),
  builtin("", "v1", "Pod", "pods", true, { shortNames: ["po"], hasStatus: true }),
  builtin("", "v1", "Service", "services", true, { shortNames: ["svc"], hasStatus: true }),
  builtin("", "v1", "Secret", "secrets", true),
  builtin("", "v1", "ConfigMap", "configmaps", true, { shortNames: ["cm"] }),
  builtin("", "v1", "ServiceAccount", "serviceaccounts", true, { shortNames: ["sa"] }),
  builtin("", "v1", "Event", "events", true, { shortNames: ["ev"] }),
  builtin("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", true, { shortNames: ["pvc"], hasStatus: true }),
  builtin("", "v1", "PersistentVolume", "persistentvolumes", false, { shortNames: ["pv"], hasStatus: true }),
  builtin("apps", "v1", "Deployment", "deployments", true, { shortNames: ["deploy"], hasStatus: true }),
  builtin("apps", "v1", "DaemonSet", "daemonsets", true, { shortNames: ["ds"], hasStatus: true }),
  builtin("apps", "v1", "StatefulSet", "statefulsets", true, { shortNames: ["sts"], hasStatus: true }),
  builtin("apps", "v1", "ReplicaSet", "replicasets", true, { shortNames: ["rs"], hasStatus: true }),
  builtin("batch", "v1", "Job", "jobs", true, { hasStatus: true }),
  builtin("batch", "v1", "CronJob", "cronjobs", true, { shortNames: ["cj"], hasStatus: true }),
  builtin("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", false),
  builtin("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings", false),
  builtin("rbac.authorization.k8s.io", "v1", "Role", "roles", true),
  builtin("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", true),
  builtin("apiextensions.k8s.io", "v1", "CustomResourceDefinition", "customresourcedefinitions", false, {
    shortNames: ["crd", "crds"],
    hasStatus: true,
  }),
  builtin("coordination.k8s.io", "v1", "Lease", "leases", true),
  builtin("networking.k8s.io", "v1", "Ingress", "ingresses", true, { shortNames: ["ing"], hasStatus: true }),
  builtin("events.k8s.io", "v1", "Event", "events", true, { shortNames: ["ev"] }),
  builtin("storage.k8s.io", "v1", "StorageClass", "storageclasses", false, { shortNames: ["sc"] }),
  builtin("apiregistration.k8s.io", "v1", "APIService", "apiservices", false, { hasStatus: true }),
  builtin("authorization.k8s.io", "v1", "SelfSubjectAccessReview", "selfsubjectaccessreviews", false, {
    createOnly: true,
  }),
  builtin("policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets", true, {
    shortNames: ["pdb"],
    hasStatus: true,
  }),
];

/** Reads the resource types a CustomResourceDefinition declares (one per served version). */
export function resourceTypesOfCrd(crd: Record<string, unknown>): ResourceType[] {
  const spec = (crd.spec ?? {}) as Record<string, unknown>;
  const names = (spec.names ?? {}) as Record<string, unknown>;
  const group = String(spec.group ?? "");
  const kind = String(names.kind ?? "");
  const plural = String(names.plural ?? "");
  if (group === "" || kind === "" || plural === "") return [];
  const versions = Array.isArray(spec.versions) ? spec.versions as Record<string, unknown>[] : [];
  const name = String((crd.metadata as Record<string, unknown> | undefined)?.name ?? "");
  return versions.filter((v) => v.served !== false).map((v) => {
    const subresources = (v.subresources ?? {}) as Record<string, unknown>;
    return {
      group,
      version: String(v.name),
      kind,
      resource: plural,
      singular: String(names.singular ?? kind.toLowerCase()),
      listKind: String(names.listKind ?? `${kind}List`),
      namespaced: spec.scope !== "Cluster",
      shortNames: Array.isArray(names.shortNames) ? names.shortNames.map(String) : [],
      hasStatus: subresources.status !== undefined,
      crd: name,
    };
  });
}

/** The set of served resource types, looked up by URL parts or by apiVersion and kind. */
export class ResourceRegistry {
  #served: ResourceType[] | undefined;
  #generation = 0;

  /** The table, derived from the contract on first use (parsed once per process). */
  get #types(): ResourceType[] {
    return this.#served ??= [...(builtinTypesFromContract(BUILTIN_RESOURCES) ?? BUILTIN_RESOURCES)];
  }

  set #types(types: ResourceType[]) {
    this.#served = types;
  }

  /** Counts the changes to the served types: documents derived from them stay valid while it stays the same. */
  get generation(): number {
    return this.#generation;
  }

  /** Every served type. */
  all(): readonly ResourceType[] {
    return this.#types;
  }

  /** The type served at `/apis/<group>/<version>/<resource>`, if any. */
  byResource(group: string, version: string, resource: string): ResourceType | undefined {
    return this.#types.find((t) => t.group === group && t.version === version && t.resource === resource);
  }

  /** The type of `apiVersion` and `kind`, if served. */
  byKind(apiVersion: string, kind: string): ResourceType | undefined {
    const [group, version] = splitApiVersion(apiVersion);
    return this.#types.find((t) => t.group === group && t.version === version && t.kind === kind);
  }

  /** Every served type of a group version. */
  ofGroupVersion(group: string, version: string): ResourceType[] {
    return this.#types.filter((t) => t.group === group && t.version === version);
  }

  /** Serves the types of a CRD (replacing what an earlier version of it declared). */
  addCrd(crd: Record<string, unknown>): ResourceType[] {
    const name = String((crd.metadata as Record<string, unknown> | undefined)?.name ?? "");
    this.removeCrd(name);
    const added = resourceTypesOfCrd(crd);
    this.#types.push(...added);
    this.#generation++;
    return added;
  }

  /** Stops serving the types of a CRD. */
  removeCrd(name: string): void {
    this.#types = this.#types.filter((t) => t.crd !== name);
    this.#generation++;
  }
}

/** Splits `apps/v1` into `["apps", "v1"]` and `v1` into `["", "v1"]`. */
export function splitApiVersion(apiVersion: string): [string, string] {
  const slash = apiVersion.indexOf("/");
  return slash < 0 ? ["", apiVersion] : [apiVersion.slice(0, slash), apiVersion.slice(slash + 1)];
}
