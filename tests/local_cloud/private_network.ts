/**
 * The local cloud's private networks on loopback. Each Hetzner network gets a loopback /16 of its own
 * (claimed like a local cloud's public block, `address_block.ts`, so two networks of one cloud and
 * two clouds running at once never collide), and a private IP keeps its host part there:
 * network `10.0.0.0/16` on block 105 puts `10.0.1.2` at `127.105.1.2`.
 *
 * What a server serves on its private interface (Talos on 50000, a control plane's Kubernetes API on
 * 6443) listens at its translated private address. Hetzner firewalls apply to public interfaces only,
 * so nothing here is filtered. The operator reaches nodes through the same translation, passed to it
 * as `K8ZNER_TALOS_ADDRESS_MAP` (`<network cidr>=<loopback cidr>`), the product's dialer-side map.
 *
 * @module
 */
import type { HcloudSimulator } from "../hcloud_sim/mod.ts";
import { formatAddress, parseCidr, parseIpv4 } from "../../src/lib/cidr.ts";
import { type AddressBlock, claimAddressBlock } from "./address_block.ts";
import { type Backend, Gate } from "./tcp_gate.ts";

/** Dependencies of {@link PrivateNetwork}. */
export interface PrivateNetworkDeps {
  sim: HcloudSimulator;
  log: (line: string) => void;
  /** Claims a free loopback /16 (default: {@link claimAddressBlock}). */
  claimBlock?: () => AddressBlock;
}

interface Mapped {
  block: AddressBlock;
  /** The network's range, e.g. `10.0.0.0/16`. */
  range: string;
  /** The same range on loopback, e.g. `127.105.0.0/16`. */
  loopback: string;
  base: bigint;
  prefix: number;
}

/** The private side of the local cloud's servers, on loopback. */
export class PrivateNetwork {
  readonly #deps: PrivateNetworkDeps;
  readonly #networks = new Map<number, Mapped>();
  readonly #gates = new Map<string, Gate>();
  /** Which gate key listens at each `<loopback address>:<port>`. */
  readonly #holders = new Map<string, string>();
  #closed = false;

  constructor(deps: PrivateNetworkDeps) {
    this.#deps = deps;
  }

  /**
   * `<network range>=<loopback range>` for Hetzner network `networkId` (claims its block on first use);
   * throws when the network does not exist or is larger than a /16.
   */
  addressMap(networkId: number): string {
    const mapped = this.#mapped(networkId);
    return `${mapped.range}=${mapped.loopback}`;
  }

  /** The loopback address standing for `privateIp` of network `networkId`. */
  loopbackOf(networkId: number, privateIp: string): string {
    const mapped = this.#mapped(networkId);
    const ip = parseIpv4(privateIp);
    const mask = (1n << BigInt(32 - mapped.prefix)) - 1n;
    if (ip === undefined || (ip & ~mask) !== mapped.base) {
      throw new RangeError(`Cannot map "${privateIp}" to loopback: not in network ${mapped.range}`);
    }
    const loopbackBase = parseIpv4(mapped.loopback.split("/")[0]!)!;
    return formatAddress(4, loopbackBase | (ip & mask));
  }

  /**
   * Server `serverId` serves `port` on its private IP `privateIp` of network `networkId` (its fake
   * listens at `backend()`, looked up per connection): opens the translated address, unfiltered.
   */
  async openServerPort(
    serverId: number,
    where: { networkId: number; privateIp: string },
    port: number,
    backend: () => Backend | undefined,
  ): Promise<void> {
    if (this.#closed) return;
    const hostname = this.loopbackOf(where.networkId, where.privateIp);
    const key = `${serverId}:${where.privateIp}:${port}`;
    const address = `${hostname}:${port}`;
    // Hetzner hands a deleted server's private IP to the next server at once (a restore's first control
    // plane takes its planned 10.0.0.2 again), while the deleted server's own teardown here may still be
    // queued behind its shutdown: the address now belongs to this server, so the old listener goes first
    // (else this listen fails with AddrInUse and the new server never answers).
    const holder = this.#holders.get(address);
    if (holder !== undefined && holder !== key) {
      const stale = this.#gates.get(holder);
      this.#gates.delete(holder);
      await stale?.close();
    }
    await this.#gates.get(key)?.close();
    const listener = Deno.listen({ hostname, port });
    this.#holders.set(address, key);
    this.#gates.set(
      key,
      new Gate(listener, () => {
        const b = backend();
        return b ? { backend: b } : { drop: `server ${serverId} does not serve ${port} on ${where.privateIp}` };
      }, this.#deps.log),
    );
  }

  /** Server `serverId` no longer serves `port` on any private IP. */
  async closeServerPort(serverId: number, port: number): Promise<void> {
    const doomed = [...this.#gates].filter(([key]) => key.startsWith(`${serverId}:`) && key.endsWith(`:${port}`));
    for (const [key] of doomed) this.#gates.delete(key);
    for (const [address, key] of [...this.#holders]) if (!this.#gates.has(key)) this.#holders.delete(address);
    await Promise.all(doomed.map(([, gate]) => gate.close()));
  }

  /** Closes every port and frees the claimed blocks. */
  async close(): Promise<void> {
    this.#closed = true;
    const gates = [...this.#gates.values()];
    this.#gates.clear();
    this.#holders.clear();
    await Promise.all(gates.map((g) => g.close()));
    for (const mapped of this.#networks.values()) mapped.block.release();
    this.#networks.clear();
  }

  #mapped(networkId: number): Mapped {
    const known = this.#networks.get(networkId);
    if (known) return known;
    const network = this.#deps.sim.state.networks.get(networkId);
    if (!network) throw new RangeError(`Cannot map network ${networkId} to loopback: it does not exist`);
    const parsed = parseCidr(network.ipRange);
    if (!parsed.ok || parsed.cidr.version !== 4 || parsed.cidr.prefix < 16) {
      throw new RangeError(
        `Cannot map network "${network.name}" (${network.ipRange}) to loopback: only IPv4 ranges of /16 or smaller fit`,
      );
    }
    if (this.#closed) throw new Error(`Cannot map network "${network.name}": the local cloud is closed`);
    const block = (this.#deps.claimBlock ?? claimAddressBlock)();
    const { address, prefix } = parsed.cidr;
    const loopback = `${
      formatAddress(4, (127n << 24n) | (BigInt(block.block) << 16n) | (address & 0xffffn))
    }/${prefix}`;
    const mapped = { block, range: parsed.normalized, loopback, base: address, prefix };
    this.#networks.set(networkId, mapped);
    this.#deps.log(`network ${network.name}: private ${mapped.range} on loopback ${loopback}`);
    return mapped;
  }
}
