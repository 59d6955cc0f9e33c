/**
 * The real network probes of `k8zner doctor`'s endpoint checks: DNS through the system resolver
 * (`Deno.resolveDns`), the certificate from a TLS handshake with SNI (`node:tls`, which exposes the
 * peer certificate and whether its chain verified), and one HTTP request without following redirects.
 *
 * @module
 */
import { connect } from "node:tls";
import type { EndpointProbes, PresentedCertificate } from "../bootstrap/doctor_endpoints.ts";

/** Milliseconds each probe may take. */
const PROBE_TIMEOUT_MS = 5000;

/** The probes, on real DNS, TLS and HTTP. `fetch` is injectable for the HTTP part. */
export function createEndpointProbes(options: { fetch?: typeof fetch; port?: number } = {}): EndpointProbes {
  const fetchFn = options.fetch ?? globalThis.fetch;
  const port = options.port ?? 443;
  return {
    async resolve(host) {
      const signal = AbortSignal.timeout(PROBE_TIMEOUT_MS);
      const answers = await Promise.allSettled([
        Deno.resolveDns(host, "A", { signal }),
        Deno.resolveDns(host, "AAAA", { signal }),
      ]);
      const addresses = answers.flatMap((a) => a.status === "fulfilled" ? a.value : []);
      if (addresses.length === 0 && answers[0].status === "rejected") throw answers[0].reason;
      return addresses;
    },
    certificate: (host) => peerCertificate(host, port),
    async http(url) {
      const res = await fetchFn(url, { redirect: "manual", signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
      await res.body?.cancel();
      return res.status;
    },
  };
}

/** The certificate `host:port` presents for SNI `host`, and whether its chain is trusted. */
export function peerCertificate(host: string, port: number, hostname = host): Promise<PresentedCertificate> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port, servername: host, rejectUnauthorized: false });
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
