/**
 * An admin kubeconfig for a cluster: a client certificate with `O=system:masters`, `CN=admin`
 * issued from the bundle's Kubernetes CA, for the cluster's API endpoint.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { stringify } from "yaml";
import { issueCertificate, type RandomSource } from "./pki.ts";
import type { SecretsBundle } from "./secrets_bundle.ts";

/** Options of {@linkcode generateAdminKubeconfig}. */
export interface AdminKubeconfigOptions {
  clusterName: string;
  /** API server URL, e.g. `https://203.0.113.10:6443`. */
  endpoint: string;
  /** The injected clock: the client certificate starts here. */
  now: Date;
  /** Lifetime of the client certificate; 365 days when absent. */
  validityDays?: number;
  random?: RandomSource;
}

/** Issues an admin client certificate and renders the kubeconfig (context `admin@<cluster>`). */
export async function generateAdminKubeconfig(
  secrets: SecretsBundle,
  options: AdminKubeconfigOptions,
): Promise<string> {
  if (!/^https:\/\/\S+$/.test(options.endpoint)) {
    throw new TypeError(`Cannot render kubeconfig: endpoint "${options.endpoint}" must be an https:// URL`);
  }
  const client = await issueCertificate(secrets.certs.k8s, {
    algorithm: "ECDSA-P256",
    commonName: "admin",
    organization: ["system:masters"],
    usage: "client",
    notBefore: options.now,
    validityDays: options.validityDays ?? 365,
    random: options.random,
  });
  const user = `admin@${options.clusterName}`;
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{
      name: options.clusterName,
      cluster: { server: options.endpoint, "certificate-authority-data": b64(secrets.certs.k8s.certPem) },
    }],
    users: [{
      name: user,
      user: { "client-certificate-data": b64(client.certPem), "client-key-data": b64(client.keyPem) },
    }],
    contexts: [{ name: user, context: { cluster: options.clusterName, namespace: "default", user } }],
    "current-context": user,
    preferences: {},
  }, { lineWidth: 0 });
}

function b64(text: string): string {
  return Buffer.from(text, "utf8").toString("base64");
}
