/**
 * A `GET /pricing` body for cost tests: EUR, 19 % VAT, the node sizes and lb11 in the EU
 * locations, IPv4/IPv6 primary IPs, snapshot storage. Prices are illustrative, not Hetzner's.
 *
 * @module
 */
import type { Pricing } from "../src/hcloud/mod.ts";

const price = (net: number) => {
  const gross = Math.round(net * 1.19 * 1e10) / 1e10;
  return { net: net.toFixed(10), gross: gross.toFixed(10) };
};
const locations = ["fsn1", "nbg1", "hel1"];
const perLocation = (monthly: number) =>
  locations.map((location) => ({
    location,
    price_hourly: price(Math.round((monthly / 730) * 1e4) / 1e4),
    price_monthly: price(monthly),
    included_traffic: 21990232555520,
    price_per_tb_traffic: price(1),
  }));

/** The price list. */
export const PRICING: Pricing = {
  currency: "EUR",
  vat_rate: "19.00",
  primary_ips: [
    {
      type: "ipv4",
      prices: locations.map((location) => ({ location, price_hourly: price(0.0008), price_monthly: price(0.5) })),
    },
    {
      type: "ipv6",
      prices: locations.map((location) => ({ location, price_hourly: price(0), price_monthly: price(0) })),
    },
  ],
  floating_ips: [],
  image: { price_per_gb_month: price(0.011) },
  volume: { price_per_gb_month: price(0.044) },
  server_backup: { percentage: "20.00" },
  server_types: [
    { id: 114, name: "cx23", prices: perLocation(3.49) },
    { id: 115, name: "cx33", prices: perLocation(5.49) },
    { id: 116, name: "cx43", prices: perLocation(9.49) },
    { id: 117, name: "cx53", prices: perLocation(17.49) },
    { id: 120, name: "cpx22", prices: perLocation(5.99) },
    { id: 121, name: "cpx32", prices: perLocation(10.99) },
  ],
  load_balancer_types: [{ id: 1, name: "lb11", prices: perLocation(5.39) }],
};
