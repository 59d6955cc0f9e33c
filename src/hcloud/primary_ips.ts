/**
 * Primary IPs, for teardown and cost: listed by label and deleted once unassigned.
 *
 * @module
 */
import { deleteIfExists, type Transport } from "./transport.ts";
import type { Labels, ListOptions, Location, Page } from "./types.ts";

/** A primary IP. */
export interface PrimaryIp {
  id: number;
  name: string;
  labels: Labels;
  created: string;
  blocked: boolean;
  location: Location;
  ip: string;
  type: "ipv4" | "ipv6";
  auto_delete: boolean;
  assignee_type: "server";
  assignee_id: number | null;
  protection: { delete: boolean };
}

/** The primary IP calls. */
export interface PrimaryIpsApi {
  get(id: number): Promise<PrimaryIp | undefined>;
  list(options?: ListOptions): Promise<Page<PrimaryIp>>;
  listAll(options?: ListOptions): Promise<PrimaryIp[]>;
  /** `DELETE /primary_ips/{id}`; false when already gone; `must_be_unassigned` while assigned. */
  delete(id: number): Promise<boolean>;
}

/** Creates the primary IP calls over a transport. */
export function createPrimaryIpsApi(t: Transport): PrimaryIpsApi {
  return {
    get: (id) => t.getOrUndefined<PrimaryIp>(`/primary_ips/${id}`, "primary_ip"),
    list: (options) => t.listPage<PrimaryIp>("/primary_ips", "primary_ips", options),
    listAll: (options) => t.listAll<PrimaryIp>("/primary_ips", "primary_ips", options),
    delete: (id) => deleteIfExists(t, `/primary_ips/${id}`),
  };
}
