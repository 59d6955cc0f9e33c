/**
 * Authorization as kube-apiserver's RBAC authorizer decides it (`plugin/pkg/auth/authorizer/rbac`),
 * from the Roles, ClusterRoles, RoleBindings and ClusterRoleBindings in the store, plus the defaults
 * every cluster has: `system:masters` may do anything; `system:public-info-viewer` lets everyone read
 * `/healthz`, `/livez`, `/readyz` and `/version`; `system:discovery` and `system:basic-user` let
 * authenticated users read discovery (`/api`, `/apis`, `/openapi`) and create self and access reviews.
 *
 * Matching (as `rbac/v1` helpers do): a verb or group matches when listed or `*`; a resource when
 * `*`, equal to `resource` or `resource/subresource`, or `*\/subresource`; `resourceNames`, when set,
 * must contain the request's name (so they never grant list, watch or create without a name).
 * A RoleBinding grants its role (a Role of its namespace or a ClusterRole) in its namespace only.
 *
 * @module
 */
import type { FakeKubeStore, KubeObj } from "./store.ts";
import type { UserInfo } from "./authn.ts";
import { KubeStatusError } from "./status.ts";

/** What a request asks to do. */
export type RequestAttributes =
  | {
    kind: "resource";
    verb: string;
    apiGroup: string;
    resource: string;
    subresource: string;
    namespace: string;
    name: string;
  }
  | { kind: "nonResource"; verb: string; path: string };

