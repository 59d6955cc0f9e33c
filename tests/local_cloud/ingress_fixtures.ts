/**
 * Objects the ingress stand-in tests seed into a fake cluster: the addon Deployments as their charts
 * run them (ready or not), the Cloudflare token Secret, and Ingresses as the Argo CD and Grafana charts
 * render them with a domain.
 *
 * @module
 */
import type { FakeKubeStore, KubeObj } from "../kube_fake/mod.ts";

/** A Deployment with `readyReplicas` as the workload controllers write it, and its first container. */
export function readyDeployment(
  namespace: string,
  name: string,
  options: { ready?: boolean; args?: string[]; env?: unknown[]; tolerateAll?: boolean } = {},
): KubeObj {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [{ name, image: `${name}:test`, args: options.args ?? [], env: options.env ?? [] }],
          // In a live local cloud: run on any Ready node, tainted or not (no CCM initialises them there).
          ...(options.tolerateAll ? { tolerations: [{ operator: "Exists" }] } : {}),
        },
      },
    },
    status: (options.ready ?? true) ? { replicas: 1, readyReplicas: 1, availableReplicas: 1 } : { replicas: 1 },
  };
}

/** The external-dns Deployment as the chart renders it for `owner` and `domain`. */
export function externalDnsDeployment(owner: string, domain: string, ready = true, tolerateAll = false): KubeObj {
  return readyDeployment("external-dns", "external-dns", {
    ready,
    tolerateAll,
    args: [
      "--log-level=info",
      "--interval=1m",
      "--source=ingress",
      "--policy=sync",
      "--registry=txt",
      `--txt-owner-id=${owner}`,
      `--domain-filter=${domain}`,
      "--provider=cloudflare",
    ],
    env: [{ name: "CF_API_TOKEN", valueFrom: { secretKeyRef: { name: "cloudflare-api-token", key: "api-token" } } }],
  });
}

/** The Secret the operator writes with the Cloudflare token. */
export function cloudflareSecret(namespace: string, token: string): KubeObj {
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "cloudflare-api-token", namespace },
    type: "Opaque",
    data: { "api-token": btoa(token) },
  };
}

/** An Ingress for `host` with TLS from `secretName` and the cluster-issuer annotation. */
export function tlsIngress(
  namespace: string,
  name: string,
  host: string,
  options: { secretName?: string; issuer?: string; service?: { name: string; port: number } } = {},
): KubeObj {
  const service = options.service ?? { name, port: 80 };
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: {
      name,
      namespace,
      annotations: { "cert-manager.io/cluster-issuer": options.issuer ?? "letsencrypt-prod" },
    },
    spec: {
      ingressClassName: "traefik",
      rules: [{
        host,
        http: {
          paths: [{
            path: "/",
            pathType: "Prefix",
            backend: { service: { name: service.name, port: { number: service.port } } },
          }],
        },
      }],
      tls: [{ hosts: [host], secretName: options.secretName ?? `${name}-tls` }],
    },
  };
}

/** Writes `status.loadBalancer.ingress` of an Ingress (what Traefik does; the Traefik stand-in in the cluster). */
export function setIngressAddresses(store: FakeKubeStore, namespace: string, name: string, ips: string[]): void {
  const ing = store.getObject("networking.k8s.io/v1", "Ingress", name, namespace)!;
  store.put({ ...ing, status: { loadBalancer: { ingress: ips.map((ip) => ({ ip })) } } });
}

/** A CustomResourceDefinition serving `group/v1` `kind` (any fields), as a chart's CRD makes it served. */
export function openCrd(group: string, kind: string, plural: string, scope: "Cluster" | "Namespaced"): KubeObj {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${plural}.${group}` },
    spec: {
      group,
      scope,
      names: { kind, plural, singular: kind.toLowerCase(), listKind: `${kind}List` },
      versions: [{
        name: "v1",
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } },
      }],
    },
  };
}

/** cert-manager as its chart runs it: the CRDs the stand-in uses and the controller and webhook Deployments. */
export function installCertManager(store: FakeKubeStore, ready = true, tolerateAll = false): void {
  store.put(openCrd("cert-manager.io", "ClusterIssuer", "clusterissuers", "Cluster"));
  store.put(openCrd("cert-manager.io", "Certificate", "certificates", "Namespaced"));
  for (const name of ["cert-manager", "cert-manager-webhook", "cert-manager-cainjector"]) {
    store.put(readyDeployment("cert-manager", name, { ready, tolerateAll }));
  }
}

/** A Let's Encrypt ClusterIssuer as the operator renders it (DNS-01 through Cloudflare). */
export function acmeClusterIssuer(name: string, server: string, domain: string): KubeObj {
  return {
    apiVersion: "cert-manager.io/v1",
    kind: "ClusterIssuer",
    metadata: { name },
    spec: {
      acme: {
        server,
        email: `admin@${domain}`,
        privateKeySecretRef: { name: `${name}-account-key` },
        solvers: [{
          selector: { dnsZones: [domain] },
          dns01: { cloudflare: { apiTokenSecretRef: { name: "cloudflare-api-token", key: "api-token" } } },
        }],
      },
    },
  };
}

/** The IngressClass the Traefik chart creates (default class, Traefik's controller). */
export function traefikIngressClass(): KubeObj {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "IngressClass",
    metadata: { name: "traefik", annotations: { "ingressclass.kubernetes.io/is-default-class": "true" } },
    spec: { controller: "traefik.io/ingress-controller" },
  };
}

/** A Service and the EndpointSlice the controller writes for it, with one endpoint `ready` or not. */
export function backendService(store: FakeKubeStore, namespace: string, name: string, ready = true): void {
  store.put({ apiVersion: "v1", kind: "Service", metadata: { name, namespace }, spec: { ports: [{ port: 80 }] } });
  store.put({
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: { name: `${name}-abcde`, namespace, labels: { "kubernetes.io/service-name": name } },
    addressType: "IPv4",
    endpoints: [{ addresses: ["10.244.1.10"], conditions: { ready } }],
    ports: [{ port: 8080, protocol: "TCP" }],
  });
}
