/**
 * Cloudflare API v4 client: zones and DNS records, what `destroy` needs to remove the records
 * external-dns created for a cluster.
 *
 * @module
 */
export {
  CLOUDFLARE_API_URL,
  type CloudflareClient,
  type CloudflareClientOptions,
  createCloudflareClient,
} from "./client.ts";
export { CloudflareError, isCloudflareAuthError, isCloudflareError } from "./errors.ts";
export { findZone, findZoneOf } from "./zones.ts";
export { deleteDnsRecord, DNS_RECORDS_PER_PAGE, listAllDnsRecords } from "./dns_records.ts";
export type { CloudflareEnvelope, CloudflareMessage, DnsRecord, ResultInfo, Zone } from "./types.ts";
