/**
 * Wire types shared by several resources, spelled exactly as the Hetzner Cloud API spells them
 * (snake_case), so request bodies and responses need no mapping.
 *
 * @module
 */

/** Labels on any resource: `key/value` pairs. */
export type Labels = Record<string, string>;

/** An asynchronous task on one or more resources (https://docs.hetzner.cloud/#actions). */
export interface Action {
  id: number;
  command: string;
  status: "running" | "success" | "error";
  progress: number;
  started: string;
  finished: string | null;
  resources: { id: number; type: string }[];
  error: { code: string; message: string } | null;
}

/** `meta.pagination` of every list response. */
export interface Pagination {
  page: number;
  per_page: number;
  previous_page: number | null;
  next_page: number | null;
  last_page: number | null;
  total_entries: number | null;
}

/** A price as the API returns it: decimal strings, in the currency of `GET /pricing`. */
export interface Price {
  net: string;
  gross: string;
}

/** A location-specific price of a server or load balancer type. */
export interface LocationPrice {
  location: string;
  price_hourly: Price;
  price_monthly: Price;
  included_traffic?: number;
  price_per_tb_traffic?: Price;
}

/** A location (`fsn1`, `nbg1`, `hel1`, `ash`, `hil`, `sin`). */
export interface Location {
  id: number;
  name: string;
  description: string;
  country: string;
  city: string;
  latitude: number;
  longitude: number;
  network_zone: string;
}

/** A deprecation notice of a type or image. */
export interface Deprecation {
  unavailable_after: string;
  announced: string;
}

/** Options every `list*` call takes: a label selector in full syntax, a page, a sort order. */
export interface ListOptions {
  /** Full label-selector syntax, e.g. `k8zner.io/cluster=demo,role in (worker,control-plane),!legacy`. */
  labelSelector?: string;
  /** Exact name match. */
  name?: string;
  /** `field`, `field:asc` or `field:desc`, applied in order. */
  sort?: string[];
  page?: number;
  perPage?: number;
}

/** One page of a list call. */
export interface Page<T> {
  items: T[];
  pagination: Pagination | undefined;
}

/** Per-call options of requests that may wait. */
export interface CallOptions {
  signal?: AbortSignal;
}
