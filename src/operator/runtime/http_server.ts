/**
 * The operator's HTTP endpoints: `/healthz` and `/readyz` for the kubelet, `/metrics` for Prometheus.
 * They bind to one given address (loopback, or the node's private IP under host networking), never
 * to every interface: with `hostNetwork: true` a wildcard bind would expose them on the public IP.
 *
 * @module
 */
import type { OperatorMetrics } from "./metrics.ts";

/** A check answering a probe: undefined when fine, otherwise the reason it is not. */
export type ProbeCheck = () => string | undefined;

/** Options of {@link startOperatorHttpServer}. */
export interface OperatorHttpServerOptions {
  /** `host:port`; host must be a specific IPv4/IPv6 address or `localhost` (port 0 picks one). */
  address: string;
  /** Liveness: fails when the process is stuck (e.g. the work loop stopped). */
  healthz?: ProbeCheck;
  /** Readiness: fails until caches have synced, and while a failure persists. */
  readyz?: ProbeCheck;
  /** Served at `/metrics` when given. */
  metrics?: OperatorMetrics;
}

/** A running server. */
export interface OperatorHttpServer {
  /** The address actually bound. */
  readonly hostname: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Splits `host:port` (`[v6]:port` for IPv6) and refuses wildcard or missing hosts. */
export function parseBindAddress(address: string): { hostname: string; port: number } {
  const m = address.match(/^(?:\[([0-9a-fA-F:.]+)\]|([^:\[\]]*)):(\d{1,5})$/);
  if (!m) throw new TypeError(`Cannot bind to "${address}": expected <ip>:<port>, e.g. 127.0.0.1:8081`);
  const hostname = m[1] ?? m[2] ?? "";
  const port = Number(m[3]);
  if (port > 65535) throw new RangeError(`Cannot bind to "${address}": port ${port} is above 65535`);
  if (hostname === "" || hostname === "0.0.0.0" || /^[0:]*$/.test(hostname)) {
    throw new TypeError(
      `Cannot bind to "${address}": every interface would expose the endpoints on the node's public IP; ` +
        "give 127.0.0.1 or the node's private IP",
    );
  }
  const isIpv4 = /^\d{1,3}(\.\d{1,3}){3}$/.test(hostname);
  if (!isIpv4 && hostname !== "localhost" && m[1] === undefined) {
    throw new TypeError(`Cannot bind to "${address}": "${hostname}" is not an IP address`);
  }
  return { hostname, port };
}

function probe(check: ProbeCheck | undefined, verbose: boolean): Response {
  const problem = check?.();
  if (problem === undefined) return new Response("ok", { headers: { "content-type": "text/plain" } });
  return new Response(verbose ? `not ok: ${problem}` : "not ok", {
    status: 503,
    headers: { "content-type": "text/plain" },
  });
}

/** Starts the endpoints on the given address and resolves once it listens. */
export async function startOperatorHttpServer(options: OperatorHttpServerOptions): Promise<OperatorHttpServer> {
  const { hostname, port } = parseBindAddress(options.address);
  const { promise: listening, resolve } = Promise.withResolvers<Deno.NetAddr>();
  const server = Deno.serve({ hostname, port, onListen: resolve }, async (req) => {
    const url = new URL(req.url);
    if (req.method !== "GET" && req.method !== "HEAD") return new Response("method not allowed", { status: 405 });
    const verbose = url.searchParams.has("verbose");
    switch (url.pathname) {
      case "/healthz":
      case "/livez":
        return probe(options.healthz, verbose);
      case "/readyz":
        return probe(options.readyz, verbose);
      case "/metrics": {
        if (!options.metrics) break;
        const { body, contentType } = await options.metrics.render();
        return new Response(body, { headers: { "content-type": contentType } });
      }
    }
    return new Response("not found", { status: 404 });
  });
  const addr = await listening;
  return { hostname: addr.hostname, port: addr.port, close: () => server.shutdown() };
}
