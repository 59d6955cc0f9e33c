/**
 * Talos API endpoints: `host`, `host:port`, `[v6]:port`. Like talosctl, a missing port means 50000.
 *
 * @module
 */

/** The Talos API port (`constants.ApidPort`). */
export const TALOS_API_PORT = 50000;

/** An endpoint split into its parts. */
export interface Endpoint {
  host: string;
  port: number;
  /** `host:port` (IPv6 hosts in brackets), as shown in messages. */
  address: string;
  /** `https://host:port` for `node:http2`. */
  url: string;
}

/** Parses an endpoint; throws a TypeError naming the value when it is malformed. */
export function parseEndpoint(endpoint: string): Endpoint {
  const value = endpoint.trim();
  let host: string;
  let port = TALOS_API_PORT;
  const bracketed = value.match(/^\[([0-9a-fA-F:.]+)\](?::(\d+))?$/);
  if (bracketed) {
    host = bracketed[1]!;
    if (bracketed[2] !== undefined) port = Number(bracketed[2]);
  } else if ((value.match(/:/g) ?? []).length > 1) {
    host = value; // bare IPv6 address without port
  } else {
    const [h, p] = value.split(":");
    host = h ?? "";
    if (p !== undefined) port = p === "" || !/^\d+$/.test(p) ? NaN : Number(p);
  }
  if (!host || /[\s/]/.test(host) || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new TypeError(`Cannot use Talos endpoint "${endpoint}": expected host, host:port or [ipv6]:port`);
  }
  const hostPart = host.includes(":") ? `[${host}]` : host;
  return { host, port, address: `${hostPart}:${port}`, url: `https://${hostPart}:${port}` };
}
