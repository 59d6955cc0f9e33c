/**
 * Values of the cert-manager chart. Its CRDs come through the chart (`crds.enabled`, kept on uninstall:
 * deleting them would delete every Certificate with them). The ClusterIssuers are not part of this release:
 * the operator applies them once the webhook answers (they need the CRDs and the webhook, which a chart
 * cannot wait for within one install).
 *
 * `startupapicheck` is off: it is a post-install Job that polls until the webhook answers, so `helm --wait`
 * would also wait for it, and a slow image pull on a fresh node makes it fail the whole release after
 * its one-minute timeout. The operator's own check (the issuers' apply) covers what it tests.
 *
 * @module
 */
import type { DesiredState } from "../../config/mod.ts";
import { sortKeysDeep } from "../sort_keys.ts";
import { PRODUCTION_ISSUER } from "./ingress.ts";
import { monitored } from "./monitoring.ts";
import { podNetworkTolerations, spreadByHostname } from "./scheduling.ts";

/** Helm release name of cert-manager. */
export const CERT_MANAGER_RELEASE = "cert-manager";

/** Values for the `cert-manager` release. Pure; keys sorted. */
export function renderCertManagerValues(desired: DesiredState): Record<string, unknown> {
  // Two of each in ha clusters: leader election keeps one controller active, and the webhook (called by the
  // API server for every cert-manager object) stays up while a node is replaced.
  const replicas = desired.kubernetes.controlPlaneCount > 1 ? 2 : 1;
  const component = (name: string, app: string) => ({
    replicaCount: replicas,
    // It may run on the control planes like the other cluster services: an ha cluster keeps it there
    // whatever workers come and go.
    tolerations: podNetworkTolerations(),
    topologySpreadConstraints: spreadByHostname({
      "app.kubernetes.io/name": app,
      "app.kubernetes.io/instance": CERT_MANAGER_RELEASE,
      "app.kubernetes.io/component": name,
    }),
    // Only with two replicas: a budget over one pod would forbid draining its node.
    podDisruptionBudget: { enabled: replicas > 1, maxUnavailable: 1 },
  });
  const acme = desired.addons.certManager.acme;
  return sortKeysDeep({
    crds: { enabled: true, keep: true },
    ...component("controller", "cert-manager"),
    webhook: component("webhook", "webhook"),
    cainjector: component("cainjector", "cainjector"),
    startupapicheck: { enabled: false },
    // Certificate expiry and ACME errors in Prometheus, with monitoring (monitoring.ts).
    prometheus: { enabled: true, servicemonitor: { enabled: monitored(desired) } },
    // An ingress with `kubernetes.io/tls-acme: "true"` gets its certificate from our production issuer.
    ingressShim: { defaultIssuerKind: "ClusterIssuer", ...(acme ? { defaultIssuerName: PRODUCTION_ISSUER } : {}) },
  });
}