interface PolicyRule {
  verbs?: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

interface Subject {
  kind: string;
  name: string;
  namespace?: string;
}

const PUBLIC_PATHS = ["/healthz", "/livez", "/readyz", "/version"];
const DISCOVERY_PATHS = ["/api", "/api/*", "/apis", "/apis/*", "/openapi", "/openapi/*", ...PUBLIC_PATHS];

/** Whether `user` may do `attrs` in this store's cluster. */
export function rbacAllows(store: FakeKubeStore, user: UserInfo, attrs: RequestAttributes): boolean {
  if (user.groups.includes("system:masters")) return true;
  if (attrs.kind === "nonResource") {
    if (attrs.verb === "get" && PUBLIC_PATHS.includes(attrs.path)) return true;
    const authenticated = user.groups.includes("system:authenticated");
    if (authenticated && attrs.verb === "get" && DISCOVERY_PATHS.some((p) => urlMatches(p, attrs.path))) return true;
  } else if (
    user.groups.includes("system:authenticated") && attrs.verb === "create" &&
    attrs.apiGroup === "authorization.k8s.io" &&
    (attrs.resource === "selfsubjectaccessreviews" || attrs.resource === "selfsubjectrulesreviews")
  ) {
    return true;
  }
  return rulesFor(store, user, attrs.kind === "resource" ? attrs.namespace : "").some((rule) =>
    ruleAllows(rule, attrs)
  );
}

/** Throws the API server's 403 when `user` may not do `attrs`. */
export function authorize(store: FakeKubeStore, user: UserInfo, attrs: RequestAttributes): void {
  if (rbacAllows(store, user, attrs)) return;
  throw forbidden(user, attrs);
}

/** The 403 `Status` kube-apiserver answers (`responsewriters.Forbidden`, `forbiddenMessage`). */
export function forbidden(user: UserInfo, attrs: RequestAttributes): KubeStatusError {
  if (attrs.kind === "nonResource") {
    return new KubeStatusError(
      403,
      "Forbidden",
      `forbidden: User "${user.name}" cannot ${attrs.verb} path "${attrs.path}"`,
    );
  }
  const resource = attrs.subresource ? `${attrs.resource}/${attrs.subresource}` : attrs.resource;
  const where = attrs.namespace ? `in the namespace "${attrs.namespace}"` : "at the cluster scope";
  const reason =
    `User "${user.name}" cannot ${attrs.verb} resource "${resource}" in API group "${attrs.apiGroup}" ${where}`;
  const qualified = attrs.apiGroup === "" ? attrs.resource : `${attrs.resource}.${attrs.apiGroup}`;
  const subject = attrs.name ? `${qualified} "${attrs.name}"` : qualified;
  const details: Record<string, unknown> = { kind: attrs.resource };
  if (attrs.name) details.name = attrs.name;
  if (attrs.apiGroup) details.group = attrs.apiGroup;
  return new KubeStatusError(403, "Forbidden", `${subject} is forbidden: ${reason}`, details);
}

/**
 * Answers a SelfSubjectAccessReview (what `kubectl auth can-i` sends): may the caller do what
 * `spec.resourceAttributes` or `spec.nonResourceAttributes` describe? Under AlwaysAllow, yes.
 */
export function reviewSelfSubjectAccess(
  store: FakeKubeStore,
  user: UserInfo,
  body: KubeObj,
  mode: "AlwaysAllow" | "RBAC",
): KubeObj {
  const spec = (body.spec ?? {}) as {
    resourceAttributes?: Record<string, string | undefined>;
    nonResourceAttributes?: { path?: string; verb?: string };
  };
  let attrs: RequestAttributes;
  if (spec.resourceAttributes) {
    const r = spec.resourceAttributes;
    attrs = {
      kind: "resource",
      verb: r.verb ?? "",
      apiGroup: r.group ?? "",
      resource: r.resource ?? "",
      subresource: r.subresource ?? "",
      namespace: r.namespace ?? "",
      name: r.name ?? "",
    };
  } else if (spec.nonResourceAttributes) {
    attrs = {
      kind: "nonResource",
      verb: spec.nonResourceAttributes.verb ?? "",
      path: spec.nonResourceAttributes.path ?? "",
    };
  } else {
    throw new KubeStatusError(
      422,
      "Invalid",
      `SelfSubjectAccessReview.authorization.k8s.io "" is invalid: spec.resourceAttributes: Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified`,
    );
  }
  const allowed = mode === "AlwaysAllow" || rbacAllows(store, user, attrs);
  return {
    apiVersion: "authorization.k8s.io/v1",
    kind: "SelfSubjectAccessReview",
    metadata: { creationTimestamp: null },
    spec,
    status: { allowed },
  };
}

function ruleAllows(rule: PolicyRule, attrs: RequestAttributes): boolean {
  if (!matchesAny(rule.verbs, attrs.verb)) return false;
  if (attrs.kind === "nonResource") {
    return (rule.nonResourceURLs ?? []).some((pattern) => urlMatches(pattern, attrs.path));
  }
  if (!matchesAny(rule.apiGroups, attrs.apiGroup)) return false;
  const combined = attrs.subresource ? `${attrs.resource}/${attrs.subresource}` : attrs.resource;
  const resourceOk = (rule.resources ?? []).some((r) =>
    r === "*" || r === combined || (attrs.subresource !== "" && r === `*/${attrs.subresource}`)
  );
  if (!resourceOk) return false;
  const names = rule.resourceNames ?? [];
  return names.length === 0 || names.includes(attrs.name);
}

function matchesAny(list: string[] | undefined, value: string): boolean {
  return (list ?? []).some((v) => v === "*" || v === value);
}

function urlMatches(pattern: string, path: string): boolean {
  if (pattern === "*" || pattern === path) return true;
  return pattern.endsWith("*") && path.startsWith(pattern.slice(0, -1));
}

/** Every rule granted to `user` cluster-wide and, for a namespaced request, in `namespace`. */
function rulesFor(store: FakeKubeStore, user: UserInfo, namespace: string): PolicyRule[] {
  const rbac = "rbac.authorization.k8s.io/v1";
  const rules: PolicyRule[] = [];
  const roleRules = (obj: KubeObj | undefined) => (obj?.rules as PolicyRule[] | undefined) ?? [];
  for (const binding of store.listObjects(rbac, "ClusterRoleBinding")) {
    if (!appliesTo(binding, user, "")) continue;
    const ref = binding.roleRef as { kind?: string; name?: string } | undefined;
    if (ref?.kind === "ClusterRole") rules.push(...roleRules(store.getObject(rbac, "ClusterRole", ref.name ?? "")));
  }
  if (namespace === "") return rules;
  for (const binding of store.listObjects(rbac, "RoleBinding", namespace)) {
    if (!appliesTo(binding, user, namespace)) continue;
    const ref = binding.roleRef as { kind?: string; name?: string } | undefined;
    if (ref?.kind === "ClusterRole") rules.push(...roleRules(store.getObject(rbac, "ClusterRole", ref.name ?? "")));
    if (ref?.kind === "Role") rules.push(...roleRules(store.getObject(rbac, "Role", ref.name ?? "", namespace)));
  }
  return rules;
}

/** `appliesToUser`: a ServiceAccount subject without a namespace means the binding's namespace. */
function appliesTo(binding: KubeObj, user: UserInfo, bindingNamespace: string): boolean {
  const subjects = (binding.subjects as Subject[] | undefined) ?? [];
  return subjects.some((s) => {
    if (s.kind === "User") return s.name === user.name;
    if (s.kind === "Group") return user.groups.includes(s.name);
    if (s.kind === "ServiceAccount") {
      const ns = s.namespace || bindingNamespace;
      return ns !== "" && user.name === `system:serviceaccount:${ns}:${s.name}`;
    }
    return false;
  });
}
