/**
 * `k8zner cost` as a pure function: the monthly cost of the cluster a k8zner.yaml describes,
 * priced from the live `GET /pricing`, next to the cost of what already exists with the cluster's
 * labels, and the difference. Net and gross, in the currency the API reports.
 *
 * @module
 */
import type { DesiredState } from "../../config/mod.ts";
import type { Image, LoadBalancer, Pricing, Server } from "../../hcloud/mod.ts";

/** A monthly amount. */
export interface Money {
  net: number;
  gross: number;
}

/** One line of a cost table. */
export interface CostLine {
  /** What is billed, e.g. `server cx23 (fsn1)`. */
  resource: string;
  /** Why it is there, e.g. `control plane`, `ingress (created by the CCM)`. */
  detail: string;
  count: number;
  unit: Money;
  monthly: Money;
}

/** The whole estimate. */
export interface CostReport {
  currency: string;
  /** VAT rate in percent, as the API reports it. */
  vatRate: number;
  planned: CostLine[];
  current: CostLine[];
  totals: { planned: Money; current: Money; delta: Money };
  notes: string[];
}

/** What exists in the project for this cluster (found by labels and names). */
export interface CurrentInventory {
  /** Servers with the cluster's labels. */
  servers: Server[];
  /** The API load balancer (by labels) and the CCM's ingress load balancer (by name). */
  loadBalancers: LoadBalancer[];
  /** Talos snapshots k8zner uses (shared by clusters of the same Talos version). */
  snapshots: Image[];
}

/**
 * Hetzner Object Storage is not in `GET /pricing`: its list price is EUR 4.99 net per month,
 * including 1 TB of storage and 1 TB of egress (https://www.hetzner.com/storage/object-storage/).
 */
export const OBJECT_STORAGE_BASE_NET_EUR = 4.99;

/** Snapshot size assumed before the Talos image has been built (a Talos disk image compresses to ~1 GB). */
export const ASSUMED_SNAPSHOT_GB = 1;

/** Thrown when the price list lacks a price the estimate needs. */
export class PricingError extends Error {
  override name = "PricingError";
}

/** Rounds a unit price to the 4 decimal places the API gives prices in. */
function round(n: number): number {
  return Math.round(n * 10_000) / 10_000;
}

function money(net: string | number, gross: string | number): Money {
  return { net: Number(net), gross: Number(gross) };
}

/**
 * A line's monthly amount is rounded to cents once, from the unit price times the count (in integer
 * ten-thousandths, so `4.1531 * 3` cannot pick up float noise); totals then add those cents. That is
 * how an invoice adds up: every line shown sums exactly to the total shown, net and gross.
 */
function line(resource: string, detail: string, count: number, unit: Money): CostLine {
  const cents = (perUnit: number) => Math.round(Math.round(perUnit * 10_000) * count / 100) / 100;
  return { resource, detail, count, unit, monthly: { net: cents(unit.net), gross: cents(unit.gross) } };
}

/** Adds amounts that are whole cents, in integer cents. */
function addCents(amounts: number[]): number {
  return amounts.reduce((s, a) => s + Math.round(a * 100), 0) / 100;
}

function sum(lines: CostLine[]): Money {
  return {
    net: addCents(lines.map((l) => l.monthly.net)),
    gross: addCents(lines.map((l) => l.monthly.gross)),
  };
}

/** Monthly price of a server type in a location. */
export function serverPrice(pricing: Pricing, type: string, location: string): Money {
  const p = pricing.server_types.find((t) => t.name === type)?.prices.find((x) => x.location === location);
  if (!p) throw new PricingError(`Cannot price server type "${type}" in ${location}: GET /pricing has no such price`);
  return money(p.price_monthly.net, p.price_monthly.gross);
}

