/**
 * The Let's Encrypt ClusterIssuers of a cluster with a domain (`src/addons/cluster_issuers.ts`), applied
 * by server-side apply once the `cert-manager` release of this pass is deployed and ready. Ready pods are
 * not enough: cert-manager's validating webhook (failurePolicy Fail, every cert-manager.io object) may
 * have no endpoint yet, or a serving certificate the API server does not trust yet. The API server then
 * refuses the apply with 500 "failed calling webhook": that means "not yet", reported as such and tried
 * again after {@link WEBHOOK_POLL_MS}; any other error is reported as it is.
 *
 * A converged pass costs one list (the issuers k8zner labelled) and applies nothing; an issuer is
 * re-applied only when its spec or labels differ from the rendered ones (another email, a changed domain,
 * an edit by hand).
 *
 * @module
 */
import {
  CLUSTER_ISSUER_API_VERSION,
  CLUSTER_ISSUER_KIND,
  renderClusterIssuers,
} from "../../../addons/cluster_issuers.ts";
import { CERT_MANAGER_RELEASE } from "../../../addons/values/cert_manager.ts";
import { isKubeError, type KubeObject } from "../../../kube/mod.ts";
import { LABEL_KEYS, MANAGED_BY } from "../../../lib/labels.ts";
import { stableJson } from "../../../lib/stable_json.ts";
import type { ReconcileContext } from "../context.ts";
import type { ReleaseOutcome } from "./reconcile_release.ts";

/** Release name of cert-manager (its readiness gates the issuers). */
export { CERT_MANAGER_RELEASE };
/** Look again this soon while the webhook does not answer (it usually does within seconds of its pod). */
export const WEBHOOK_POLL_MS = 5_000;
/** Look again this soon after another error (one apply per try: no tight loop on a persistent refusal). */
export const ISSUERS_RETRY_MS = 30_000;
/** Field manager of the apply. */
export const ISSUERS_FIELD_MANAGER = "k8zner-operator";

/** What {@link reconcileClusterIssuers} found. */
export interface IssuersOutcome {
  /** Every issuer is applied as rendered. */
  ready: boolean;
  /** One sentence (shown on cert-manager's `status.addons` entry and in AddonsReady); never a secret. */
  message: string;
  /** Why not ready: `Installing` while cert-manager or its webhook is not there yet, `IssuersFailed` otherwise. */
  reason?: "Installing" | "IssuersFailed";
  requeueAfterMs?: number;
  /** Issuers this pass applied. */
  applied: string[];
}

/**
 * The part of an API error that says an admission webhook did not answer (e.g. `no endpoints available
 * for service "cert-manager-webhook"`), or undefined for any other error. The API server reports every
 * such failure (no endpoint, connection refused, untrusted certificate, timeout) as 500 InternalError
 * "Internal error occurred: failed calling webhook "<name>": failed to call webhook: Post "<url>": <cause>".
 */
export function webhookUnavailable(err: unknown): { webhook: string; cause: string } | undefined {
  if (!isKubeError(err) || err.status !== 500) return undefined;
  const match = /failed calling webhook "([^"]*)"/.exec(err.message);
  if (!match) return undefined;
  const rest = err.message.slice(match.index + match[0].length);
  const cause = rest.replace(/^: failed to call webhook/, "").replace(/^:\s*Post "[^"]*"/, "").replace(/^:\s*/, "");
  return { webhook: match[1]!, cause: cause.trim() };
}

function webhookName(name: string): string {
  return name === "cert-manager.io" || name.endsWith(".cert-manager.io")
    ? "the cert-manager webhook"
    : `the admission webhook "${name}"`;
}

function appliedMessage(names: readonly string[]): string {
  return `ClusterIssuers ${names.join(" and ")} applied`;
}

/** True when `present` carries the rendered spec and labels (anything the server adds is ignored). */
function upToDate(rendered: KubeObject, present: KubeObject | undefined): boolean {
  if (!present) return false;
  const labels = present.metadata.labels ?? {};
  if (Object.entries(rendered.metadata.labels ?? {}).some(([k, v]) => labels[k] !== v)) return false;
  return stableJson(present.spec) === stableJson(rendered.spec);
}

/**
 * Applies the issuers when cert-manager is ready and they differ from what is there; undefined when the
 * cluster has no domain (then it makes no request). Never throws for an API error: it is the outcome.
 */
export async function reconcileClusterIssuers(
  ctx: ReconcileContext,
  releases: readonly ReleaseOutcome[],
): Promise<IssuersOutcome | undefined> {
  const issuers = renderClusterIssuers(ctx.desired);
  if (issuers.length === 0) return undefined;
  const names = issuers.map((i) => i.metadata.name);
  const certManager = releases.find((r) => r.name === CERT_MANAGER_RELEASE);
  if (!certManager?.ready) {
    // The release's own outcome says when to look again.
    return {
      ready: false,
      reason: "Installing",
      message: "The ClusterIssuers wait for the cert-manager release",
      applied: [],
    };
  }
  try {
    const present = await ctx.kube.list(CLUSTER_ISSUER_API_VERSION, CLUSTER_ISSUER_KIND, undefined, {
      labelSelector: `${LABEL_KEYS.managedBy}=${MANAGED_BY}`,
    });
    const outdated = issuers.filter((issuer) =>
      !upToDate(issuer, present.find((p) => p.metadata.name === issuer.metadata.name))
    );
    if (outdated.length === 0) return { ready: true, message: appliedMessage(names), applied: [] };
    const applied = outdated.map((i) => i.metadata.name);
    await ctx.kube.applyServerSide(outdated, ISSUERS_FIELD_MANAGER);
    ctx.log.info("ClusterIssuers applied", { issuers: applied.join(",") });
    await ctx.events.record(
      ctx.cluster,
      "Normal",
      "ClusterIssuersApplied",
      "Apply",
      `Applied ClusterIssuer ${applied.join(", ")} (Let's Encrypt, DNS-01 through Cloudflare for ` +
        `${ctx.desired.addons.cloudflare?.domain})`,
    );
    return { ready: true, message: appliedMessage(names), applied };
  } catch (err) {
    const webhook = webhookUnavailable(err);
    if (webhook) {
      ctx.log.info("cert-manager webhook not answering yet", { webhook: webhook.webhook, cause: webhook.cause });
      return {
        ready: false,
        reason: "Installing",
        message: `Waiting for ${webhookName(webhook.webhook)} before applying the ClusterIssuers (${webhook.cause})`,
        requeueAfterMs: WEBHOOK_POLL_MS,
        applied: [],
      };
    }
    const message = err instanceof Error ? err.message : String(err);
    ctx.log.warn("ClusterIssuers not applied", { error: message });
    return {
      ready: false,
      reason: "IssuersFailed",
      message: `The ClusterIssuers are not applied: ${message}`,
      requeueAfterMs: ISSUERS_RETRY_MS,
      applied: [],
    };
  }
}
