/**
 * The API server's admission webhook step, without running any webhook's logic: a create, update or
 * delete that a MutatingWebhookConfiguration or ValidatingWebhookConfiguration matches (rules:
 * operations, apiGroups, apiVersions, resources with `*` and subresources, scope; `namespaceSelector`,
 * `objectSelector`) needs the webhook's Service to have a ready endpoint, as the API server's service
 * resolver needs one to call it (`ResolveEndpoint` in k8s.io/apiserver/pkg/util/proxy, reading
 * EndpointSlices). Without one, `failurePolicy: Fail` (the default) refuses the request with the
 * API server's error, e.g.
 *
 *   500 InternalError: Internal error occurred: failed calling webhook "webhook.cert-manager.io": failed to call
 *   webhook: Post "https://cert-manager-webhook.cert-manager.svc:443/validate?timeout=30s": no endpoints available
 *   for service "cert-manager-webhook"
 *
 * and `Ignore` lets it through. With a ready endpoint the webhook counts as having allowed the request
 * unchanged. Webhooks called by `url` and `matchConditions` (CEL) are not modelled: such a webhook
 * counts as answering. Webhook configurations themselves are never subject to webhooks (as in
 * Kubernetes).
 *
 * @module
 */
import type { KubeObj } from "./object_meta.ts";
import type { ResourceType } from "./resources.ts";
import { matchLabelSelector } from "./selectors.ts";
import { KubeStatusError } from "./status.ts";

/** What a request does, in admission terms. */
export interface AdmissionAttributes {
  operation: "CREATE" | "UPDATE" | "DELETE";
  rt: ResourceType;
  namespace: string | undefined;
  subresource?: string;
  /** The object written (create/update) or deleted. */
  object: KubeObj | undefined;
  /** The stored object before an update or delete. */
  oldObject?: KubeObj;
}

/** The lookups admission needs from the store. */
export interface AdmissionLookups {
  list(apiVersion: string, kind: string, namespace?: string): KubeObj[];
  get(apiVersion: string, kind: string, name: string, namespace?: string): KubeObj | undefined;
}

interface Rule {
  operations?: string[];
  apiGroups?: string[];
  apiVersions?: string[];
  resources?: string[];
  scope?: string;
}

interface Webhook {
  name: string;
  rules?: Rule[];
  failurePolicy?: string;
  timeoutSeconds?: number;
  namespaceSelector?: unknown;
  objectSelector?: unknown;
  clientConfig?: { url?: string; service?: { namespace: string; name: string; path?: string; port?: number } };
}

const ADMISSION_GROUP = "admissionregistration.k8s.io";

function has(list: string[] | undefined, value: string): boolean {
  return (list ?? []).includes("*") || (list ?? []).includes(value);
}

function resourceMatches(patterns: string[] | undefined, resource: string, subresource: string | undefined): boolean {
  return (patterns ?? []).some((p) => {
    if (p === "*/*") return true;
    const [res, sub] = p.split("/", 2) as [string, string | undefined];
    if (subresource === undefined) return sub === undefined && (res === "*" || res === resource);
    return sub !== undefined && (res === "*" || res === resource) && (sub === "*" || sub === subresource);
  });
}

function ruleMatches(rule: Rule, a: AdmissionAttributes): boolean {
  const scope = rule.scope ?? "*";
  if (scope === "Namespaced" && !a.rt.namespaced) return false;
  if (scope === "Cluster" && a.rt.namespaced) return false;
  return has(rule.operations, a.operation) && has(rule.apiGroups, a.rt.group) &&
    has(rule.apiVersions, a.rt.version) && resourceMatches(rule.resources, a.rt.resource, a.subresource);
}

function labelsOf(obj: KubeObj | undefined): Record<string, string> {
  return ((obj?.metadata ?? {}) as { labels?: Record<string, string> }).labels ?? {};
}

function selects(selector: unknown, labels: Record<string, string>): boolean {
  if (selector === undefined || selector === null) return true;
  return matchLabelSelector(selector as never)({ metadata: { labels } });
}

function webhookMatches(hook: Webhook, a: AdmissionAttributes, store: AdmissionLookups): boolean {
  if (!(hook.rules ?? []).some((r) => ruleMatches(r, a))) return false;
  const isNamespace = a.rt.group === "" && a.rt.kind === "Namespace";
  if (a.rt.namespaced || isNamespace) {
    const nsLabels = isNamespace
      ? labelsOf(a.object ?? a.oldObject)
      : labelsOf(store.get("v1", "Namespace", a.namespace ?? ""));
    if (!selects(hook.namespaceSelector, nsLabels)) return false;
  }
  return selects(hook.objectSelector, labelsOf(a.object)) ||
    (a.oldObject !== undefined && selects(hook.objectSelector, labelsOf(a.oldObject)));
}

/** Why the API server could not reach the webhook's service, or undefined when it could. */
function unreachable(service: NonNullable<Webhook["clientConfig"]>["service"], store: AdmissionLookups) {
  if (!service) return undefined;
  const port = service.port ?? 443;
  const svc = store.get("v1", "Service", service.name, service.namespace);
  if (!svc) return `service "${service.name}" not found`;
  const ports = ((svc.spec ?? {}) as { ports?: Array<{ name?: string; port: number }> }).ports ?? [];
  const svcPort = ports.find((p) => p.port === port);
  if (!svcPort) return `no service port ${port} found for service "${service.name}"`;
  const slices = store.list("discovery.k8s.io/v1", "EndpointSlice", service.namespace).filter((s) =>
    labelsOf(s)["kubernetes.io/service-name"] === service.name
  );
  const ready = slices.some((slice) =>
    ((slice.ports ?? []) as Array<{ name?: string; port?: number }>).some((p) =>
      (p.name ?? "") === (svcPort.name ?? "") && p.port !== undefined
    ) &&
    ((slice.endpoints ?? []) as Array<{ conditions?: { ready?: boolean } }>).some((e) => e.conditions?.ready !== false)
  );
  return ready ? undefined : `no endpoints available for service "${service.name}"`;
}

/**
 * Runs the mutating, then the validating webhooks that match the request; throws the API server's 500
 * InternalError for the first `Fail` webhook it cannot call.
 */
export function admitByWebhooks(a: AdmissionAttributes, store: AdmissionLookups): void {
  if (a.rt.group === ADMISSION_GROUP) return;
  for (const kind of ["MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"]) {
    for (const config of store.list(`${ADMISSION_GROUP}/v1`, kind)) {
      for (const hook of (config.webhooks ?? []) as Webhook[]) {
        if (!webhookMatches(hook, a, store)) continue;
        const service = hook.clientConfig?.service;
        const why = unreachable(service, store);
        if (why === undefined || hook.failurePolicy === "Ignore") continue;
        const url = `https://${service!.name}.${service!.namespace}.svc:${service!.port ?? 443}${service!.path ?? ""}` +
          `?timeout=${hook.timeoutSeconds ?? 10}s`;
        const cause = `failed calling webhook "${hook.name}": failed to call webhook: Post "${url}": ${why}`;
        throw new KubeStatusError(500, "InternalError", `Internal error occurred: ${cause}`, {
          causes: [{ message: cause }],
        });
      }
    }
  }
}
