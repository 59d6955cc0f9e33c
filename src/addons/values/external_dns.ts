/**
 * Values of the external-dns chart: it publishes the hosts of the cluster's Ingresses in Cloudflare, with
 * the addresses Traefik writes into their status (the ingress load balancer's public IPs). Only with a
 * domain (the catalog leaves the release out otherwise).
 *
 * Ownership: every record it creates gets a TXT record saying `external-dns/owner=<cluster name>`
 * (`--txt-owner-id`), and it changes or deletes only records with that owner. `destroy` deletes exactly
 * these records, so two clusters can share one zone. The policy is explicit, `sync` (the chart's default
 * is `upsert-only`, which never deletes the record of a removed Ingress). `--domain-filter` keeps it to our
 * zone even when the token may edit others.
 *
 * The Cloudflare token is read from the Secret `cloudflare-api-token` in this release's namespace (the
 * operator writes it there before the install); records are not proxied by Cloudflare, so clients reach
 * the load balancer and the certificate cert-manager issued.
 *
 * @module
 */
import type { DesiredState } from "../../config/mod.ts";
import { CLOUDFLARE_SECRET_NAME, CLOUDFLARE_TOKEN_KEY } from "../cloud_secrets.ts";
import { sortKeysDeep } from "../sort_keys.ts";
import { monitored } from "./monitoring.ts";

/** Helm release name of external-dns. */
export const EXTERNAL_DNS_RELEASE = "external-dns";

/** Values for the `external-dns` release. Pure; keys sorted. */
export function renderExternalDnsValues(desired: DesiredState): Record<string, unknown> {
  const dns = desired.addons.externalDns;
  return sortKeysDeep({
    provider: { name: "cloudflare" },
    env: [{
      name: "CF_API_TOKEN",
      valueFrom: { secretKeyRef: { name: CLOUDFLARE_SECRET_NAME, key: CLOUDFLARE_TOKEN_KEY } },
    }],
    sources: [...dns.sources],
    policy: dns.policy,
    registry: "txt",
    txtOwnerId: dns.txtOwnerId,
    domainFilters: dns.domain === undefined ? [] : [dns.domain],
    // Sync errors and Cloudflare API failures in Prometheus, with monitoring (monitoring.ts).
    serviceMonitor: { enabled: monitored(desired) },
    // One replica (it has no leader election; the chart's Recreate strategy keeps two from racing on the
    // zone) and no budget: a budget over one pod would forbid draining its node, and a minute without it
    // only delays a DNS change.
  });
}
