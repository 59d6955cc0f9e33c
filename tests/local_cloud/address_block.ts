/**
 * Loopback address blocks for local clouds. Each local cloud takes the public IPv4s of its servers from
 * `127.B.1.0/24`–`127.B.9.0/24` and of its load balancers from `127.B.200.0/24`, with B the first block
 * no other local cloud holds, so several clouds (parallel test files, a demo next to a test run) never
 * bind the same `<ip>:50000`, `:6443` or `:22`. A block is held by listening on `127.B.0.1:LOCK_PORT`
 * (released at close, or by the OS when the process dies), which works across processes.
 *
 * @module
 */
import type { PublicIpv4Ranges } from "../hcloud_sim/mod.ts";

/** The port whose listener at `127.B.0.1` marks block B as taken (below Linux's ephemeral range). */
export const LOCK_PORT = 29_171;
/** Blocks tried, from 0 (`127.0.1.x`) up. */
const MAX_BLOCKS = 250;

/** A claimed block. */
export interface AddressBlock {
  /** The second octet B. */
  readonly block: number;
  readonly ranges: Required<PublicIpv4Ranges>;
  /** Frees the block for other local clouds. */
  release(): void;
}

/** The address ranges of block `b`. */
export function blockRanges(b: number): Required<PublicIpv4Ranges> {
  return {
    server: Array.from({ length: 9 }, (_, i) => `127.${b}.${i + 1}.0/24`),
    load_balancer: [`127.${b}.200.0/24`],
  };
}

/** Claims the first free block; throws when all are taken. */
export function claimAddressBlock(): AddressBlock {
  for (let b = 0; b < MAX_BLOCKS; b++) {
    let lock: Deno.Listener;
    try {
      lock = Deno.listen({ hostname: `127.${b}.0.1`, port: LOCK_PORT });
    } catch (err) {
      if (err instanceof Deno.errors.AddrInUse) continue;
      throw new Error(`Cannot claim loopback block 127.${b}.0.0/16 for a local cloud: ${(err as Error).message}`, {
        cause: err,
      });
    }
    let released = false;
    return {
      block: b,
      ranges: blockRanges(b),
      release: () => {
        if (released) return;
        released = true;
        lock.close();
      },
    };
  }
  throw new Error(`Cannot start a local cloud: all ${MAX_BLOCKS} loopback blocks are taken by other local clouds`);
}
