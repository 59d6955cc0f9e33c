/**
 * Live server prices for the `init` size menus: one `GET /pricing` with the user's `HCLOUD_TOKEN`,
 * started before the first question so the answer is usually there when the menu opens. Never
 * fails the wizard: any problem becomes a reason the menu shows without prices.
 *
 * @module
 */
import type { PriceLookup, SizePrices } from "../config/wizard.ts";
import type { Pricing } from "../hcloud/mod.ts";
import type { CliContext } from "./context.ts";
import { hcloudClientFromEnv, type HcloudDeps } from "./hcloud_env.ts";

/** How long the size menu waits for prices before it shows sizes without them. */
export const PRICE_TIMEOUT_MS = 8_000;

/** The size prices in a `GET /pricing` body: gross monthly, per type and location. */
export function sizePricesFrom(pricing: Pricing): SizePrices {
  return {
    currency: pricing.currency,
    monthlyGross(size, region) {
      const entry = pricing.server_types.find((t) => t.name === size)?.prices.find((p) => p.location === region);
      const amount = entry === undefined ? NaN : Number(entry.price_monthly.gross);
      return Number.isFinite(amount) ? amount : undefined;
    },
  };
}

/** Options of {@link lookUpSizePrices}. */
export interface PriceLookupOptions extends HcloudDeps {
  timeoutMs?: number;
}

/** Fetches the prices once. Resolves (never rejects) with the prices or the reason there are none. */
export async function lookUpSizePrices(ctx: CliContext, options: PriceLookupOptions = {}): Promise<PriceLookup> {
  const timeoutMs = options.timeoutMs ?? PRICE_TIMEOUT_MS;
  try {
    // One retry at most: the user is waiting at the menu, and prices are a nicety. No retry lines
    // either: they would land inside the prompt; a failure becomes the menu's one-line reason.
    const client = hcloudClientFromEnv(ctx, { retry: { maxAttempts: 2 }, onRetry: () => {}, ...options });
    const { pricing } = await client.request<{ pricing: Pricing }>("GET", "/pricing", {
      signal: AbortSignal.timeout(timeoutMs),
    });
    return { ok: true, prices: sizePricesFrom(pricing) };
  } catch (err) {
    if (err instanceof DOMException && err.name === "TimeoutError") {
      return { ok: false, reason: `the Hetzner API did not answer within ${timeoutMs / 1000} s` };
    }
    // Client errors never carry the token; keep the first line, the menu needs one short reason.
    const message = err instanceof Error ? err.message : String(err);
    const line = message.split("\n")[0]!;
    return { ok: false, reason: `Hetzner API: ${line.length > 100 ? line.slice(0, 99) + "…" : line}` };
  }
}
