/**
 * DNS records of a zone: list every page (`GET /zones/{id}/dns_records?page=&per_page=`) and delete
 * one (`DELETE /zones/{id}/dns_records/{id}`).
 *
 * @module
 */
import type { CloudflareClient } from "./client.ts";
import { isCloudflareError } from "./errors.ts";
import type { DnsRecord } from "./types.ts";

/** Records per page the client asks for (Cloudflare's default page size). */
export const DNS_RECORDS_PER_PAGE = 100;

/** Every DNS record of the zone, following `result_info.total_pages`. */
export async function listAllDnsRecords(
  cf: CloudflareClient,
  zoneId: string,
  perPage = DNS_RECORDS_PER_PAGE,
): Promise<DnsRecord[]> {
  const all: DnsRecord[] = [];
  for (let page = 1;; page++) {
    const res = await cf.request<DnsRecord[]>({
      method: "GET",
      path: `/zones/${encodeURIComponent(zoneId)}/dns_records`,
      query: { page, per_page: perPage },
    });
    all.push(...res.result);
    const pages = res.result_info?.total_pages ?? page;
    // An empty page ends the walk even if total_pages says otherwise (records deleted meanwhile).
    if (page >= pages || res.result.length === 0) return all;
  }
}

/** Deletes a record; false when it was already gone (404), so a repeated delete counts as done. */
export async function deleteDnsRecord(cf: CloudflareClient, zoneId: string, recordId: string): Promise<boolean> {
  try {
    await cf.request({
      method: "DELETE",
      path: `/zones/${encodeURIComponent(zoneId)}/dns_records/${encodeURIComponent(recordId)}`,
    });
    return true;
  } catch (err) {
    if (isCloudflareError(err, 404)) return false;
    throw err;
  }
}
