/**
 * Hetzner API objects for client unit tests, shaped like the API's responses (all required fields
 * of the OpenAPI schemas), plus a helper that builds a client over a scripted fetch.
 *
 * @module
 */
import { createHcloudClient, type HcloudClient } from "../src/hcloud/mod.ts";
import type { HcloudClientOptions } from "../src/hcloud/client.ts";
import { createScriptedFetch, type ScriptedExchange, type ScriptedFetch } from "./scripted_fetch.ts";

/** The token every scripted client uses. */
export const TEST_TOKEN = "tok3n-secret-value-0123456789abcdef";

/** A client over a scripted fetch; `script.assertDone()` checks nothing is left over. */
export function scriptedClient(
  exchanges: ScriptedExchange[],
  options: Partial<HcloudClientOptions> = {},
): { client: HcloudClient; script: ScriptedFetch } {
  const script = createScriptedFetch(exchanges, { token: TEST_TOKEN });
  let now = Date.parse("2026-07-01T12:00:00Z");
  const client = createHcloudClient({
    token: TEST_TOKEN,
    fetch: script.fetch,
    sleep: async (ms, signal) => {
      now += ms;
      await script.sleep(ms, signal);
    },
    clock: () => now,
    random: () => 0.5,
    ...options,
  });
  return { client, script };
}

const CREATED = "2026-07-01T12:00:00Z";

/** An action. */
export function action(
  id: number,
  command: string,
  status: "running" | "success" | "error" = "running",
  progress = status === "running" ? 0 : 100,
) {
  return {
    id,
    command,
    status,
    progress,
    started: CREATED,
    finished: status === "running" ? null : CREATED,
    resources: [{ id: 1, type: "server" }],
    error: status === "error" ? { code: "action_failed", message: "Action failed" } : null,
  };
}

/** `meta.pagination` of page `page` of `last`. */
export function meta(page: number, last: number, perPage = 50, total = last * perPage) {
  return {
    pagination: {
      page,
      per_page: perPage,
      previous_page: page > 1 ? page - 1 : null,
      next_page: page < last ? page + 1 : null,
      last_page: last,
      total_entries: total,
    },
  };
}

/** The fsn1 location. */
export const fsn1 = {
  id: 1,
  name: "fsn1",
  description: "Falkenstein DC Park 1",
  country: "DE",
  city: "Falkenstein",
  latitude: 50.47612,
  longitude: 12.370071,
  network_zone: "eu-central",
};

const price = (net: string, gross: string) => ({ net, gross });

/** The cx23 server type. */
export const cx23 = {
  id: 114,
  name: "cx23",
  description: "CX23",
  cores: 2,
  memory: 4,
  disk: 40,
  deprecated: false,
  prices: [{
    location: "fsn1",
    price_hourly: price("0.0056000000", "0.0066640000"),
    price_monthly: price("3.4900000000", "4.1531000000"),
    included_traffic: 21990232555520,
    price_per_tb_traffic: price("1.0000000000", "1.1900000000"),
  }],
  storage_type: "local",
  cpu_type: "shared",
  category: "cost_optimized",
  architecture: "x86",
  deprecation: null,
  locations: [{ id: 1, name: "fsn1", deprecation: null, recommended: true, available: true }],
};

/** A snapshot image. */
export function image(id: number, labels: Record<string, string> = {}, createdFrom = 1) {
  return {
    id,
    type: "snapshot",
    status: "available",
    name: null,
    description: `snapshot ${id}`,
    image_size: 0.5,
    disk_size: 40,
    created: CREATED,
    created_from: { id: createdFrom, name: "builder" },
    bound_to: null,
    os_flavor: "unknown",
    os_version: null,
    rapid_deploy: false,
    protection: { delete: false },
    deprecated: null,
    deleted: null,
    labels,
    architecture: "x86",
  };
}

/** A server. */
export function server(id: number, name: string, labels: Record<string, string> = {}, status = "running") {
  return {
    id,
    name,
    status,
    created: CREATED,
    public_net: {
      ipv4: { id: 100 + id, ip: `203.0.113.${id}`, blocked: false, dns_ptr: `static.${id}.example` },
      ipv6: null,
      floating_ips: [],
      firewalls: [],
    },
    private_net: [],
    server_type: cx23,
    location: fsn1,
    image: image(7),
    iso: null,
    rescue_enabled: false,
    locked: false,
    backup_window: null,
    outgoing_traffic: 0,
    ingoing_traffic: 0,
    included_traffic: 21990232555520,
    protection: { delete: false, rebuild: false },
    labels,
    volumes: [],
    load_balancers: [],
    primary_disk_size: 40,
    placement_group: null,
  };
}

/** A network. */
export function network(id: number, name: string, labels: Record<string, string> = {}) {
  return {
    id,
    name,
    ip_range: "10.0.0.0/16",
    subnets: [],
    routes: [],
    servers: [],
    load_balancers: [],
    protection: { delete: false },
    labels,
    created: CREATED,
    expose_routes_to_vswitch: false,
  };
}

/** A firewall. */
export function firewall(id: number, name: string, labels: Record<string, string> = {}) {
  return { id, name, labels, created: CREATED, rules: [], applied_to: [] };
}

/** A placement group. */
export function placementGroup(id: number, name: string, labels: Record<string, string> = {}) {
  return { id, name, labels, type: "spread", created: CREATED, servers: [] };
}

/** A load balancer. */
export function loadBalancer(id: number, name: string, labels: Record<string, string> = {}) {
  return {
    id,
    name,
    public_net: { enabled: true, ipv4: { ip: "198.51.100.1", dns_ptr: null }, ipv6: { ip: null, dns_ptr: null } },
    private_net: [],
    location: fsn1,
    load_balancer_type: {
      id: 1,
      name: "lb11",
      description: "LB11",
      max_connections: 10000,
      max_services: 5,
      max_targets: 25,
      max_assigned_certificates: 10,
      deprecated: null,
      deprecation: null,
      prices: [],
    },
    protection: { delete: false },
    labels,
    created: CREATED,
    services: [],
    targets: [],
    algorithm: { type: "round_robin" },
    outgoing_traffic: null,
    ingoing_traffic: null,
    included_traffic: 0,
  };
}

/** An SSH key. */
export function sshKey(id: number, name: string, publicKey = "ssh-ed25519 AAAAC3Nza test") {
  return {
    id,
    name,
    fingerprint: "b7:2f:30:a0:2f:6c:58:6c:21:04:58:61:ba:06:3b:2f",
    public_key: publicKey,
    labels: {},
    created: CREATED,
  };
}

/** A volume. */
export function volume(id: number, name: string, labels: Record<string, string> = {}) {
  return {
    id,
    created: CREATED,
    name,
    server: null,
    location: fsn1,
    size: 10,
    linux_device: `/dev/disk/by-id/scsi-0HC_Volume_${id}`,
    protection: { delete: false },
    labels,
    status: "available",
    format: null,
  };
}

/** A primary IP. */
export function primaryIp(id: number, name: string, labels: Record<string, string> = {}) {
  return {
    id,
    name,
    labels,
    created: CREATED,
    blocked: false,
    location: fsn1,
    ip: `203.0.113.${id}`,
    dns_ptr: [],
    protection: { delete: false },
    type: "ipv4",
    auto_delete: true,
    assignee_type: "server",
    assignee_id: null,
  };
}

/** An API error body. */
export function apiError(code: string, message = code, details: unknown = null) {
  return { error: { code, message, details } };
}
