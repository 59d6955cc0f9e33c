/**
 * What the ingresses of our web UIs (Argo CD, Grafana) share, and only with a domain: Traefik's class,
 * a certificate from the production ClusterIssuer (cert-manager's ingress-shim reads the annotation and
 * creates the Certificate for the TLS Secret the ingress names), and the host for external-dns, which
 * publishes it in Cloudflare with the Traefik load balancer's public addresses.
 *
 * @module
 */
import type { DesiredState } from "../../config/mod.ts";

/** The ClusterIssuer our ingresses take certificates from (the second of `certManager.acme.issuers`). */
export const PRODUCTION_ISSUER: NonNullable<DesiredState["addons"]["certManager"]["acme"]>["issuers"][1] =
  "letsencrypt-cloudflare-production";

/** cert-manager's ingress-shim annotation naming a ClusterIssuer. */
export const CLUSTER_ISSUER_ANNOTATION = "cert-manager.io/cluster-issuer";
/** external-dns publishes the hosts this annotation names (besides the rules' hosts). */
export const EXTERNAL_DNS_HOSTNAME_ANNOTATION = "external-dns.alpha.kubernetes.io/hostname";

/** Annotations of an ingress for `host`. */
export function ingressAnnotations(host: string): Record<string, string> {
  return { [CLUSTER_ISSUER_ANNOTATION]: PRODUCTION_ISSUER, [EXTERNAL_DNS_HOSTNAME_ANNOTATION]: host };
}
