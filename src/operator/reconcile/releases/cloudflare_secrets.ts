/**
 * The Cloudflare API token where the addons read it, for a cluster with a domain: Secret
 * `cloudflare-api-token` (key `api-token`) in cert-manager's namespace (its DNS-01 solver reads a
 * ClusterIssuer's Secrets there) and, when external-dns is installed, in external-dns' namespace (a pod
 * cannot read a Secret of another namespace). The token is key `cf-api-token` of the operator's cloud
 * credentials Secret (`ctx.cloudflareToken()`, read with the Hetzner token in the same GET), which `apply`
 * writes from CF_API_TOKEN; a new token there reaches every copy in the next pass.
 *
 * Runs before the releases of the pass, so external-dns' pod finds its Secret when it starts; the
 * namespace is created when missing (Helm's `--create-namespace` accepts an existing one). A converged
 * pass costs one GET per namespace and writes nothing.
 *
 * @module
 */
import { CLOUDFLARE_SECRET_NAME, CLOUDFLARE_TOKEN_KEY, renderCloudflareSecret } from "../../../addons/cloud_secrets.ts";
import { CREDENTIALS_CLOUDFLARE_KEY } from "../../../addons/k8zner_cluster.ts";
import { EXTERNAL_DNS_RELEASE } from "../../../addons/values/external_dns.ts";
import type { DesiredState } from "../../../config/mod.ts";
import { isKubeError } from "../../../kube/mod.ts";
import { LABEL_KEYS, MANAGED_BY } from "../../../lib/labels.ts";
import type { ReconcileContext } from "../context.ts";
import { decoded, SECRETS_FIELD_MANAGER } from "./cloud_secrets.ts";

/** What {@link ensureCloudflareSecrets} did (never a value). */
export interface CloudflareSecretsResult {
  /** Namespaces whose copy this pass wrote (created, or updated to a new token). */
  written: string[];
  /** Set when the domain needs a token the credentials Secret lacks: one sentence saying what to do. */
  missing?: string;
}

/**
 * The releases that wait while the token is missing (for `reconcileReleases`' `blockedBy`): external-dns,
 * whose pod would never start and whose `helm --wait` would only burn its timeout. cert-manager installs
 * without the token (only its issuers' challenges need it).
 */
export function blockedByMissingToken(result: CloudflareSecretsResult | undefined): Record<string, string> {
  if (!result?.missing) return {};
  return { [EXTERNAL_DNS_RELEASE]: `Waits for the Cloudflare API token (key "${CREDENTIALS_CLOUDFLARE_KEY}")` };
}

/** The namespaces that need a copy (pure): cert-manager's and, when enabled, external-dns'; none without a domain. */
export function cloudflareSecretNamespaces(desired: DesiredState): string[] {
  if (!desired.addons.cloudflare) return [];
  const { certManager, externalDns } = desired.addons;
  return [certManager, externalDns].filter((addon) => addon.enabled).map((addon) => addon.namespace);
}

function missingTokenMessage(ctx: ReconcileContext): string {
  const ref = (ctx.cluster.spec as { credentialsRef?: { name?: string } } | undefined)?.credentialsRef?.name;
  const secret = `${ctx.cluster.metadata.namespace ?? "default"}/${ref ?? "(spec.credentialsRef)"}`;
  return `Secret ${secret} has no key "${CREDENTIALS_CLOUDFLARE_KEY}", the Cloudflare API token that domain ` +
    `${ctx.desired.addons.cloudflare?.domain} needs: run k8zner apply with CF_API_TOKEN set`;
}

async function ensureNamespace(ctx: ReconcileContext, name: string): Promise<void> {
  try {
    await ctx.kube.create({
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name, labels: { "app.kubernetes.io/managed-by": MANAGED_BY, [LABEL_KEYS.managedBy]: MANAGED_BY } },
    });
    ctx.log.info("namespace created", { namespace: name });
  } catch (err) {
    if (!isKubeError(err, "AlreadyExists")) throw err;
  }
}

/** Ensures every copy; undefined when the cluster has no domain (then it makes no request). */
export async function ensureCloudflareSecrets(ctx: ReconcileContext): Promise<CloudflareSecretsResult | undefined> {
  const namespaces = cloudflareSecretNamespaces(ctx.desired);
  if (namespaces.length === 0) return undefined;
  const token = ctx.cloudflareToken();
  if (!token) return { written: [], missing: missingTokenMessage(ctx) };
  const created: string[] = [];
  const updated: string[] = [];
  for (const namespace of namespaces) {
    const current = await ctx.kube.get("v1", "Secret", CLOUDFLARE_SECRET_NAME, namespace);
    if (decoded(current, CLOUDFLARE_TOKEN_KEY) === token) continue;
    if (!current) await ensureNamespace(ctx, namespace);
    await ctx.kube.applyServerSide([renderCloudflareSecret(namespace, token)], SECRETS_FIELD_MANAGER);
    (current ? updated : created).push(namespace);
    ctx.log.info("Cloudflare token Secret written", { secret: `${namespace}/${CLOUDFLARE_SECRET_NAME}` });
  }
  const secrets = (list: string[]) => list.map((ns) => `${ns}/${CLOUDFLARE_SECRET_NAME}`).join(", ");
  if (created.length > 0 || updated.length > 0) {
    const parts = [
      ...(created.length > 0 ? [`created ${secrets(created)}`] : []),
      ...(updated.length > 0 ? [`updated ${secrets(updated)} to the current token`] : []),
    ];
    await ctx.events.record(
      ctx.cluster,
      "Normal",
      "CloudflareSecretWritten",
      "Apply",
      `Cloudflare API token Secret ${parts.join("; ")}`,
    );
  }
  return { written: [...created, ...updated] };
}
