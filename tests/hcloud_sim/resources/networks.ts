/**
 * Networks and subnets: RFC 1918 ranges, subnets inside the range without overlap, the first
 * address of the range as gateway, and private IP allocation for servers and load balancers.
 *
 * @module
 */
import { isoTime } from "../clock.ts";
import { invalidField, notFound, SimError, unprocessable } from "../errors.ts";
import {
  bodyObject,
  listResponse,
  optionalArray,
  optionalBool,
  optionalString,
  requireString,
  type Route,
} from "../http.ts";
import { cidrContains, cidrOverlaps, firstFreeIp, formatIpv4, isRfc1918, parseCidr4, parseIpv4 } from "../ip.ts";
import { validateLabels } from "../label_selector.ts";
import { NamedResource } from "./named_resource.ts";
import type { NetworkRecord, SimContext, SubnetRecord } from "../state.ts";
import { LOCATIONS } from "../catalog.ts";

const ZONES = [...new Set(LOCATIONS.map((l) => l.network_zone))];

/** API shape of a network. */
export function renderNetwork(ctx: SimContext, n: NetworkRecord) {
  return {
    id: n.id,
    name: n.name,
    ip_range: n.ipRange,
    subnets: n.subnets.map((s) => ({ ...s })),
    routes: n.routes.map((r) => ({ ...r })),
    servers: [...ctx.state.servers.values()].filter((s) => s.privateNet.some((p) => p.network === n.id)).map((s) =>
      s.id
    ),
    load_balancers: [...ctx.state.loadBalancers.values()].filter((l) => l.privateNet.some((p) => p.network === n.id))
      .map((l) => l.id),
    protection: { ...n.protection },
    labels: { ...n.labels },
    created: isoTime(n.created),
    expose_routes_to_vswitch: n.exposeRoutesToVswitch,
  };
}

/** Addresses in use in a network (servers, alias IPs, load balancers). */
export function usedIps(ctx: SimContext, networkId: number): Set<number> {
  const used = new Set<number>();
  for (const s of ctx.state.servers.values()) {
    for (const p of s.privateNet) {
      if (p.network !== networkId) continue;
      for (const ip of [p.ip, ...p.alias_ips]) used.add(parseIpv4(ip)!);
    }
  }
  for (const l of ctx.state.loadBalancers.values()) {
    for (const p of l.privateNet) if (p.network === networkId) used.add(parseIpv4(p.ip)!);
  }
  return used;
}

/**
 * Picks a private IP: an explicit `ip` must lie in a cloud/server subnet of the network and be
 * free (`ip_not_available`); otherwise the first free address of the first subnet in `zone`
 * (`no_subnet_available` when none has room).
 */
export function allocatePrivateIp(
  ctx: SimContext,
  network: NetworkRecord,
  zone: string,
  ip?: string,
  ipRange?: string,
): string {
  const gateway = parseIpv4(network.subnets[0]?.gateway ?? formatIpv4(parseCidr4(network.ipRange)!.base + 1))!;
  const used = usedIps(ctx, network.id);
  const subnets = network.subnets.filter((s) =>
    s.type !== "vswitch" && s.network_zone === zone && (ipRange === undefined || s.ip_range === ipRange)
  );
  if (ip !== undefined) {
    const n = parseIpv4(ip);
    if (n === undefined) throw invalidField("ip", "must be an IPv4 address");
    const inSubnet = subnets.some((s) => {
      const c = parseCidr4(s.ip_range)!;
      return cidrContains(c, n) && n !== c.base && n !== c.base + c.size - 1;
    });
    if (!inSubnet || used.has(n) || n === gateway) {
      throw unprocessable("ip_not_available", `IP ${ip} is not available in network ${network.id}`);
    }
    return ip;
  }
  for (const s of subnets) {
    const free = firstFreeIp(parseCidr4(s.ip_range)!, gateway, used);
    if (free !== undefined) return formatIpv4(free);
  }
  throw unprocessable("no_subnet_available", `no subnet or IP available in network ${network.id} for zone ${zone}`);
}

function parseSubnet(raw: unknown, network: { ipRange: string; subnets: SubnetRecord[] }, field: string): SubnetRecord {
  if (typeof raw !== "object" || raw === null) throw invalidField(field, "must be an object");
  const body = raw as Record<string, unknown>;
  const type = requireString(body, "type");
  if (!["cloud", "server", "vswitch"].includes(type)) {
    throw invalidField(`${field}.type`, "must be cloud, server or vswitch");
  }
  const zone = requireString(body, "network_zone");
  if (!ZONES.includes(zone)) throw invalidField(`${field}.network_zone`, `unknown network zone "${zone}"`);
  const range = parseCidr4(network.ipRange)!;
  let ipRange = optionalString(body, "ip_range");
  if (ipRange === undefined) {
    // Like the API: the first free /24 of the network range.
    for (let base = range.base; base < range.base + range.size; base += 256) {
      const candidate = { base, prefix: 24, size: 256 };
      if (!network.subnets.some((s) => cidrOverlaps(parseCidr4(s.ip_range)!, candidate))) {
        ipRange = `${formatIpv4(base)}/24`;
        break;
      }
    }
    if (ipRange === undefined) throw invalidField(`${field}.ip_range`, "no free /24 left in the network range");
  }
  const cidr = parseCidr4(ipRange);
  if (!cidr) throw invalidField(`${field}.ip_range`, `"${ipRange}" is not a valid CIDR`);
  if (!cidrContains(range, cidr.base) || !cidrContains(range, cidr.base + cidr.size - 1)) {
    throw invalidField(`${field}.ip_range`, `${ipRange} is not inside the network range ${network.ipRange}`);
  }
  if (network.subnets.some((s) => cidrOverlaps(parseCidr4(s.ip_range)!, cidr))) {
    throw new SimError(422, "invalid_input", `subnet ${ipRange} overlaps an existing subnet`, {
      fields: [{ name: `${field}.ip_range`, messages: ["overlaps an existing subnet"] }],
    });
  }
  const vswitch = body.vswitch_id;
  if (type === "vswitch" && !Number.isSafeInteger(vswitch)) throw invalidField(`${field}.vswitch_id`, "is required");
  return {
    type: type as SubnetRecord["type"],
    ip_range: ipRange,
    network_zone: zone,
    gateway: formatIpv4(range.base + 1),
    vswitch_id: type === "vswitch" ? vswitch as number : null,
  };
}

