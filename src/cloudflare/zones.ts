/**
 * Zones: find the zone that holds a domain (`GET /zones?name=`).
 *
 * @module
 */
import type { CloudflareClient } from "./client.ts";
import type { Zone } from "./types.ts";

/** The zone named exactly `name`; undefined when the token sees none. */
export async function findZone(cf: CloudflareClient, name: string): Promise<Zone | undefined> {
  const res = await cf.request<Zone[]>({ method: "GET", path: "/zones", query: { name } });
  const exact = res.result.filter((z) => z.name.toLowerCase() === name.toLowerCase());
  if (exact.length > 1) throw new Error(`Cannot pick the Cloudflare zone "${name}": ${exact.length} zones have it`);
  return exact[0];
}

/**
 * The zone holding `domain`: the domain itself, else its nearest parent (`k8s.example.com` lives in
 * zone `example.com` unless it is a zone of its own). Undefined when no such zone is visible.
 */
export async function findZoneOf(cf: CloudflareClient, domain: string): Promise<Zone | undefined> {
  const labels = domain.toLowerCase().replace(/\.$/, "").split(".");
  for (let i = 0; i <= labels.length - 2; i++) {
    const zone = await findZone(cf, labels.slice(i).join("."));
    if (zone) return zone;
  }
  return undefined;
}
