/**
 * Every built-in resource type of Kubernetes v1.35, derived from the paths of the official OpenAPI
 * document (kubernetes_contract.ts): group, version, plural, kind, scope (`{namespace}` in the path),
 * `/status` subresource and the verbs (`x-kubernetes-action`), GA versions only (the document lists
 * every alpha and beta API too, which a default v1.35 server does not serve). Short names are not in the document:
 * they come from the hand-written table in resources.ts, which is also what the fake serves when the
 * contract is absent.
 *
 * @module
 */
import { kubernetesContract, type Operation } from "./kubernetes_contract.ts";
import type { ResourceType } from "./resources.ts";

/** The verbs an `x-kubernetes-action` stands for in discovery. */
const VERB_OF_ACTION: Record<string, string> = {
  get: "get",
  list: "list",
  post: "create",
  put: "update",
  patch: "patch",
  delete: "delete",
  deletecollection: "deletecollection",
  watch: "watch",
  watchlist: "watch",
};

/**
 * Short names of the served types the hand table (resources.ts) does not list; the OpenAPI document
 * has none (they come from each type's REST storage in kube-apiserver).
 */
const MORE_SHORT_NAMES: Record<string, string[]> = {
  "/componentstatuses": ["cs"],
  "/endpoints": ["ep"],
  "/limitranges": ["limits"],
  "/replicationcontrollers": ["rc"],
  "/resourcequotas": ["quota"],
  "autoscaling/horizontalpodautoscalers": ["hpa"],
  "certificates.k8s.io/certificatesigningrequests": ["csr"],
  "networking.k8s.io/networkpolicies": ["netpol"],
  "scheduling.k8s.io/priorityclasses": ["pc"],
};

interface Found {
  group: string;
  version: string;
  resource: string;
  kind?: string;
  namespaced: boolean;
  hasStatus: boolean;
  verbs: Set<string>;
}

/** `/api/v1/x` -> ["", "v1", ["x"]]; `/apis/apps/v1/x` -> ["apps", "v1", ["x"]]. */
function splitPath(path: string): [string, string, string[]] | undefined {
  const parts = path.split("/").filter((p) => p !== "");
  if (parts[0] === "api" && parts[1] === "v1") return ["", "v1", parts.slice(2)];
  if (parts[0] === "apis" && parts.length >= 3) return [parts[1]!, parts[2]!, parts.slice(3)];
  return undefined;
}

/**
 * The resource (and subresource) a path addresses: `namespaces/{namespace}/<plural>[/{name}[/<sub>]]`
 * for namespaced types, `<plural>[/{name}[/<sub>]]` otherwise (a namespace itself is `namespaces/{name}`).
 */
function resourceOfPath(rest: string[]): { resource: string; namespaced: boolean; sub?: string } | undefined {
  if (rest[0] === "namespaces" && rest[1] === "{namespace}" && rest.length >= 3) {
    return rest.length > 5 ? undefined : { resource: rest[2]!, namespaced: true, sub: rest[4] };
  }
  if (rest.length === 0 || rest.length > 3 || rest[0]!.startsWith("{")) return undefined;
  return { resource: rest[0]!, namespaced: false, sub: rest[2] };
}

/** Kubernetes' version priority: GA before beta before alpha, higher numbers first (v2 > v1 > v1beta2). */
export function compareVersions(a: string, b: string): number {
  const rank = (v: string): [number, number, number] => {
    const m = v.match(/^v(\d+)(?:(alpha|beta)(\d+))?$/);
    if (!m) return [3, 0, 0];
    return [m[2] === undefined ? 0 : m[2] === "beta" ? 1 : 2, -Number(m[1]), -Number(m[3] ?? 0)];
  };
  const [ra, rb] = [rank(a), rank(b)];
  for (let i = 0; i < 3; i++) if (ra[i] !== rb[i]) return ra[i]! - rb[i]!;
  return a.localeCompare(b);
}

let derived: ResourceType[] | null | undefined;

/**
 * The built-in types of the contract, groups in document order and versions by priority; null
 * without the contract. Types answered without storage (reviews: create only, never read back) are
 * left out except those in `keep` (the hand table's reviews the fake does answer).
 */
export function builtinTypesFromContract(hand: readonly ResourceType[]): ResourceType[] | null {
  if (derived !== undefined) return derived;
  const contract = kubernetesContract();
  if (!contract) return derived = null;
  const found = new Map<string, Found>();
  for (const [path, item] of Object.entries(contract.paths)) {
    const split = splitPath(path);
    if (!split) continue;
    const [group, version, all] = split;
    // `/watch/...` paths are the deprecated form of `?watch=1`: they only add the watch verb.
    const watchPath = all[0] === "watch";
    const rest = watchPath ? all.slice(1) : all;
    // A v1.35 server serves GA versions by default; alpha and (since 1.24) new beta APIs are off.
    if (!/^v\d+$/.test(version)) continue;
    const at = resourceOfPath(rest);
    if (!at) continue;
    const key = `${group}/${version}/${at.resource}`;
    let entry = found.get(key);
    if (!entry) {
      entry = { group, version, resource: at.resource, namespaced: false, hasStatus: false, verbs: new Set() };
      found.set(key, entry);
    }
    if (at.sub !== undefined) {
      if (at.sub === "status" && !watchPath) entry.hasStatus = true;
      continue;
    }
    if (watchPath) {
      entry.verbs.add("watch");
      continue;
    }
    // The namespaced form decides the scope; the all-namespaces list `/apis/g/v/<plural>` is not cluster scope.
    if (at.namespaced) entry.namespaced = true;
    for (const [method, op] of Object.entries(item)) {
      if (method === "parameters" || Array.isArray(op)) continue;
      const operation = op as Operation;
      const verb = VERB_OF_ACTION[operation["x-kubernetes-action"] ?? ""];
      if (verb) entry.verbs.add(verb);
      entry.kind ??= operation["x-kubernetes-group-version-kind"]?.kind;
    }
  }
  const types: ResourceType[] = [];
  for (const f of found.values()) {
    if (f.kind === undefined || f.verbs.size === 0) continue;
    const known = hand.find((t) => t.group === f.group && t.resource === f.resource && t.kind === f.kind);
    const createOnly = !f.verbs.has("get");
    if (createOnly && !known?.createOnly) continue;
    types.push({
      group: f.group,
      version: f.version,
      resource: f.resource,
      singular: f.kind.toLowerCase(),
      kind: f.kind,
      listKind: `${f.kind}List`,
      namespaced: f.namespaced,
      shortNames: known?.shortNames ?? MORE_SHORT_NAMES[`${f.group}/${f.resource}`] ?? [],
      hasStatus: f.hasStatus,
      verbs: [...f.verbs].sort(),
      ...(createOnly ? { createOnly: true } : {}),
    });
  }
  const groupOrder = [...new Set(types.map((t) => t.group))];
  types.sort((a, b) =>
    groupOrder.indexOf(a.group) - groupOrder.indexOf(b.group) || compareVersions(a.version, b.version)
  );
  return derived = types;
}