const networks = new NamedResource<NetworkRecord>({
  kind: "network",
  noun: "network",
  records: (ctx) => ctx.state.networks,
});

/** Routes for `/networks`. */
export const networkRoutes: Route[] = [
  {
    method: "GET",
    pattern: "/networks",
    handler: (ctx, req) =>
      listResponse(
        ctx,
        req,
        "networks",
        ctx.state.networks.values(),
        (n) => renderNetwork(ctx, n),
        undefined,
        (n) => n.created,
      ),
  },
  {
    method: "POST",
    pattern: "/networks",
    handler: (ctx, req) => {
      const body = bodyObject(req);
      const name = networks.uniqueName(ctx, requireString(body, "name"));
      const ipRange = requireString(body, "ip_range");
      const cidr = parseCidr4(ipRange);
      if (!cidr || !isRfc1918(cidr) || cidr.prefix > 24) {
        throw invalidField("ip_range", "must be an RFC 1918 range of /24 or larger");
      }
      const network: NetworkRecord = {
        id: ctx.nextId("network"),
        name,
        ipRange,
        subnets: [],
        routes: [],
        labels: validateLabels(body.labels),
        created: ctx.clock.now(),
        exposeRoutesToVswitch: optionalBool(body, "expose_routes_to_vswitch", false),
        protection: { delete: false },
      };
      optionalArray(body, "subnets").forEach((s, i) => network.subnets.push(parseSubnet(s, network, `subnets[${i}]`)));
      optionalArray(body, "routes").forEach((r, i) => {
        const route = r as Record<string, unknown>;
        network.routes.push({
          destination: requireString(route, "destination"),
          gateway: requireString(route, "gateway"),
        });
        void i;
      });
      ctx.state.networks.set(network.id, network);
      return { status: 201, body: { network: renderNetwork(ctx, network) } };
    },
  },
  networks.getRoute("/networks", renderNetwork),
  networks.updateRoute("/networks", renderNetwork, (network, body) => {
    network.exposeRoutesToVswitch = optionalBool(body, "expose_routes_to_vswitch", network.exposeRoutesToVswitch);
  }),
  {
    method: "DELETE",
    pattern: "/networks/{id}",
    handler: (ctx, req) => {
      const network = networks.fromPathUnlocked(ctx, req);
      const id = network.id;
      networks.assertNotProtected(network);
      const rendered = renderNetwork(ctx, network);
      if (rendered.servers.length > 0 || rendered.load_balancers.length > 0) {
        throw unprocessable("resource_in_use", `network ${id} still has attached servers or load balancers`);
      }
      ctx.state.networks.delete(id);
      return { status: 204 };
    },
  },
  {
    method: "POST",
    pattern: "/networks/{id}/actions/add_subnet",
    handler: (ctx, req) => {
      const network = networks.fromPathUnlocked(ctx, req);
      const id = network.id;
      const subnet = parseSubnet(bodyObject(req), network, "subnet");
      network.subnets.push(subnet);
      const action = ctx.engine.start("add_subnet", [{ id, type: "network" }], {
        durationMs: ctx.durations.add_subnet!,
        onError: () => network.subnets.splice(network.subnets.indexOf(subnet), 1),
      });
      return { status: 201, body: { action: ctx.engine.render(action) } };
    },
  },
  {
    method: "POST",
    pattern: "/networks/{id}/actions/delete_subnet",
    handler: (ctx, req) => {
      const network = networks.fromPathUnlocked(ctx, req);
      const id = network.id;
      const range = requireString(bodyObject(req), "ip_range");
      const subnet = network.subnets.find((s) => s.ip_range === range);
      if (!subnet) throw notFound("subnet", range);
      const cidr = parseCidr4(range)!;
      if ([...usedIps(ctx, id)].some((ip) => cidrContains(cidr, ip))) {
        throw unprocessable("resource_in_use", `subnet ${range} still has attached servers or load balancers`);
      }
      network.subnets.splice(network.subnets.indexOf(subnet), 1);
      const action = ctx.engine.start("delete_subnet", [{ id, type: "network" }], {
        durationMs: ctx.durations.delete_subnet!,
      });
      return { status: 201, body: { action: ctx.engine.render(action) } };
    },
  },
];