/** Monthly price of a load balancer type in a location. */
export function loadBalancerPrice(pricing: Pricing, type: string, location: string): Money {
  const p = pricing.load_balancer_types.find((t) => t.name === type)?.prices.find((x) => x.location === location);
  if (!p) {
    throw new PricingError(`Cannot price load balancer type "${type}" in ${location}: GET /pricing has no such price`);
  }
  return money(p.price_monthly.net, p.price_monthly.gross);
}

/** Monthly price of a primary IP; 0 when the price list has none for that kind (IPv6 is free). */
export function primaryIpPrice(pricing: Pricing, type: "ipv4" | "ipv6", location: string): Money | undefined {
  const p = pricing.primary_ips.find((t) => t.type === type)?.prices.find((x) => x.location === location);
  return p ? money(p.price_monthly.net, p.price_monthly.gross) : undefined;
}

function snapshotPricePerGb(pricing: Pricing): Money {
  return money(pricing.image.price_per_gb_month.net, pricing.image.price_per_gb_month.gross);
}

/** Groups items by a key, keeping first-seen order. */
function countBy<T>(items: T[], key: (item: T) => string): Map<string, { first: T; count: number }> {
  const out = new Map<string, { first: T; count: number }>();
  for (const item of items) {
    const k = key(item);
    const entry = out.get(k);
    if (entry) entry.count++;
    else out.set(k, { first: item, count: 1 });
  }
  return out;
}

function ipLines(pricing: Pricing, ips: { type: "ipv4" | "ipv6"; location: string }[], notes: Set<string>): CostLine[] {
  const lines: CostLine[] = [];
  for (const [, { first, count }] of countBy(ips, (ip) => `${ip.type}/${ip.location}`)) {
    const price = primaryIpPrice(pricing, first.type, first.location);
    if (price === undefined) {
      notes.add(`GET /pricing lists no ${first.type} primary IP price in ${first.location}; counted as free.`);
      continue;
    }
    lines.push(line(`primary ${first.type === "ipv4" ? "IPv4" : "IPv6"} (${first.location})`, "server", count, price));
  }
  return lines;
}

function snapshotLine(pricing: Pricing, gb: number, detail: string): CostLine {
  const per = snapshotPricePerGb(pricing);
  return line("snapshot storage", `${detail}, ${gb.toFixed(2)} GB`, 1, {
    net: round(per.net * gb),
    gross: round(per.gross * gb),
  });
}

/** The monthly cost of the desired state. */
export function plannedCost(
  desired: DesiredState,
  pricing: Pricing,
  existingSnapshots: Image[] = [],
): { lines: CostLine[]; notes: string[] } {
  const notes = new Set<string>();
  const lines: CostLine[] = [];
  for (const [, { first, count }] of countBy(desired.servers, (s) => `${s.role}/${s.server_type}/${s.location}`)) {
    lines.push(
      line(
        `server ${first.server_type} (${first.location})`,
        first.role === "control-plane" ? "control plane" : "worker",
        count,
        serverPrice(pricing, first.server_type, first.location),
      ),
    );
  }
  const lb = desired.loadBalancer.request;
  lines.push(
    line(
      `load balancer ${lb.load_balancer_type} (${lb.location})`,
      "Kubernetes API",
      1,
      loadBalancerPrice(pricing, lb.load_balancer_type, lb.location),
    ),
  );
  const traefik = desired.addons.traefik;
  if (traefik.enabled) {
    const ingress = traefik.loadBalancer;
    lines.push(
      line(
        `load balancer ${ingress.type} (${ingress.location})`,
        "ingress (created by the CCM)",
        1,
        loadBalancerPrice(pricing, ingress.type, ingress.location),
      ),
    );
  }
  const ips = desired.servers.flatMap((s) => [
    ...(s.public_net.enable_ipv4 ? [{ type: "ipv4" as const, location: s.location }] : []),
    ...(s.public_net.enable_ipv6 ? [{ type: "ipv6" as const, location: s.location }] : []),
  ]);
  lines.push(...ipLines(pricing, ips, notes));
  const builtGb = existingSnapshots.reduce((s, img) => s + (img.image_size ?? 0), 0);
  if (existingSnapshots.length > 0) {
    lines.push(snapshotLine(pricing, builtGb, "Talos image"));
  } else {
    lines.push(snapshotLine(pricing, ASSUMED_SNAPSHOT_GB, "Talos image, estimated"));
    notes.add(`The Talos snapshot is not built yet; its size is estimated at ${ASSUMED_SNAPSHOT_GB} GB.`);
  }
  if (desired.addons.talosBackup.enabled) {
    const vat = Number(pricing.vat_rate) / 100;
    lines.push(
      line("object storage", `etcd backups (bucket ${desired.addons.talosBackup.bucket})`, 1, {
        net: OBJECT_STORAGE_BASE_NET_EUR,
        gross: round(OBJECT_STORAGE_BASE_NET_EUR * (1 + vat)),
      }),
    );
    notes.add(
      "Object Storage is not in GET /pricing: priced at Hetzner's list price of EUR 4.99 net/month (1 TB included)" +
        (pricing.currency === "EUR" ? "." : `, shown as ${pricing.currency} without conversion.`),
    );
  }
  return { lines, notes: [...notes] };
}

