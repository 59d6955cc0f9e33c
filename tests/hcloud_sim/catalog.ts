/**
 * The fixed catalog the simulator serves: locations, server types, load balancer types, system
 * images and prices (EUR, net and gross decimal strings as the API writes them: net with 10
 * decimals, gross with 16). Prices are plausible 2026 list prices, not quotes.
 *
 * @module
 */

/** A location as `GET /locations` returns it. */
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

/** Locations Hetzner Cloud lists (network zones per the API docs). */
export const LOCATIONS: readonly Location[] = [
  loc(1, "fsn1", "Falkenstein DC Park 1", "DE", "Falkenstein", 50.47612, 12.370071, "eu-central"),
  loc(2, "nbg1", "Nuremberg DC Park 1", "DE", "Nuremberg", 49.452102, 11.076665, "eu-central"),
  loc(3, "hel1", "Helsinki DC Park 1", "FI", "Helsinki", 60.169855, 24.938379, "eu-central"),
  loc(4, "ash", "Ashburn, VA", "US", "Ashburn, VA", 39.045821, -77.487073, "us-east"),
  loc(5, "hil", "Hillsboro, OR", "US", "Hillsboro, OR", 45.54222, -122.951924, "us-west"),
  loc(6, "sin", "Singapore", "SG", "Singapore", 1.283333, 103.833333, "ap-southeast"),
];

function loc(
  id: number,
  name: string,
  description: string,
  country: string,
  city: string,
  latitude: number,
  longitude: number,
  network_zone: string,
): Location {
  return { id, name, description, country, city, latitude, longitude, network_zone };
}

const EU = ["fsn1", "nbg1", "hel1"];
const ALL = LOCATIONS.map((l) => l.name);
/** Price multiplier and traffic terms per location. */
const REGION: Record<string, { factor: number; includedTb: number; perTb: number }> = {
  fsn1: { factor: 1, includedTb: 20, perTb: 1 },
  nbg1: { factor: 1, includedTb: 20, perTb: 1 },
  hel1: { factor: 1, includedTb: 20, perTb: 1 },
  ash: { factor: 1.2, includedTb: 1, perTb: 1 },
  hil: { factor: 1.2, includedTb: 1, perTb: 1 },
  sin: { factor: 1.3, includedTb: 0.5, perTb: 7.4 },
};
const TB = 1024 ** 4;

/** VAT applied to gross prices (percent). */
export const VAT_PERCENT = 19;

/** A price as `{net, gross}` decimal strings. */
export interface Money {
  net: string;
  gross: string;
}

/** Formats a net amount (given in 1/10000 EUR) the way the API does, with gross = net + VAT. */
export function money(netTenThousandths: number): Money {
  const net = BigInt(Math.round(netTenThousandths));
  const gross = net * BigInt(100 + VAT_PERCENT); // in 1/1_000_000 EUR
  return { net: decimal(net, 4, 10), gross: decimal(gross, 6, 16) };
}

function decimal(value: bigint, scale: number, digits: number): string {
  const s = value.toString().padStart(scale + 1, "0");
  return `${s.slice(0, -scale)}.${s.slice(-scale).padEnd(digits, "0")}`;
}

/** A per-location price entry (server and load balancer types). */
export interface LocationPrice {
  location: string;
  price_hourly: Money;
  price_monthly: Money;
  included_traffic: number;
  price_per_tb_traffic: Money;
}

function pricesFor(monthlyNet: number, locations: string[], trafficTb?: number): LocationPrice[] {
  return locations.map((location) => {
    const r = REGION[location]!;
    const monthly = Math.round(monthlyNet * r.factor * 10000);
    return {
      location,
      price_hourly: money(Math.round(monthly / 620)),
      price_monthly: money(monthly),
      included_traffic: Math.round((trafficTb ?? r.includedTb) * TB),
      price_per_tb_traffic: money(r.perTb * 10000),
    };
  });
}

