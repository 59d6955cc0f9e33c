/**
 * What Traefik (v3, kubernetesIngress provider, `publishedService` on) does for a cluster's Ingresses,
 * played only while its Deployment (`traefik/traefik`) reports a ready replica:
 *
 * - the Ingresses of its class (an `IngressClass` whose controller is `traefik.io/ingress-controller`, by
 *   name or as the default class; class `traefik` when the API serves no IngressClass) get
 *   `status.loadBalancer.ingress` copied from the published Service `traefik/traefik` (what the CCM wrote);
 * - requests: the `web` and `websecure` entrypoints answer on the Service's node ports of every Node's
 *   server (so a Hetzner load balancer service `443 -> <node port>` reaches them). On websecure the SNI
 *   name picks the certificate of the Ingress TLS entry listing that host (its `kubernetes.io/tls`
 *   Secret), else Traefik's self-signed `TRAEFIK DEFAULT CERT`. A request is routed by host and path
 *   (Exact, or Prefix by path elements; the longest path wins) to the Ingress backend Service; with a
 *   ready endpoint (or, without EndpointSlices in the API, an existing Service) the backend answers 200,
 *   otherwise Traefik has no router and answers `404 page not found` (allowEmptyServices is false).
 *
 * The backend's answer is a stand-in: a short text naming the Service, not the application.
 *
 * @module
 */
import { servesKind } from "./workload_pods.ts";
import { createSecureContext, type SecureContext } from "node:tls";
import type { FakeKubeStore, KubeObj } from "../kube_fake/mod.ts";
import { generateCa, issueCertificate } from "../../src/talos/pki.ts";
import { deploymentReady, secretValue } from "./ready_workload.ts";

/** The Deployment whose ready replicas turn the stand-in on, and the Service it publishes. */
export const TRAEFIK_DEPLOYMENT = { namespace: "traefik", name: "traefik" } as const;
/** The controller name of Traefik's IngressClass. */
export const TRAEFIK_CONTROLLER = "traefik.io/ingress-controller";
const DEFAULT_CLASS_ANNOTATION = "ingressclass.kubernetes.io/is-default-class";

interface Meta {
  name: string;
  namespace?: string;
  annotations?: Record<string, string>;
  resourceVersion?: string;
}

interface IngressSpec {
  ingressClassName?: string;
  defaultBackend?: Backend;
  rules?: { host?: string; http?: { paths?: { path?: string; pathType?: string; backend: Backend }[] } }[];
  tls?: { hosts?: string[]; secretName?: string }[];
}

interface Backend {
  service?: { name: string; port?: { number?: number; name?: string } };
}

/** The Ingresses Traefik handles. */
export function traefikIngresses(store: FakeKubeStore): KubeObj[] {
  const classesServed = servesKind(store, "networking.k8s.io/v1", "IngressClass");
  const classes = classesServed ? store.listObjects("networking.k8s.io/v1", "IngressClass") : [];
  const ours = new Set(
    classes.filter((c) => (c.spec as { controller?: string } | undefined)?.controller === TRAEFIK_CONTROLLER)
      .map((c) => (c.metadata as Meta).name),
  );
  const isDefault = classes.some((c) =>
    ours.has((c.metadata as Meta).name) && (c.metadata as Meta).annotations?.[DEFAULT_CLASS_ANNOTATION] === "true"
  );
  return store.listObjects("networking.k8s.io/v1", "Ingress").filter((ing) => {
    const cls = (ing.spec as IngressSpec | undefined)?.ingressClassName ??
      (ing.metadata as Meta).annotations?.["kubernetes.io/ingress.class"];
    if (cls === undefined) return isDefault;
    return classesServed ? ours.has(cls) : cls === "traefik";
  });
}

/** The node ports of the published Service's `web` (80) and `websecure` (443) ports. */
export function traefikNodePorts(store: FakeKubeStore): { web?: number; websecure?: number } {
  const svc = store.getObject("v1", "Service", TRAEFIK_DEPLOYMENT.name, TRAEFIK_DEPLOYMENT.namespace);
  const ports = ((svc?.spec ?? {}) as { ports?: { name?: string; port: number; nodePort?: number }[] }).ports ?? [];
  const find = (name: string, port: number) => ports.find((p) => p.name === name || p.port === port)?.nodePort;
  const web = find("web", 80);
  const websecure = find("websecure", 443);
  return { ...(web ? { web } : {}), ...(websecure ? { websecure } : {}) };
}

/** One pass of the status updater; returns the Ingresses whose status changed. */
export function reconcileTraefikIngressStatus(store: FakeKubeStore): string[] {
  if (!deploymentReady(store, TRAEFIK_DEPLOYMENT)) return [];
  const svc = store.getObject("v1", "Service", TRAEFIK_DEPLOYMENT.name, TRAEFIK_DEPLOYMENT.namespace);
  const lbIngress = ((svc?.status ?? {}) as { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } })
    .loadBalancer?.ingress ?? [];
  // Ingress status has no ipMode: Traefik copies the address (and host name) only.
  const ingress = lbIngress.map((i) => ({
    ...(i.ip ? { ip: i.ip } : {}),
    ...(i.hostname ? { hostname: i.hostname } : {}),
  }));
  const changed: string[] = [];
  for (const ing of traefikIngresses(store)) {
    const status = ingress.length > 0 ? { loadBalancer: { ingress } } : { loadBalancer: {} };
    if (JSON.stringify(ing.status ?? {}) === JSON.stringify(status)) continue;
    store.put({ ...ing, status });
    const meta = ing.metadata as Meta;
    changed.push(`${meta.namespace}/${meta.name}`);
  }
  return changed;
}

