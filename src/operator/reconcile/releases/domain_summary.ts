/**
 * The releases' summary with what a domain adds (pure): the Cloudflare token copies and the
 * ClusterIssuers. The issuers' state goes into the message of cert-manager's `status.addons` entry (its
 * phase stays Helm's: the keys of `status.addons` are release names, and doctor counts releases), and
 * AddonsReady is True only once they are applied and the token is where the addons read it.
 *
 * @module
 */
import type { CloudflareSecretsResult } from "./cloudflare_secrets.ts";
import { CERT_MANAGER_RELEASE, type IssuersOutcome } from "./cluster_issuers.ts";
import type { ReleasesSummary } from "./summary.ts";

/** {@link withDomainAddons}' result: a {@link ReleasesSummary} whose reason may also be a domain's. */
export interface AddonsSummary extends Omit<ReleasesSummary, "reason"> {
  reason: ReleasesSummary["reason"] | "CloudflareTokenMissing" | "IssuersFailed";
  /** Nothing the operator does will help: only the missing token holds the phase (see `StepOutcome.external`). */
  external?: boolean;
}

/** Folds the domain's parts into the releases' summary; the summary unchanged without a domain. */
export function withDomainAddons(
  summary: ReleasesSummary,
  domain: {
    cloudflare?: CloudflareSecretsResult;
    issuers?: IssuersOutcome;
    blocked?: Readonly<Record<string, string>>;
  },
): AddonsSummary {
  const { cloudflare, issuers } = domain;
  if (!cloudflare && !issuers) return summary;
  const entries = { ...summary.entries };
  const certManager = entries[CERT_MANAGER_RELEASE];
  // Only once cert-manager is deployed: before, its own entry says what it waits for.
  const issuersShown = issuers !== undefined && certManager?.phase === "Installed";
  if (issuersShown) {
    entries[CERT_MANAGER_RELEASE] = { ...certManager, message: `${certManager.message}; ${issuers.message}` };
  }
  const missing = cloudflare?.missing;
  const issuersReady = issuers?.ready ?? true;
  const ready = summary.ready && issuersReady && !missing;
  const requeues = [summary.requeueAfterMs, issuers?.requeueAfterMs].filter((ms): ms is number => ms !== undefined);
  const requeue = requeues.length > 0 ? { requeueAfterMs: Math.min(...requeues) } : {};
  if (ready) {
    return { ...summary, entries, message: issuers ? `${summary.message}; ${issuers.message}` : summary.message };
  }
  const parts = [
    ...(missing ? [missing] : []),
    ...(summary.ready ? [] : [summary.message]),
    // Without a cert-manager entry (no such release) nothing else says what the issuers wait for.
    ...(!issuersReady && (issuersShown || !certManager) ? [`${CERT_MANAGER_RELEASE}: ${issuers!.message}`] : []),
  ];
  const reason = missing
    ? "CloudflareTokenMissing"
    : summary.reason === "InstallFailed"
    ? "InstallFailed"
    : issuers?.reason === "IssuersFailed"
    ? "IssuersFailed"
    : "Installing";
  // External only when every release not deployed is one that waits for the token.
  const blocked = new Set(Object.keys(domain.blocked ?? {}));
  const external = missing !== undefined && issuersReady &&
    Object.entries(entries).every(([name, entry]) => entry.phase === "Installed" || blocked.has(name));
  return { ...summary, ready: false, reason, message: parts.join("; "), entries, ...requeue, external };
}
