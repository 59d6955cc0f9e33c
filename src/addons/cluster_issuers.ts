/**
 * The Let's Encrypt ClusterIssuers of a cluster with a domain: `letsencrypt-cloudflare-staging` and
 * `letsencrypt-cloudflare-production`, both solving ACME DNS-01 challenges through Cloudflare with the
 * token in Secret {@link CLOUDFLARE_SECRET_NAME} (which the operator copies into cert-manager's namespace:
 * a ClusterIssuer's Secrets are read from there). Their solver answers only for names in the cluster's
 * domain, so a certificate for another zone fails plainly instead of trying a token that cannot edit it.
 *
 * Rendered by a pure function; the operator applies them once cert-manager's webhook answers
 * (`src/operator/reconcile/releases/cluster_issuers.ts`).
 *
 * @module
 */
import type { DesiredState } from "../config/mod.ts";
import type { KubeObject } from "../kube/types.ts";
import { LABEL_KEYS, MANAGED_BY } from "../lib/labels.ts";
import { CLOUDFLARE_SECRET_NAME, CLOUDFLARE_TOKEN_KEY } from "./cloud_secrets.ts";
import { sortKeysDeep } from "./sort_keys.ts";

/** API version of cert-manager's ClusterIssuer (cert-manager v1.21). */
export const CLUSTER_ISSUER_API_VERSION = "cert-manager.io/v1";
export const CLUSTER_ISSUER_KIND = "ClusterIssuer";

/** The ACME directory of each issuer (https://letsencrypt.org/docs/staging-environment/). */
export const ACME_SERVERS = {
  "letsencrypt-cloudflare-staging": "https://acme-staging-v02.api.letsencrypt.org/directory",
  "letsencrypt-cloudflare-production": "https://acme-v02.api.letsencrypt.org/directory",
} as const;

/** Name of an issuer. */
export type ClusterIssuerName = keyof typeof ACME_SERVERS;

/** Labels on every issuer k8zner renders (the operator finds them again by these). */
export const CLUSTER_ISSUER_LABELS: Readonly<Record<string, string>> = {
  "app.kubernetes.io/managed-by": MANAGED_BY,
  [LABEL_KEYS.managedBy]: MANAGED_BY,
};

/** The Secret in which cert-manager keeps an issuer's ACME account key (it creates it on registration). */
export function accountKeySecretName(issuer: ClusterIssuerName): string {
  return `${issuer}-account-key`;
}

/**
 * The issuers the desired state asks for, in its order (staging first); empty without a domain. Throws
 * RangeError when a domain is set but the contact address is empty.
 */
export function renderClusterIssuers(desired: DesiredState): KubeObject[] {
  const acme = desired.addons.certManager.acme;
  const domain = desired.addons.cloudflare?.domain;
  if (!acme || !domain || !desired.addons.certManager.enabled) return [];
  if (acme.email.trim() === "") {
    throw new RangeError("Cannot render the ClusterIssuers: the ACME contact address (cert_email) is empty");
  }
  return acme.issuers.map((name) =>
    sortKeysDeep({
      apiVersion: CLUSTER_ISSUER_API_VERSION,
      kind: CLUSTER_ISSUER_KIND,
      metadata: { name, labels: { ...CLUSTER_ISSUER_LABELS } },
      spec: {
        acme: {
          server: ACME_SERVERS[name],
          email: acme.email,
          privateKeySecretRef: { name: accountKeySecretName(name) },
          solvers: [{
            // A zone selector matches the name and every name below it.
            selector: { dnsZones: [domain] },
            dns01: {
              cloudflare: { apiTokenSecretRef: { name: CLOUDFLARE_SECRET_NAME, key: CLOUDFLARE_TOKEN_KEY } },
            },
          }],
        },
      },
    })
  );
}