/** A server type as `GET /server_types` returns it. */
export interface ServerType {
  id: number;
  name: string;
  description: string;
  cores: number;
  memory: number;
  disk: number;
  deprecated: boolean;
  prices: LocationPrice[];
  storage_type: "local" | "network";
  cpu_type: "shared" | "dedicated";
  category: string;
  architecture: "x86" | "arm";
  deprecation: { unavailable_after: string; announced: string } | null;
  locations: {
    id: number;
    name: string;
    deprecation: { unavailable_after: string; announced: string } | null;
    recommended: boolean;
    available: boolean;
  }[];
}

const CX_GEN2_DEPRECATION = { announced: "2025-10-16T06:00:00+00:00", unavailable_after: "2026-01-01T00:00:00+00:00" };

function st(
  id: number,
  name: string,
  [cores, memory, disk]: [number, number, number],
  monthlyNet: number,
  family: { cpu: "shared" | "dedicated"; arch: "x86" | "arm"; category: string; where: string[] },
  deprecated = false,
): ServerType {
  const deprecation = deprecated ? CX_GEN2_DEPRECATION : null;
  return {
    id,
    name,
    description: name.toUpperCase(),
    cores,
    memory,
    disk,
    deprecated,
    prices: pricesFor(monthlyNet, family.where),
    storage_type: "local",
    cpu_type: family.cpu,
    category: family.category,
    architecture: family.arch,
    deprecation,
    locations: family.where.map((n) => {
      const l = LOCATIONS.find((x) => x.name === n)!;
      return { id: l.id, name: n, deprecation, recommended: !deprecated, available: !deprecated };
    }),
  };
}

const CX = { cpu: "shared", arch: "x86", category: "cost_optimized", where: EU } as const;
const CPX = { cpu: "shared", arch: "x86", category: "regular_purpose", where: ALL } as const;
const CAX = { cpu: "shared", arch: "arm", category: "cost_optimized", where: EU } as const;
const CCX = { cpu: "dedicated", arch: "x86", category: "general_purpose", where: ALL } as const;

/** Current server types (plus the deprecated `cx22`, no longer orderable). */
export const SERVER_TYPES: readonly ServerType[] = [
  st(22, "cx22", [2, 4, 40], 3.79, { ...CX, where: [...EU] }, true),
  st(114, "cx23", [2, 4, 40], 3.49, { ...CX, where: [...EU] }),
  st(115, "cx33", [4, 8, 80], 5.49, { ...CX, where: [...EU] }),
  st(116, "cx43", [8, 16, 160], 9.49, { ...CX, where: [...EU] }),
  st(117, "cx53", [16, 32, 320], 17.49, { ...CX, where: [...EU] }),
  st(103, "cpx12", [1, 2, 40], 4.49, { ...CPX, where: [...ALL] }),
  st(104, "cpx22", [2, 4, 80], 6.49, { ...CPX, where: [...ALL] }),
  st(105, "cpx32", [4, 8, 160], 10.99, { ...CPX, where: [...ALL] }),
  st(106, "cpx42", [8, 16, 320], 19.99, { ...CPX, where: [...ALL] }),
  st(107, "cpx52", [12, 24, 480], 27.99, { ...CPX, where: [...ALL] }),
  st(108, "cpx62", [16, 32, 640], 38.49, { ...CPX, where: [...ALL] }),
  st(45, "cax11", [2, 4, 40], 3.79, { ...CAX, where: [...EU] }),
  st(93, "cax21", [4, 8, 80], 6.49, { ...CAX, where: [...EU] }),
  st(94, "cax31", [8, 16, 160], 12.49, { ...CAX, where: [...EU] }),
  st(95, "cax41", [16, 32, 320], 24.49, { ...CAX, where: [...EU] }),
  st(96, "ccx13", [2, 8, 80], 12.49, { ...CCX, where: [...ALL] }),
  st(97, "ccx23", [4, 16, 160], 24.49, { ...CCX, where: [...ALL] }),
  st(98, "ccx33", [8, 32, 240], 48.49, { ...CCX, where: [...ALL] }),
  st(99, "ccx43", [16, 64, 360], 96.49, { ...CCX, where: [...ALL] }),
  st(100, "ccx53", [32, 128, 600], 192.49, { ...CCX, where: [...ALL] }),
  st(101, "ccx63", [48, 192, 960], 288.49, { ...CCX, where: [...ALL] }),
];

