/**
 * IPv4/IPv6 address and CIDR helpers: strict parsing (for validating user input) and the
 * Terraform-style `cidrSubnet`/`cidrHost` arithmetic the network layout is computed with.
 *
 * @module
 */

/** A parsed CIDR block. `address` is the value of the first address as a bigint. */
export interface Cidr {
  version: 4 | 6;
  address: bigint;
  prefix: number;
}

const IPV4_PART = /^(0|[1-9][0-9]{0,2})$/;

/** Parses a dotted-quad IPv4 address (no leading zeros, each part 0..255); undefined if invalid. */
export function parseIpv4(text: string): bigint | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    if (!IPV4_PART.test(part)) return undefined;
    const n = Number(part);
    if (n > 255) return undefined;
    value = (value << 8n) | BigInt(n);
  }
  return value;
}

/** Parses an IPv6 address (RFC 4291 text forms, including `::` and a trailing dotted quad); undefined if invalid. */
export function parseIpv6(text: string): bigint | undefined {
  if (text.length === 0 || text.length > 45 || text.includes("%")) return undefined;
  let head = text;
  let tailV4: bigint | undefined;
  const lastColon = text.lastIndexOf(":");
  if (text.slice(lastColon + 1).includes(".")) {
    tailV4 = parseIpv4(text.slice(lastColon + 1));
    if (tailV4 === undefined) return undefined;
    head = text.slice(0, lastColon + 1) + "0:0";
  }
  const halves = head.split("::");
  if (halves.length > 2) return undefined;
  const parseGroups = (s: string): number[] | undefined => {
    if (s === "") return [];
    const out: number[] = [];
    for (const g of s.split(":")) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const left = parseGroups(halves[0]!);
  const right = halves.length === 2 ? parseGroups(halves[1]!) : [];
  if (left === undefined || right === undefined) return undefined;
  let groups: number[];
  if (halves.length === 2) {
    const missing = 8 - left.length - right.length;
    if (missing < 1) return undefined;
    groups = [...left, ...new Array<number>(missing).fill(0), ...right];
  } else {
    groups = left;
  }
  if (groups.length !== 8) return undefined;
  let value = 0n;
  for (const g of groups) value = (value << 16n) | BigInt(g);
  if (tailV4 !== undefined) value = (value & ~0xffffffffn) | tailV4;
  return value;
}

/** Why a CIDR string was rejected, or the parsed block. */
export type CidrParse =
  | { ok: true; cidr: Cidr; normalized: string }
  | { ok: false; reason: string; suggestion?: string };

/**
 * Parses `address/prefix` strictly. A bare address is accepted as a single host (`/32` or `/128`).
 * Host bits set below the prefix are rejected with the network address as the suggestion, because
 * "10.0.0.1/8" is almost always a typo for either "10.0.0.1/32" or "10.0.0.0/8".
 */
export function parseCidr(text: string): CidrParse {
  const slash = text.indexOf("/");
  const addrText = slash === -1 ? text : text.slice(0, slash);
  const prefixText = slash === -1 ? undefined : text.slice(slash + 1);
  const v4 = parseIpv4(addrText);
  const v6 = v4 === undefined ? parseIpv6(addrText) : undefined;
  if (v4 === undefined && v6 === undefined) {
    return { ok: false, reason: `"${addrText}" is not an IPv4 or IPv6 address` };
  }
  const version: 4 | 6 = v4 !== undefined ? 4 : 6;
  const bits = version === 4 ? 32 : 128;
  let prefix = bits;
  if (prefixText !== undefined) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(prefixText) || Number(prefixText) > bits) {
      return { ok: false, reason: `prefix length "/${prefixText}" must be a number from 0 to ${bits}` };
    }
    prefix = Number(prefixText);
  }
  const address = (v4 ?? v6)!;
  const hostMask = (1n << BigInt(bits - prefix)) - 1n;
  if ((address & hostMask) !== 0n) {
    const network = formatAddress(version, address & ~hostMask);
    return {
      ok: false,
      reason: `host bits are set below the /${prefix} prefix`,
      suggestion: `${network}/${prefix} for the network, or ${formatAddress(version, address)}/${bits} for one host`,
    };
  }
  return { ok: true, cidr: { version, address, prefix }, normalized: formatCidr({ version, address, prefix }) };
}

/** True when `text` is a valid CIDR (or bare address) per {@link parseCidr}. */
export function isValidCidr(text: string): boolean {
  return parseCidr(text).ok;
}

/** Formats an address value in canonical text form (RFC 5952 for IPv6). */
export function formatAddress(version: 4 | 6, value: bigint): string {
  if (version === 4) {
    return [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 0xffn)).join(".");
  }
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((value >> BigInt(i * 16)) & 0xffffn));
  // RFC 5952: compress the longest run (length >= 2) of zero groups, the first one on a tie.
  let bestStart = -1, bestLen = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart === -1) return hex.join(":");
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLen).join(":")}`;
}

/** Formats a CIDR block as `address/prefix`. */
export function formatCidr(cidr: Cidr): string {
  return `${formatAddress(cidr.version, cidr.address)}/${cidr.prefix}`;
}

function mustParse(text: string): Cidr {
  const parsed = parseCidr(text);
  if (!parsed.ok) throw new RangeError(`Cannot parse CIDR "${text}": ${parsed.reason}`);
  return parsed.cidr;
}

/**
 * Terraform's `cidrsubnet(prefix, newbits, netnum)`: the `netnum`-th block of size
 * `/(prefix+newbits)` inside `base`.
 */
export function cidrSubnet(base: string, newbits: number, netnum: number): string {
  const cidr = mustParse(base);
  const bits = cidr.version === 4 ? 32 : 128;
  const prefix = cidr.prefix + newbits;
  if (newbits < 0 || prefix > bits) throw new RangeError(`Cannot add ${newbits} bits to ${base}`);
  if (netnum < 0 || BigInt(netnum) >= 1n << BigInt(newbits)) {
    throw new RangeError(`Cannot take subnet ${netnum} of ${base} with ${newbits} new bits: out of range`);
  }
  const address = cidr.address | (BigInt(netnum) << BigInt(bits - prefix));
  return formatCidr({ version: cidr.version, address, prefix });
}

/**
 * Terraform's `cidrhost(prefix, hostnum)`: the `hostnum`-th address in the block; a negative
 * number counts back from the end (-1 is the last address).
 */
export function cidrHost(base: string, hostnum: number): string {
  const cidr = mustParse(base);
  const bits = cidr.version === 4 ? 32 : 128;
  const size = 1n << BigInt(bits - cidr.prefix);
  const offset = hostnum >= 0 ? BigInt(hostnum) : size + BigInt(hostnum);
  if (offset < 0n || offset >= size) throw new RangeError(`Cannot take host ${hostnum} of ${base}: out of range`);
  return formatAddress(cidr.version, cidr.address + offset);
}

/** True when block `inner` lies entirely inside block `outer` (same IP version). */
export function cidrContains(outer: string, inner: string): boolean {
  const o = mustParse(outer), i = mustParse(inner);
  if (o.version !== i.version || i.prefix < o.prefix) return false;
  const bits = o.version === 4 ? 32 : 128;
  const mask = ((1n << BigInt(bits)) - 1n) ^ ((1n << BigInt(bits - o.prefix)) - 1n);
  return (i.address & mask) === o.address;
}
