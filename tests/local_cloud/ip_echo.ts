/**
 * A stand-in for `https://ipv4.icanhazip.com`: `GET /ip` answers the caller's public IPv4 as plain text
 * with a trailing newline, like the real service. The local cloud runs on loopback, so the "public"
 * address is a fixed documentation address the CLI then puts into the firewall allowlist.
 *
 * @module
 */

/** The address the local cloud reports as the caller's public IPv4 (RFC 5737 documentation range). */
export const DEFAULT_CALLER_IP = "203.0.113.10";

/** A running IP echo endpoint. */
export interface IpEcho {
  /** e.g. `http://127.0.0.1:41234/ip` (what `K8ZNER_IP_URL` should be). */
  readonly url: string;
  /** Number of requests answered. */
  readonly hits: () => number;
  close(): Promise<void>;
}

/** Starts the endpoint on `hostname` (default 127.0.0.1) at a free port. */
export async function startIpEcho(options: { callerIp?: string; hostname?: string } = {}): Promise<IpEcho> {
  const callerIp = options.callerIp ?? DEFAULT_CALLER_IP;
  let hits = 0;
  const { promise: listening, resolve } = Promise.withResolvers<Deno.NetAddr>();
  const server = Deno.serve({
    hostname: options.hostname ?? "127.0.0.1",
    port: 0,
    onListen: (addr) => resolve(addr as Deno.NetAddr),
  }, (req) => {
    const path = new URL(req.url).pathname;
    if (req.method !== "GET" || path !== "/ip") return new Response("not found\n", { status: 404 });
    hits++;
    return new Response(`${callerIp}\n`, { headers: { "content-type": "text/plain; charset=utf-8" } });
  });
  const addr = await listening;
  return {
    url: `http://${addr.hostname}:${addr.port}/ip`,
    hits: () => hits,
    close: () => server.shutdown(),
  };
}
