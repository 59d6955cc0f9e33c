/**
 * Traefik's `web` (HTTP) and `websecure` (HTTPS) entrypoints for one fake cluster, listening on
 * loopback ports of their own; the local cloud forwards each Node's node ports to them
 * (`ingress_stand_ins.ts`). Every request and handshake reads the cluster's objects afresh: routes from
 * the Ingresses, certificates from their TLS Secrets (traefik.ts).
 *
 * @module
 */
import http from "node:http";
import https from "node:https";
import { createSecureContext } from "node:tls";
import type { SecureContext } from "node:tls";
import type { FakeKubeStore } from "../kube_fake/mod.ts";
import { routeRequest, secureContextFor, traefikDefaultCertificate } from "./traefik.ts";
import type { Backend } from "./tcp_gate.ts";

/** The two running entrypoints. */
export interface TraefikEntrypoints {
  web: Backend;
  websecure: Backend;
  close(): Promise<void>;
}

/** Starts both entrypoints for `store` on `hostname` (default 127.0.0.1). */
export async function startTraefikEntrypoints(
  store: FakeKubeStore,
  options: { hostname?: string; now?: () => Date } = {},
): Promise<TraefikEntrypoints> {
  const hostname = options.hostname ?? "127.0.0.1";
  const fallbackCert = await traefikDefaultCertificate((options.now ?? (() => new Date()))());
  const fallback = createSecureContext({ cert: fallbackCert.certPem, key: fallbackCert.keyPem });
  const cache = new Map<string, SecureContext>();
  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const host = (req.headers.host ?? "").replace(/:\d+$/, "");
    const path = new URL(req.url ?? "/", "http://x").pathname;
    const route = routeRequest(store, host, path);
    if (!route) {
      res.writeHead(404, { "content-type": "text/plain; charset=utf-8" });
      res.end("404 page not found\n");
      return;
    }
    res.writeHead(200, { "content-type": "text/plain; charset=utf-8" });
    res.end(`${route.namespace}/${route.service}:${route.port}\n`);
  };
  const web = http.createServer(handler);
  const websecure = https.createServer({
    cert: fallbackCert.certPem,
    key: fallbackCert.keyPem,
    SNICallback: (servername: string, cb: (err: Error | null, ctx?: SecureContext) => void) =>
      cb(null, secureContextFor(store, servername, fallback, cache)),
  }, handler);
  const listen = (server: http.Server | https.Server) =>
    new Promise<Backend>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, hostname, () => resolve({ hostname, port: (server.address() as { port: number }).port }));
    });
  const webAddr = await listen(web);
  const secureAddr = await listen(websecure);
  const stop = (server: http.Server | https.Server) =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      (server as { closeAllConnections?: () => void }).closeAllConnections?.();
    });
  return {
    web: webAddr,
    websecure: secureAddr,
    close: async () => void await Promise.all([stop(web), stop(websecure)]),
  };
}