/** Where a request for `host` and `path` goes: the backend Service, or undefined (404). */
export function routeRequest(
  store: FakeKubeStore,
  host: string,
  path: string,
): { namespace: string; service: string; port: string } | undefined {
  const h = host.toLowerCase().replace(/\.$/, "");
  let best: { length: number; backend: Backend; namespace: string } | undefined;
  for (const ing of traefikIngresses(store)) {
    const spec = (ing.spec ?? {}) as IngressSpec;
    const namespace = (ing.metadata as Meta).namespace!;
    for (const rule of spec.rules ?? []) {
      if (rule.host !== undefined && !hostMatches(h, rule.host)) continue;
      for (const p of rule.http?.paths ?? []) {
        const length = pathMatch(path, p.path ?? "/", p.pathType ?? "Prefix");
        if (length >= 0 && (!best || length > best.length)) best = { length, backend: p.backend, namespace };
      }
    }
    if (!best && spec.defaultBackend) best = { length: -1, backend: spec.defaultBackend, namespace };
  }
  const svc = best?.backend.service;
  if (!best || !svc || !hasEndpoints(store, best.namespace, svc.name)) return undefined;
  return { namespace: best.namespace, service: svc.name, port: String(svc.port?.number ?? svc.port?.name ?? "") };
}

function hostMatches(host: string, pattern: string): boolean {
  const p = pattern.toLowerCase();
  if (!p.startsWith("*.")) return host === p;
  const dot = host.indexOf(".");
  return dot > 0 && host.slice(dot + 1) === p.slice(2);
}

/** The length of the matched path, or -1. Prefix matches whole path elements (`/foo` matches `/foo/bar`). */
function pathMatch(path: string, rulePath: string, pathType: string): number {
  if (pathType === "Exact") return path === rulePath ? rulePath.length : -1;
  const prefix = rulePath.replace(/\/+$/, "");
  if (prefix === "") return 0;
  return path === prefix || path.startsWith(`${prefix}/`) ? prefix.length : -1;
}

function hasEndpoints(store: FakeKubeStore, namespace: string, service: string): boolean {
  if (!store.getObject("v1", "Service", service, namespace)) return false;
  if (!servesKind(store, "discovery.k8s.io/v1", "EndpointSlice")) return true;
  return store.listObjects("discovery.k8s.io/v1", "EndpointSlice", namespace).some((slice) =>
    (slice.metadata as { labels?: Record<string, string> }).labels?.["kubernetes.io/service-name"] === service &&
    ((slice.endpoints ?? []) as { conditions?: { ready?: boolean } }[]).some((e) => e.conditions?.ready !== false)
  );
}

/** The TLS Secrets (namespace, name) of the Ingress TLS entries listing `host`, in Ingress order. */
export function tlsSecretsFor(store: FakeKubeStore, host: string): { namespace: string; name: string }[] {
  const h = host.toLowerCase();
  const out: { namespace: string; name: string }[] = [];
  for (const ing of traefikIngresses(store)) {
    for (const entry of ((ing.spec ?? {}) as IngressSpec).tls ?? []) {
      if (entry.secretName && (entry.hosts ?? []).some((x) => hostMatches(h, x))) {
        out.push({ namespace: (ing.metadata as Meta).namespace!, name: entry.secretName });
      }
    }
  }
  return out;
}

/** A self-signed certificate like the one Traefik generates when no certificate matches. */
export async function traefikDefaultCertificate(now: Date): Promise<{ certPem: string; keyPem: string }> {
  const notBefore = new Date(now.getTime() - 3_600_000);
  const ca = await generateCa({
    algorithm: "ECDSA-P256",
    commonName: "TRAEFIK DEFAULT CERT",
    notBefore,
    validityDays: 365,
  });
  return await issueCertificate(ca, {
    algorithm: "ECDSA-P256",
    commonName: "TRAEFIK DEFAULT CERT",
    dnsNames: ["e9f2c2bd0b2b4e3c9b8d.traefik.default"],
    usage: "server",
    notBefore,
    validityDays: 365,
  });
}

/**
 * The secure context for SNI `host`: the first TLS Secret of an Ingress listing it that exists and holds
 * a usable pair (Traefik skips the others, logging them), else Traefik's default certificate.
 */
export function secureContextFor(
  store: FakeKubeStore,
  host: string | undefined,
  fallback: SecureContext,
  cache: Map<string, SecureContext>,
): SecureContext {
  for (const ref of host ? tlsSecretsFor(store, host) : []) {
    const secret = store.getObject("v1", "Secret", ref.name, ref.namespace);
    const cert = secretValue(store, ref.namespace, ref.name, "tls.crt");
    const key = secretValue(store, ref.namespace, ref.name, "tls.key");
    if (!secret || !cert || !key) continue;
    const cacheKey = `${ref.namespace}/${ref.name}@${(secret.metadata as Meta).resourceVersion}`;
    let ctx = cache.get(cacheKey);
    if (!ctx) {
      try {
        ctx = createSecureContext({ cert, key });
      } catch {
        continue;
      }
      cache.set(cacheKey, ctx);
    }
    return ctx;
  }
  return fallback;
}
