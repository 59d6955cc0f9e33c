/**
 * Prices of the project (`GET /pricing`), in the currency the API reports.
 *
 * @module
 */
import type { Transport } from "./transport.ts";
import type { LocationPrice, Price } from "./types.ts";

/** The whole price list. Amounts are decimal strings. */
export interface Pricing {
  currency: string;
  vat_rate: string;
  primary_ips: {
    type: "ipv4" | "ipv6";
    prices: { location: string; price_hourly: Price; price_monthly: Price }[];
  }[];
  floating_ips: { type: "ipv4" | "ipv6"; prices: { location: string; price_monthly: Price }[] }[];
  image: { price_per_gb_month: Price };
  volume: { price_per_gb_month: Price };
  server_backup: { percentage: string };
  server_types: { id: number; name: string; prices: LocationPrice[] }[];
  load_balancer_types: { id: number; name: string; prices: LocationPrice[] }[];
}

/** The pricing call. */
export interface PricingApi {
  get(): Promise<Pricing>;
}

/** Creates the pricing call over a transport. */
export function createPricingApi(t: Transport): PricingApi {
  return {
    async get() {
      return (await t.request<{ pricing: Pricing }>("GET", "/pricing")).pricing;
    },
  };
}
