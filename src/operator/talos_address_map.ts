/**
 * The Talos address map (`--talos-address-map` / `K8ZNER_TALOS_ADDRESS_MAP`): `<cidr>=<cidr>[,…]`, e.g.
 * `10.0.0.0/16=127.101.0.0/16`. An endpoint inside a source block is dialled at the same host part of
 * the target block. The operator normally runs inside the private network and needs none; outside it
 * (through a tunnel, or a local cloud on loopback addresses) it is how the nodes' private IPs are
 * reached. It is applied only where a Talos connection is dialled; everything else (configs,
 * etcd members, status) keeps the real private IPs.
 *
 * @module
 */
import { type Cidr, formatAddress, parseCidr, parseIpv4 } from "../lib/cidr.ts";

/** A parsed map: translates one IPv4 host, or returns it unchanged when no block covers it. */
export interface TalosAddressMap {
  /** The `host` to dial for `host` (IPv4); unchanged when unmapped. */
  translate(host: string): string;
  /** `host[:port]` endpoint to dial for an endpoint. */
  translateEndpoint(endpoint: string): string;
  readonly size: number;
}

interface Entry {
  from: bigint;
  to: bigint;
  prefix: number;
}

function block(entry: string, text: string): Cidr {
  const parsed = parseCidr(text.trim());
  if (!parsed.ok) throw new TypeError(`Talos address map entry "${entry}": ${parsed.reason}`);
  if (parsed.cidr.version !== 4) {
    throw new TypeError(`Talos address map entry "${entry}": only IPv4 blocks are supported`);
  }
  return parsed.cidr;
}

/**
 * Parses the map. Each entry is two IPv4 CIDRs of the same prefix length joined by `=`.
 *
 * @throws {TypeError} naming the entry and what is wrong.
 */
export function parseTalosAddressMap(text: string): TalosAddressMap {
  const entries: Entry[] = [];
  for (const raw of text.split(",").map((s) => s.trim()).filter((s) => s !== "")) {
    const parts = raw.split("=");
    if (parts.length !== 2) {
      throw new TypeError(`Talos address map entry "${raw}" must be <cidr>=<cidr>, e.g. 10.0.0.0/16=127.101.0.0/16`);
    }
    const from = block(raw, parts[0]!);
    const to = block(raw, parts[1]!);
    if (from.prefix !== to.prefix) {
      throw new TypeError(`Talos address map entry "${raw}": both blocks need the same prefix length`);
    }
    entries.push({ from: from.address, to: to.address, prefix: from.prefix });
  }
  const translate = (host: string): string => {
    const ip = parseIpv4(host);
    if (ip === undefined) return host;
    for (const e of entries) {
      const hostMask = (1n << (32n - BigInt(e.prefix))) - 1n;
      if ((ip & ~hostMask) === e.from) return formatAddress(4, e.to | (ip & hostMask));
    }
    return host;
  };
  return {
    size: entries.length,
    translate,
    translateEndpoint(endpoint) {
      const m = endpoint.match(/^([0-9.]+)(:\d+)?$/);
      return m ? translate(m[1]!) + (m[2] ?? "") : endpoint;
    },
  };
}
