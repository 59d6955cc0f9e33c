/**
 * IPv4/IPv6 helpers for the simulator: CIDR parsing, containment, private-IP allocation inside
 * subnets, and public addresses from the documentation ranges (RFC 5737, RFC 3849).
 *
 * @module
 */

/** A parsed IPv4 CIDR. */
export interface Cidr4 {
  base: number;
  prefix: number;
  size: number;
}

/** Parses `a.b.c.d` to an unsigned integer, or `undefined`. */
export function parseIpv4(ip: string): number | undefined {
  const m = ip.match(/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return ((parts[0]! << 24) >>> 0) + (parts[1]! << 16) + (parts[2]! << 8) + parts[3]!;
}

/** Formats an unsigned integer as `a.b.c.d`. */
export function formatIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

/** Parses `a.b.c.d/p` (the base must be the network address), or `undefined`. */
export function parseCidr4(cidr: string): Cidr4 | undefined {
  const [ip, p] = cidr.split("/");
  const base = ip === undefined ? undefined : parseIpv4(ip);
  if (base === undefined || p === undefined || !/^\d{1,2}$/.test(p) || Number(p) > 32) return undefined;
  const prefix = Number(p);
  const size = 2 ** (32 - prefix);
  if (base % size !== 0) return undefined;
  return { base, prefix, size };
}

/** Whether `ip` (integer) lies in `cidr`. */
export function cidrContains(cidr: Cidr4, ip: number): boolean {
  return ip >= cidr.base && ip < cidr.base + cidr.size;
}

/** Whether two CIDRs overlap. */
export function cidrOverlaps(a: Cidr4, b: Cidr4): boolean {
  return a.base < b.base + b.size && b.base < a.base + a.size;
}

/** Whether `cidr` is inside an RFC 1918 range (Hetzner networks must be). */
export function isRfc1918(cidr: Cidr4): boolean {
  return ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"].some((r) => {
    const range = parseCidr4(r)!;
    return cidrContains(range, cidr.base) && cidrContains(range, cidr.base + cidr.size - 1);
  });
}

/**
 * First free host address of `subnet`, skipping the network and broadcast addresses, the network
 * gateway and addresses in `used`; `undefined` when the subnet is full.
 */
export function firstFreeIp(subnet: Cidr4, gateway: number, used: Set<number>): number | undefined {
  for (let ip = subnet.base + 1; ip < subnet.base + subnet.size - 1; ip++) {
    if (ip !== gateway && !used.has(ip) && formatIpv4(ip) !== "172.31.1.1") return ip;
  }
  return undefined;
}

const PUBLIC_V4_POOLS = ["203.0.113.0/24", "198.51.100.0/24", "192.0.2.0/24"].map((c) => parseCidr4(c)!);

/** What a public IPv4 address is for: a server (primary IP) or a load balancer. */
export type PublicIpv4Kind = "server" | "load_balancer";

/**
 * Ranges (CIDRs) public IPv4 addresses are taken from, per kind; a kind left out uses the
 * documentation ranges. The local cloud passes loopback ranges (e.g. `127.0.1.0/24`) so that
 * fakes can listen at the addresses the simulator hands out.
 */
export type PublicIpv4Ranges = Partial<Record<PublicIpv4Kind, string[]>>;

/** Hands out public IPv4 addresses from the documentation ranges and IPv6 /64s from 2001:db8::/32. */
export class PublicIpPool {
  #v4 = new Set<number>();
  #released = new Set<number>();
  #v6 = 0;
  #pools: Record<PublicIpv4Kind, Cidr4[]>;

  /** Throws `TypeError` when a range is not a valid IPv4 CIDR. */
  constructor(ranges: PublicIpv4Ranges = {}) {
    const parse = (kind: PublicIpv4Kind) => {
      const given = ranges[kind];
      if (given === undefined) return PUBLIC_V4_POOLS;
      if (given.length === 0) throw new TypeError(`Cannot use public IPv4 ranges for ${kind}: the list is empty`);
      return given.map((c) => {
        const cidr = parseCidr4(c);
        if (!cidr) throw new TypeError(`Cannot use public IPv4 range "${c}" for ${kind}: not an IPv4 CIDR`);
        return cidr;
      });
    };
    this.#pools = { server: parse("server"), load_balancer: parse("load_balancer") };
  }

  /**
   * A free public IPv4 address for `kind` (default: a server's). Addresses never used before come
   * first: a released address is handed out again only when the pool has no fresh one left, so a
   * new server does not inherit the address (and the local cloud's listeners) of one just deleted.
   */
  allocateV4(kind: PublicIpv4Kind = "server"): string {
    for (const fresh of [true, false]) {
      for (const pool of this.#pools[kind]) {
        for (let ip = pool.base + 1; ip < pool.base + pool.size - 1; ip++) {
          if (this.#v4.has(ip) || (fresh && this.#released.has(ip))) continue;
          this.#v4.add(ip);
          return formatIpv4(ip);
        }
      }
    }
    throw new Error(`simulator public IPv4 pool for ${kind} exhausted`);
  }

  /** Returns an IPv4 address to the pool. */
  releaseV4(ip: string): void {
    const n = parseIpv4(ip);
    if (n === undefined) return;
    this.#v4.delete(n);
    this.#released.add(n);
  }

  /** A fresh IPv6 /64 network, e.g. `2001:db8:0:3::/64`. */
  allocateV6Net(): string {
    this.#v6 += 1;
    return `2001:db8:${(this.#v6 >>> 16).toString(16)}:${(this.#v6 & 0xffff).toString(16)}::/64`;
  }
}