/** A load balancer type as `GET /load_balancer_types` returns it. */
export interface LoadBalancerType {
  id: number;
  name: string;
  description: string;
  max_connections: number;
  max_services: number;
  max_targets: number;
  max_assigned_certificates: number;
  deprecated: string | null;
  deprecation: null;
  prices: LocationPrice[];
}

function lbt(id: number, name: string, limits: [number, number, number, number], net: number, tb: number) {
  return {
    id,
    name,
    description: name.toUpperCase(),
    max_connections: limits[0],
    max_services: limits[1],
    max_targets: limits[2],
    max_assigned_certificates: limits[3],
    deprecated: null,
    deprecation: null,
    prices: pricesFor(net, ALL, tb),
  };
}

/** Load balancer types. */
export const LOAD_BALANCER_TYPES: readonly LoadBalancerType[] = [
  lbt(1, "lb11", [10000, 5, 25, 10], 5.39, 20),
  lbt(2, "lb21", [20000, 15, 75, 25], 16.4, 20),
  lbt(3, "lb31", [40000, 30, 150, 50], 32.9, 30),
];

/** A system image of the catalog. */
export interface SystemImage {
  id: number;
  name: string;
  description: string;
  os_flavor: "ubuntu" | "debian" | "fedora" | "rocky" | "alma";
  os_version: string;
  architecture: "x86" | "arm";
  created: string;
}

const SYSTEM_IMAGE_LIST: [string, string, SystemImage["os_flavor"], string][] = [
  ["debian-12", "Debian 12", "debian", "12"],
  ["debian-13", "Debian 13", "debian", "13"],
  ["ubuntu-22.04", "Ubuntu 22.04", "ubuntu", "22.04"],
  ["ubuntu-24.04", "Ubuntu 24.04", "ubuntu", "24.04"],
  ["rocky-9", "Rocky Linux 9", "rocky", "9"],
  ["alma-9", "AlmaLinux 9", "alma", "9"],
  ["fedora-42", "Fedora 42", "fedora", "42"],
];

/** System images, each for x86 and arm (same name, as in the real API). */
export const SYSTEM_IMAGES: readonly SystemImage[] = SYSTEM_IMAGE_LIST.flatMap(([name, description, flavor, v], i) =>
  (["x86", "arm"] as const).map((architecture, j) => ({
    id: 1000 + i * 2 + j,
    name,
    description,
    os_flavor: flavor,
    os_version: v,
    architecture,
    created: "2025-08-12T10:00:00+00:00",
  }))
);

/** The `GET /pricing` body. */
export function renderPricing() {
  return {
    pricing: {
      currency: "EUR",
      vat_rate: `${VAT_PERCENT}.00`,
      primary_ips: [
        {
          type: "ipv4",
          prices: ALL.map((location) => ({ location, price_hourly: money(8), price_monthly: money(5000) })),
        },
        {
          type: "ipv6",
          prices: ALL.map((location) => ({ location, price_hourly: money(0), price_monthly: money(0) })),
        },
      ],
      floating_ips: [
        { type: "ipv4", prices: ALL.map((location) => ({ location, price_monthly: money(30000) })) },
        { type: "ipv6", prices: ALL.map((location) => ({ location, price_monthly: money(10000) })) },
      ],
      image: { price_per_gb_month: money(110) },
      volume: { price_per_gb_month: money(440) },
      server_backup: { percentage: "20.00" },
      server_types: SERVER_TYPES.map((t) => ({ id: t.id, name: t.name, prices: t.prices })),
      load_balancer_types: LOAD_BALANCER_TYPES.map((t) => ({ id: t.id, name: t.name, prices: t.prices })),
      floating_ip: { price_monthly: money(30000) },
    },
  };
}

/** Finds a catalog entry by numeric id or name (as the API accepts both). */
export function byIdOrName<T extends { id: number; name: string }>(list: readonly T[], ref: unknown): T | undefined {
  if (typeof ref === "number") return list.find((x) => x.id === ref);
  if (typeof ref !== "string") return undefined;
  return list.find((x) => x.name === ref || String(x.id) === ref);
}
