/**
 * The parts of Cloudflare's API v4 documents the client reads (cloudflare/api-schemas `common.yaml`:
 * `api-response-common`, `api-response-collection`; the DNS records schema). Fields not read are left out.
 *
 * @module
 */

/** One entry of `errors` or `messages`. */
export interface CloudflareMessage {
  code: number;
  message: string;
}

/** `result_info` of a collection response. */
export interface ResultInfo {
  page: number;
  per_page: number;
  /** Results on this page. */
  count: number;
  total_count: number;
  total_pages: number;
}

/** The envelope of every response. */
export interface CloudflareEnvelope<T> {
  success: boolean;
  errors: CloudflareMessage[];
  messages: CloudflareMessage[];
  result: T;
  result_info?: ResultInfo;
}

/** A zone (only what the client needs). */
export interface Zone {
  id: string;
  name: string;
  status?: string;
}

/** A DNS record. `name` is the full name, e.g. `argo.example.com` (no trailing dot). */
export interface DnsRecord {
  id: string;
  type: string;
  name: string;
  content: string;
  ttl?: number;
  proxied?: boolean;
}
