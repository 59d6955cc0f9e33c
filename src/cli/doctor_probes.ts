/**
 * The real network probes of `k8zner doctor`'s endpoint checks: DNS through the system resolver
 * (`Deno.resolveDns`), the certificate from a TLS handshake with SNI (`node:tls`, which exposes the
 * peer certificate and whether its chain verified), and one HTTP request without following redirects.
 *
 * With a name server of its own (`K8ZNER_DNS_SERVER`) every probe goes through it: the DNS answers
 * come from it, and the TLS and HTTP probes connect to the address it gave (a `lookup` for `node:tls`).
 * The HTTP probe is then a hand-written HTTP/1.1 GET over `node:tls`, because `fetch` always asks the
 * system resolver, and `node:https` ignores `DENO_CERT` while `node:tls` honours it (measured on Deno
 * 2.9.6), so a private CA is trusted the same way by every probe.
 *
 * @module
 */
import { connect, type ConnectionOptions } from "node:tls";
import type { EndpointProbes, PresentedCertificate } from "../bootstrap/doctor_endpoints.ts";

/** Milliseconds each probe may take. */
const PROBE_TIMEOUT_MS = 5000;

/** A name server to ask instead of the system resolver (`Deno.resolveDns`'s `nameServer`). */
export interface NameServer {
  ipAddr: string;
  port: number;
}

/** Options of {@link createEndpointProbes}. */
export interface EndpointProbeOptions {
  /** For the HTTP probe without a name server (default: the global fetch). */
  fetch?: typeof fetch;
  /** Port of the TLS and HTTP probes (default 443). */
  port?: number;
  /** Ask this name server, and connect to the addresses it gives (`K8ZNER_DNS_SERVER`). */
  nameServer?: NameServer;
}

/** The probes, on real DNS, TLS and HTTP. `fetch` is injectable for the HTTP part. */
export function createEndpointProbes(options: EndpointProbeOptions = {}): EndpointProbes {
  const fetchFn = options.fetch ?? globalThis.fetch;
  const port = options.port ?? 443;
  const nameServer = options.nameServer;
  const resolve = async (host: string): Promise<string[]> => {
    const signal = AbortSignal.timeout(PROBE_TIMEOUT_MS);
    const dnsOptions = nameServer ? { signal, nameServer } : { signal };
    const answers = await Promise.allSettled([
      Deno.resolveDns(host, "A", dnsOptions),
      Deno.resolveDns(host, "AAAA", dnsOptions),
    ]);
    const addresses = answers.flatMap((a) => a.status === "fulfilled" ? a.value : []);
    if (addresses.length === 0 && answers[0].status === "rejected") throw answers[0].reason;
    return addresses;
  };
  const lookup = nameServer ? lookupThrough(resolve) : undefined;
  return {
    resolve,
    certificate: (host) => peerCertificate(host, port, host, lookup),
    async http(url) {
      if (lookup) return await httpStatusOverTls(url, port, lookup);
      const res = await fetchFn(url, { redirect: "manual", signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
      await res.body?.cancel();
      return res.status;
    },
  };
}

/** `net.connect`'s `lookup` option: the first address `resolve` gives (IPv4 first). */
type Lookup = NonNullable<ConnectionOptions["lookup"]>;

function lookupThrough(resolve: (host: string) => Promise<string[]>): Lookup {
  return ((hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    resolve(hostname).then((addresses) => {
      if (addresses.length === 0) throw new Error(`${hostname} has no A or AAAA record`);
      const entries = addresses.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
      if (options?.all) callback(null, entries);
      else callback(null, entries[0]!.address, entries[0]!.family);
    }).catch((err) => callback(err));
  }) as unknown as Lookup;
}

/**
 * `GET url` over TLS to the address `lookup` gives, the chain verified against the trusted roots (as
 * fetch would); the status of the answer's first line. Redirects are not followed.
 */
export function httpStatusOverTls(url: string, port: number, lookup: Lookup): Promise<number> {
  const target = new URL(url);
  if (target.protocol !== "https:") return Promise.reject(new TypeError(`Cannot probe "${url}": not an https URL`));
  return new Promise((resolve, reject) => {
    const host = target.hostname;
    const socket = connect({ host, port: Number(target.port || port), servername: host, lookup });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no HTTP answer from ${host} within ${PROBE_TIMEOUT_MS / 1000} s`));
    }, PROBE_TIMEOUT_MS);
    let head = "";
    const fail = (err: Error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    };
    socket.once("error", fail);
    socket.once("secureConnect", () => {
      socket.write(
        `GET ${target.pathname}${target.search} HTTP/1.1\r\nHost: ${target.host}\r\nUser-Agent: k8zner-doctor\r\n` +
          "Connection: close\r\n\r\n",
      );
    });
    socket.on("data", (chunk: Uint8Array | string) => {
      head += typeof chunk === "string" ? chunk : new TextDecoder().decode(chunk);
      const line = head.indexOf("\r\n");
      if (line < 0) return;
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(head.slice(0, line))?.[1];
      clearTimeout(timer);
      socket.destroy();
      if (status === undefined) reject(new Error(`${host} answered no HTTP/1.1 status line`));
      else resolve(Number(status));
    });
    socket.once("end", () => fail(new Error(`${host} closed the connection without an HTTP answer`)));
  });
}

/** The certificate `host:port` presents for SNI `host`, and whether its chain is trusted. */
export function peerCertificate(
  host: string,
  port: number,
  hostname = host,
  lookup?: Lookup,
): Promise<PresentedCertificate> {
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: hostname,
      port,
      servername: host,
      rejectUnauthorized: false,
      ...(lookup ? { lookup } : {}),
    });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no TLS handshake with ${host}:${port} within ${PROBE_TIMEOUT_MS / 1000} s`));
    }, PROBE_TIMEOUT_MS);
    socket.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.once("secureConnect", () => {
      clearTimeout(timer);
      const cert = socket.getPeerCertificate();
      socket.destroy();
      if (!cert || Object.keys(cert).length === 0) return reject(new Error("the server presented no certificate"));
      const alt = (cert.subjectaltname ?? "").split(", ").filter((n) => n.startsWith("DNS:")).map((n) => n.slice(4));
      const cn = cert.subject?.CN;
      const issuer = cert.issuer?.O ?? cert.issuer?.CN;
      resolve({
        names: alt.length > 0 ? alt : cn ? [String(cn)] : [],
        validFrom: new Date(cert.valid_from),
        validTo: new Date(cert.valid_to),
        trusted: socket.authorized,
        ...(socket.authorizationError ? { trustError: String(socket.authorizationError) } : {}),
        ...(issuer ? { issuer: String(issuer) } : {}),
      });
    });
  });
}
