/**
 * Values of the Argo CD chart. With a domain, the UI is at `https://<argo_subdomain>.<domain>` through
 * Traefik: TLS ends there (certificate from the production ClusterIssuer into the chart's fixed Secret
 * `argocd-server-tls`), so argocd-server serves plain HTTP (`server.insecure`). Without a domain there is
 * no ingress: `k8zner secrets` prints the port-forward to {@link ARGOCD_SERVER_SERVICE}.
 *
 * Dex is off (no SSO is configured; the admin password stays in the Secret `argocd-initial-admin-secret`
 * that argocd-server creates). Resource names are the chart's for release `argo-cd` (`argo-cd-argocd-server`,
 * ...), the names `k8zner secrets` prints (src/bootstrap/credentials_report.ts; the helm template test checks
 * they agree: the earlier implementation looked for `argocd-server` and found nothing, inventory §6.3).
 *
 * With `ha` (several control planes) the chart's high-availability layout: Redis through redis-ha
 * (three Redis with Sentinel behind HAProxy) and two of each stateless server. redis-ha's anti-affinity is
 * made preferred instead of required: required, three replicas need three schedulable workers, and an ha
 * cluster may have one.
 *
 * @module
 */
import type { DesiredState } from "../../config/mod.ts";
import { sortKeysDeep } from "../sort_keys.ts";
import { ingressAnnotations } from "./ingress.ts";
import { monitored } from "./monitoring.ts";

/** Helm release name of Argo CD. */
export const ARGOCD_RELEASE = "argo-cd";
/** The UI's Service (port 80, plain HTTP: `server.insecure`): the chart's `<release>-argocd-server`. */
export const ARGOCD_SERVER_SERVICE = `${ARGOCD_RELEASE}-argocd-server`;
/** The TLS Secret the chart's server ingress names (fixed in the chart). */
export const ARGOCD_TLS_SECRET = "argocd-server-tls";
/** Where the UI is without a domain: `kubectl -n argocd port-forward svc/argo-cd-argocd-server 8080:80`. */
export const ARGOCD_LOCAL_URL = "http://localhost:8080";

/** Values for the `argo-cd` release. Pure; keys sorted. */
export function renderArgocdValues(desired: DesiredState): Record<string, unknown> {
  const { ha, host } = desired.addons.argocd;
  const replicas = ha ? 2 : 1;
  // Two replicas may lose one at a time; a budget over one pod would forbid draining its node.
  const pdb = { enabled: ha, maxUnavailable: 1 };
  // Sync and repository metrics through ServiceMonitors, with monitoring (monitoring.ts).
  const metrics = { enabled: monitored(desired), serviceMonitor: { enabled: monitored(desired) } };
  return sortKeysDeep({
    // The chart's default `argocd.example.com` would become Argo CD's external URL.
    ...(host ? { global: { domain: host } } : {}),
    configs: {
      params: { "server.insecure": true },
      ...(host ? {} : { cm: { url: ARGOCD_LOCAL_URL } }),
    },
    dex: { enabled: false },
    server: {
      replicas,
      pdb,
      metrics,
      ingress: host
        ? {
          enabled: true,
          ingressClassName: desired.addons.traefik.ingressClass,
          hostname: host,
          tls: true,
          annotations: ingressAnnotations(host),
        }
        : { enabled: false },
    },
    repoServer: { replicas, pdb, metrics },
    applicationSet: { replicas, pdb, metrics },
    // One application controller: it shards by cluster and we have one; a restart only pauses syncing.
    controller: { replicas: 1, metrics },
    redis: { enabled: !ha },
    "redis-ha": ha
      ? { enabled: true, hardAntiAffinity: false, haproxy: { hardAntiAffinity: false } }
      : { enabled: false },
  });
}
