/**
 * Builds the Cloudflare client from the environment: `CF_API_TOKEN` (the token apply gives external-dns
 * and cert-manager) and `K8ZNER_CLOUDFLARE_URL` for another API base URL (the local cloud's fake), checked
 * like `HCLOUD_ENDPOINT`: https, or plain http only to loopback, since the token travels with every request.
 *
 * @module
 */
import { type CloudflareClient, createCloudflareClient } from "../cloudflare/mod.ts";
import type { CliContext } from "./context.ts";
import { checkEndpointUrl } from "./endpoint_url.ts";
import { sleepFromEnv } from "./hcloud_env.ts";

/** The variable holding the Cloudflare API token. */
export const CF_TOKEN_ENV = "CF_API_TOKEN";
/** The variable that points the client at another API base URL. */
export const CLOUDFLARE_URL_ENV = "K8ZNER_CLOUDFLARE_URL";

/** The client, or undefined when `CF_API_TOKEN` is unset or blank. Throws UsageError for a bad URL. */
export function cloudflareClientFromEnv(
  ctx: Pick<CliContext, "env">,
  deps: { fetch?: typeof fetch; sleep?: (ms: number) => Promise<void> } = {},
): CloudflareClient | undefined {
  const token = ctx.env(CF_TOKEN_ENV)?.trim();
  if (!token) return undefined;
  const raw = ctx.env(CLOUDFLARE_URL_ENV)?.trim() || undefined;
  const baseUrl = raw === undefined ? undefined : checkEndpointUrl(CLOUDFLARE_URL_ENV, raw);
  return createCloudflareClient({
    token,
    baseUrl,
    fetch: deps.fetch ?? globalThis.fetch,
    sleep: deps.sleep ?? sleepFromEnv(ctx),
  });
}
