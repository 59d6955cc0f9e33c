/**
 * The Kubernetes side of a cluster as the local cloud needs it, read from the control-plane machine
 * config applied to a fake Talos node: cluster name, API endpoint and the Kubernetes CA
 * (`cluster.ca`, base64 PEM with the key in Talos's form). From that CA it issues the fake API
 * server's serving certificate and admin kubeconfigs, as a real control plane would.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { parseAllDocuments, stringify } from "yaml";
import { cidrHost } from "../../src/lib/cidr.ts";
import {
  type CertificateAndKey,
  type CertificateAuthority,
  issueCertificate,
  toPkcs8KeyPem,
} from "../../src/talos/pki.ts";

/** What a control-plane config says about its Kubernetes cluster. */
export interface KubeClusterFacts {
  clusterName: string;
  /** `cluster.controlPlane.endpoint`, e.g. `https://127.0.200.1:6443`. */
  endpoint: string;
  /** The Kubernetes CA with its key as PKCS#8 PEM. */
  ca: CertificateAuthority;
  /** `cluster.apiServer.certSANs`. */
  certSans: string[];
  /** The version tag of `cluster.apiServer.image` (e.g. `v1.36.3`), what `/version` reports. */
  kubernetesVersion: string | undefined;
  /** `cluster.network.dnsDomain` (default `cluster.local`). */
  dnsDomain: string;
  /** The first `cluster.network.serviceSubnets` entry (default `10.96.0.0/12`). */
  serviceSubnet: string;
}

/**
 * Reads the cluster facts of a control-plane config; `undefined` when the config has no Kubernetes CA
 * key (a worker) or no endpoint. Throws `TypeError` naming the field when a present field is malformed.
 */
export function readKubeClusterFacts(configYaml: string): KubeClusterFacts | undefined {
  let v1: Record<string, unknown> | undefined;
  for (const doc of parseAllDocuments(configYaml)) {
    const value = doc.toJS();
    if (value && typeof value === "object" && value.version === "v1alpha1") v1 = value;
  }
  const cluster = v1?.cluster as Record<string, unknown> | undefined;
  if (!cluster) return undefined;
  const ca = (cluster.ca ?? {}) as Record<string, unknown>;
  const endpoint = (cluster.controlPlane as Record<string, unknown> | undefined)?.endpoint;
  if (typeof ca.crt !== "string" || typeof ca.key !== "string" || typeof endpoint !== "string") return undefined;
  const certPem = decodePem(ca.crt, "cluster.ca.crt");
  const keyPem = toPkcs8KeyPem(decodePem(ca.key, "cluster.ca.key"));
  const apiServer = (cluster.apiServer ?? {}) as Record<string, unknown>;
  const network = (cluster.network ?? {}) as Record<string, unknown>;
  const serviceSubnets = Array.isArray(network.serviceSubnets) ? network.serviceSubnets.map(String) : [];
  return {
    clusterName: typeof cluster.clusterName === "string" ? cluster.clusterName : "kubernetes",
    endpoint,
    ca: { certPem, keyPem },
    certSans: Array.isArray(apiServer.certSANs) ? apiServer.certSANs.map(String) : [],
    kubernetesVersion: typeof apiServer.image === "string"
      ? apiServer.image.match(/:(v\d+\.\d+\.\d+)$/)?.[1]
      : undefined,
    dnsDomain: typeof network.dnsDomain === "string" ? network.dnsDomain : "cluster.local",
    serviceSubnet: serviceSubnets[0] ?? "10.96.0.0/12",
  };
}

/**
 * The SANs a control plane's kube-apiserver certificate carries, as Talos builds them: the node's own
 * addresses and hostname, `cluster.apiServer.certSANs`, the host of the cluster endpoint, the
 * in-cluster names (`kubernetes`, `kubernetes.default`, `….svc`, `….svc.<dnsDomain>`), the first
 * service IP, and `localhost`. Nothing else: a client that reaches the API at any other address fails
 * TLS verification, as against a real cluster.
 */
export function apiServerCertSans(
  facts: KubeClusterFacts,
  node: { hostname: string; addresses: string[] },
): string[] {
  const host = endpointHost(facts.endpoint);
  return [
    ...new Set([
      ...node.addresses,
      node.hostname,
      ...facts.certSans,
      ...(host ? [host] : []),
      "kubernetes",
      "kubernetes.default",
      "kubernetes.default.svc",
      `kubernetes.default.svc.${facts.dnsDomain}`,
      cidrHost(facts.serviceSubnet, 1),
      "localhost",
    ]),
  ];
}

/** The API server's serving certificate for exactly `names` (IPs and DNS names), issued by the cluster CA. */
export async function issueApiServingCert(
  ca: CertificateAuthority,
  names: string[],
  now: Date,
): Promise<CertificateAndKey> {
  return await issueCertificate(ca, {
    algorithm: "ECDSA-P256",
    commonName: "kube-apiserver",
    ipAddresses: names.filter(isIpv4),
    dnsNames: names.filter((n) => !isIpv4(n)),
    usage: "server",
    notBefore: new Date(now.getTime() - 60 * 60 * 1000),
    validityDays: 365,
  });
}

/**
 * An admin kubeconfig for the cluster, as Talos's Kubeconfig API returns it: the endpoint from the config,
 * the cluster CA, and a fresh client certificate `CN=admin, O=system:masters` issued by that CA.
 */
export async function renderAdminKubeconfig(facts: KubeClusterFacts, now: Date): Promise<string> {
  const client = await issueCertificate(facts.ca, {
    algorithm: "ECDSA-P256",
    commonName: "admin",
    organization: ["system:masters"],
    usage: "client",
    notBefore: new Date(now.getTime() - 60 * 60 * 1000),
    validityDays: 365,
  });
  const user = `admin@${facts.clusterName}`;
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{
      name: facts.clusterName,
      cluster: { server: facts.endpoint, "certificate-authority-data": b64(facts.ca.certPem) },
    }],
    users: [{
      name: user,
      user: { "client-certificate-data": b64(client.certPem), "client-key-data": b64(client.keyPem) },
    }],
    contexts: [{ name: user, context: { cluster: facts.clusterName, namespace: "default", user } }],
    "current-context": user,
  }, { lineWidth: 0 });
}

/** The host part of an `https://host:port` endpoint. */
export function endpointHost(endpoint: string): string | undefined {
  try {
    return new URL(endpoint).hostname.replace(/^\[|\]$/g, "");
  } catch {
    return undefined;
  }
}

function decodePem(value: string, field: string): string {
  const pem = Buffer.from(value.replace(/\s+/g, ""), "base64").toString("utf8");
  if (!pem.includes("-----BEGIN")) throw new TypeError(`Cannot read ${field}: not a base64-encoded PEM`);
  return pem;
}

function b64(text: string): string {
  return Buffer.from(text, "utf8").toString("base64");
}

function isIpv4(value: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(value);
}