/** The monthly cost of what exists now. */
export function currentCost(inventory: CurrentInventory, pricing: Pricing): { lines: CostLine[]; notes: string[] } {
  const notes = new Set<string>();
  const lines: CostLine[] = [];
  const roleOf = (s: Server) =>
    s.labels["k8zner.io/role"] === "control-plane" ? "control plane" : s.labels["k8zner.io/role"] ?? "server";
  for (
    const [, { first, count }] of countBy(
      inventory.servers,
      (s) => `${roleOf(s)}/${s.server_type.name}/${s.location.name}`,
    )
  ) {
    lines.push(
      line(
        `server ${first.server_type.name} (${first.location.name})`,
        roleOf(first),
        count,
        serverPrice(pricing, first.server_type.name, first.location.name),
      ),
    );
  }
  for (const lb of inventory.loadBalancers) {
    const detail = lb.labels["k8zner.io/role"] === "kube-api" ? "Kubernetes API" : `${lb.name}`;
    lines.push(
      line(
        `load balancer ${lb.load_balancer_type.name} (${lb.location.name})`,
        detail,
        1,
        loadBalancerPrice(pricing, lb.load_balancer_type.name, lb.location.name),
      ),
    );
  }
  const ips = inventory.servers.flatMap((s) => [
    ...(s.public_net.ipv4 ? [{ type: "ipv4" as const, location: s.location.name }] : []),
    ...(s.public_net.ipv6 ? [{ type: "ipv6" as const, location: s.location.name }] : []),
  ]);
  lines.push(...ipLines(pricing, ips, notes));
  if (inventory.snapshots.length > 0) {
    const gb = inventory.snapshots.reduce((s, img) => s + (img.image_size ?? 0), 0);
    lines.push(snapshotLine(pricing, gb, `${inventory.snapshots.length} Talos image(s)`));
  }
  return { lines, notes: [...notes] };
}

/** Planned, current and delta. */
export function estimateCost(desired: DesiredState, pricing: Pricing, inventory: CurrentInventory): CostReport {
  const planned = plannedCost(desired, pricing, inventory.snapshots);
  const current = currentCost(inventory, pricing);
  const p = sum(planned.lines);
  const c = sum(current.lines);
  const notes = [...new Set([...planned.notes, ...current.notes])];
  if (desired.addons.talosBackup.enabled) {
    notes.push("Object Storage buckets carry no labels, so the current cost leaves them out.");
  }
  return {
    currency: pricing.currency,
    vatRate: Number(pricing.vat_rate),
    planned: planned.lines,
    current: current.lines,
    totals: {
      planned: p,
      current: c,
      delta: { net: addCents([p.net, -c.net]), gross: addCents([p.gross, -c.gross]) },
    },
    notes,
  };
}
