/**
 * What one discovery pass found, as rows a person can read (kind, name, id, detail) and, for
 * `destroy`, what each row costs per month from the live price list. Pure: no I/O.
 *
 * @module
 */
import { loadBalancerPrice, type Money, primaryIpPrice, serverPrice } from "../cluster/cost.ts";
import type { ObservedCluster, ResourceKind } from "../cluster/observed.ts";
import type { Pricing } from "../hcloud/mod.ts";

/** One found object. */
export interface ListedResource {
  kind: ResourceKind;
  name: string;
  id: number;
  /** Short description, e.g. `cx23 in fsn1, running` or `created by the cloud controller`. */
  detail: string;
}

/** A listed object with its monthly price (undefined for objects Hetzner does not bill). */
export interface PricedResource extends ListedResource {
  monthly: Money | undefined;
}

/** The priced listing. */
export interface PricedListing {
  currency: string;
  items: PricedResource[];
  /** Sum of every item's monthly price. */
  total: Money;
  notes: string[];
}

/** Human names of the kinds, singular. */
export const KIND_LABEL: Record<ResourceKind, string> = {
  server: "server",
  volume: "volume",
  load_balancer: "load balancer",
  primary_ip: "primary IP",
  firewall: "firewall",
  network: "network",
  placement_group: "placement group",
  ssh_key: "SSH key",
};

/**
 * Every object of the observation, in the order `destroy` removes them (servers first, the
 * network they hang on last), each kind sorted by name.
 */
export function listObservedResources(observed: ObservedCluster): ListedResource[] {
  const byName = <T extends { name: string; id: number }>(items: readonly T[]) =>
    [...items].sort((a, b) => a.name.localeCompare(b.name) || a.id - b.id);
  const rows: ListedResource[] = [];
  for (const s of byName(observed.servers)) {
    rows.push({
      kind: "server",
      name: s.name,
      id: s.id,
      detail: `${s.server_type.name} in ${s.location.name}, ${s.status}${
        s.labels["k8zner.io/role"] ? `, ${s.labels["k8zner.io/role"]}` : ""
      }`,
    });
  }
  for (const v of byName(observed.volumes)) {
    rows.push({
      kind: "volume",
      name: v.name,
      id: v.id,
      detail: `${v.size} GB in ${v.location.name}${v.server ? `, attached to server ${v.server}` : ""}`,
    });
  }
  for (const lb of byName(observed.loadBalancers)) {
    rows.push({
      kind: "load_balancer",
      name: lb.name,
      id: lb.id,
      detail: `${lb.load_balancer_type.name} in ${lb.location.name}${
        lb.public_net?.ipv4?.ip ? `, ${lb.public_net.ipv4.ip}` : ""
      }`,
    });
  }
  for (const lb of byName(observed.ccmLoadBalancers)) {
    rows.push({
      kind: "load_balancer",
      name: lb.name,
      id: lb.id,
      detail: `${lb.load_balancer_type.name} in ${lb.location.name}, created by the cloud controller`,
    });
  }
  for (const ip of byName(observed.primaryIps)) {
    rows.push({
      kind: "primary_ip",
      name: ip.name,
      id: ip.id,
      detail: `${ip.type} ${ip.ip}${ip.assignee_id ? `, assigned to server ${ip.assignee_id}` : ", unassigned"}`,
    });
  }
  for (const fw of byName(observed.firewalls)) {
    rows.push({ kind: "firewall", name: fw.name, id: fw.id, detail: `${fw.rules.length} rule(s)` });
  }
  for (const n of byName(observed.networks)) {
    rows.push({ kind: "network", name: n.name, id: n.id, detail: n.ip_range });
  }
  for (const pg of byName(observed.placementGroups)) {
    rows.push({ kind: "placement_group", name: pg.name, id: pg.id, detail: pg.type });
  }
  for (const k of byName(observed.sshKeys)) {
    rows.push({ kind: "ssh_key", name: k.name, id: k.id, detail: k.fingerprint });
  }
  return rows;
}

const round = (n: number) => Math.round(n * 10_000) / 10_000;
const add = (a: Money, b: Money): Money => ({ net: round(a.net + b.net), gross: round(a.gross + b.gross) });
const ZERO: Money = { net: 0, gross: 0 };

/**
 * Prices the listing from `GET /pricing`: servers with their public IPs, load balancers, volumes
 * by size and primary IPs not already counted with their server. Networks, firewalls, placement
 * groups and SSH keys are free. A price the list lacks is reported in `notes`, never guessed.
 */
export function priceObservedResources(observed: ObservedCluster, pricing: Pricing): PricedListing {
  const notes = new Set<string>();
  const attempt = (fn: () => Money): Money | undefined => {
    try {
      return fn();
    } catch (err) {
      notes.add(err instanceof Error ? err.message : String(err));
      return undefined;
    }
  };
  const ip = (type: "ipv4" | "ipv6", location: string): Money => primaryIpPrice(pricing, type, location) ?? ZERO;
  const countedIps = new Set<number>();
  const servers = new Map(observed.servers.map((s) => {
    let price = attempt(() => serverPrice(pricing, s.server_type.name, s.location.name));
    if (price && s.public_net.ipv4) price = add(price, ip("ipv4", s.location.name));
    if (price && s.public_net.ipv6) price = add(price, ip("ipv6", s.location.name));
    for (const id of [s.public_net.ipv4?.id, s.public_net.ipv6?.id]) if (id !== undefined) countedIps.add(id);
    return [s.id, price] as const;
  }));
  const lbs = new Map([...observed.loadBalancers, ...observed.ccmLoadBalancers].map((lb) => [
    lb.id,
    attempt(() => loadBalancerPrice(pricing, lb.load_balancer_type.name, lb.location.name)),
  ]));
  const perGb = {
    net: Number(pricing.volume.price_per_gb_month.net),
    gross: Number(pricing.volume.price_per_gb_month.gross),
  };
  const volumes = new Map(
    observed.volumes.map((v) => [v.id, { net: round(perGb.net * v.size), gross: round(perGb.gross * v.size) }]),
  );
  const ips = new Map(
    observed.primaryIps.map((p) => [p.id, countedIps.has(p.id) ? ZERO : ip(p.type, p.location.name)]),
  );
  const items = listObservedResources(observed).map((row): PricedResource => {
    switch (row.kind) {
      case "server":
        return { ...row, monthly: servers.get(row.id), detail: `${row.detail} (incl. public IPs)` };
      case "load_balancer":
        return { ...row, monthly: lbs.get(row.id) };
      case "volume":
        return { ...row, monthly: volumes.get(row.id) };
      case "primary_ip":
        return {
          ...row,
          monthly: ips.get(row.id),
          detail: countedIps.has(row.id) ? `${row.detail} (priced with its server)` : row.detail,
        };
      default:
        return { ...row, monthly: undefined };
    }
  });
  const total = items.reduce((sum, i) => (i.monthly ? add(sum, i.monthly) : sum), ZERO);
  return { currency: pricing.currency, items, total, notes: [...notes] };
}
