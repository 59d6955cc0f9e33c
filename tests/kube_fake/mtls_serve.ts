/**
 * An HTTPS server that asks for client certificates, as kube-apiserver does with `--client-ca-file`.
 * `Deno.serve` cannot request them (see deno-notes), so this uses `node:https` and hands each request
 * to a fetch-style handler as a `Request`, with the peer certificate it presented (if any). A client
 * without a certificate still connects (it may use a token or be anonymous); one whose certificate
 * does not chain to the CA connects too and is refused per request (401), as the API server does.
 *
 * @module
 */
import https from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import { Buffer } from "node:buffer";
import type { PeerCertificate } from "./authn.ts";

/** How long kube-apiserver keeps an idle connection open. */
export const IDLE_TIMEOUT_MS = 90_000;
const READ_HEADER_TIMEOUT_MS = 32_000;

/** Options of {@link serveMutualTls}. */
export interface MutualTlsServeOptions {
  hostname: string;
  port: number;
  certPem: string;
  keyPem: string;
  /** The CA client certificates must chain to. */
  clientCaPem: string;
  /**
   * Whether a request is long-running (a watch), as kube-apiserver's long-running check says: its answer
   * streams, headers first. Any other answer is read whole and sent in one write with its length.
   * Default: every answer streams.
   */
  longRunning?: (url: URL) => boolean;
}

/** A running server. */
export interface MutualTlsServer {
  readonly addr: { hostname: string; port: number };
  /**
   * The TLS connections clients opened so far (each one a handshake), as the User-Agent of each one's
   * first request ("" without one, or before its first request).
   */
  readonly connections: readonly string[];
  /**
   * Closes the connections that carry no request now, as kube-apiserver (or a load balancer in front of
   * it) does after their idle timeout; returns how many.
   */
  closeIdleConnections(): number;
  /**
   * Cuts the connection of the next request that arrives on a connection used before, without an
   * answer: the race of a server closing an idle connection just as its client sends on it.
   */
  cutNextReusedRequest(): void;
  /** Stops listening and cuts open connections (watches included). */
  shutdown(): Promise<void>;
}

/** Starts the server; resolves once it listens. */
export async function serveMutualTls(
  options: MutualTlsServeOptions,
  handler: (req: Request, peer: PeerCertificate | undefined) => Promise<Response>,
): Promise<MutualTlsServer> {
  const sockets = new Set<Socket>();
  /** Requests in progress per connection. */
  const busy = new Map<Socket, number>();
  const connections: string[] = [];
  const connectionIndex = new WeakMap<Socket, number>();
  /** Requests seen per connection. */
  const served = new WeakMap<Socket, number>();
  let cutReused = false;
  const server = https.createServer({
    key: options.keyPem,
    cert: options.certPem,
    ca: options.clientCaPem,
    requestCert: true,
    rejectUnauthorized: false,
  }, (req, res) => {
    const socket = req.socket;
    served.set(socket, (served.get(socket) ?? 0) + 1);
    const index = connectionIndex.get(socket);
    if (served.get(socket) === 1 && index !== undefined) connections[index] = req.headers["user-agent"] ?? "";
    if (cutReused && (served.get(socket) ?? 0) > 1) {
      cutReused = false;
      socket.destroy();
      return;
    }
    busy.set(socket, (busy.get(socket) ?? 0) + 1);
    res.on("close", () => busy.set(socket, (busy.get(socket) ?? 1) - 1));
    void respond(req, res, handler, options);
  });
  // kube-apiserver (k8s.io/apiserver secure_serving.go) keeps an idle connection 90 s, matching Go's
  // transport, and waits 32 s for request headers. Node's defaults close an idle keep-alive connection
  // after 5 s: client-go (Helm, kubectl) still holds it for 90 s, and when it reuses it just as the server
  // closes it a PATCH or POST fails with EOF (Go retries only idempotent requests). Under the suite's load
  // that race hit Helm's installs; the real server never makes a client lose it.
  server.keepAliveTimeout = IDLE_TIMEOUT_MS;
  server.headersTimeout = READ_HEADER_TIMEOUT_MS;
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  server.on("secureConnection", (socket: Socket) => {
    connectionIndex.set(socket, connections.push("") - 1);
    sockets.add(socket);
    socket.on("close", () => {
      sockets.delete(socket);
      busy.delete(socket);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.hostname, () => resolve());
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : options.port;
  return {
    addr: { hostname: options.hostname, port },
    get connections() {
      return connections;
    },
    cutNextReusedRequest() {
      cutReused = true;
    },
    closeIdleConnections() {
      let closed = 0;
      for (const socket of sockets) {
        if ((busy.get(socket) ?? 0) > 0 || !("encrypted" in socket)) continue;
        socket.end();
        closed++;
      }
      return closed;
    },
    shutdown: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

/**
 * The client certificate of each connection as read at its first request: it is fixed by the TLS handshake
 * (Go's server parses it there too), and reading it from the socket converts the whole certificate again.
 */
const peers = new WeakMap<TLSSocket, { peer: PeerCertificate | undefined }>();

function peerOf(socket: TLSSocket): PeerCertificate | undefined {
  let known = peers.get(socket);
  if (!known) peers.set(socket, known = { peer: readPeer(socket) });
  return known.peer;
}

function readPeer(socket: TLSSocket): PeerCertificate | undefined {
  const cert = socket.getPeerCertificate?.();
  if (!cert || Object.keys(cert).length === 0 || !cert.subject) return undefined;
  const list = (v: string | string[] | undefined) => v === undefined ? [] : Array.isArray(v) ? v : [v];
  return {
    authorized: socket.authorized === true,
    commonName: list(cert.subject.CN)[0] ?? "",
    organizations: list(cert.subject.O),
  };
}

async function respond(
  req: IncomingMessage,
  res: ServerResponse,
  handler: (req: Request, peer: PeerCertificate | undefined) => Promise<Response>,
  options: MutualTlsServeOptions,
): Promise<void> {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  const hasBody = req.method !== "GET" && req.method !== "HEAD";
  const url = new URL(`https://${req.headers.host ?? options.hostname}${req.url ?? "/"}`);
  // The API server reads a request body whole before it acts (it has a size limit, no streaming requests):
  // buffered here too, instead of adapting the Node stream into a web stream for each request.
  let body: Uint8Array<ArrayBuffer> | undefined;
  try {
    body = hasBody ? await readAll(req) : undefined;
  } catch {
    res.destroy(); // the client went away mid-request
    return;
  }
  const request = new Request(url, { method: req.method, headers, body });
  let response: Response;
  try {
    response = await handler(request, peerOf(req.socket as TLSSocket));
  } catch (err) {
    res.writeHead(500, { "content-type": "text/plain" }).end(String(err));
    return;
  }
  const out: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    const prev = out[name];
    out[name] = prev === undefined ? value : [...(Array.isArray(prev) ? prev : [prev]), value];
  });
  if (response.body && options.longRunning && !options.longRunning(url)) {
    // One write of headers and body, with its length, rather than headers, then each chunk (chunked):
    // a TLS record and a send() less per answer, which is most of what this server does.
    let whole: Uint8Array;
    try {
      whole = new Uint8Array(await response.arrayBuffer());
    } catch {
      res.destroy();
      return;
    }
    out["content-length"] ??= String(whole.byteLength);
    res.writeHead(response.status, out).end(whole);
    return;
  }
  res.writeHead(response.status, out);
  if (!response.body) {
    res.end();
    return;
  }
  // node:https holds the headers back until the first body chunk: a watch with nothing to report would
  // leave its client (client-go's reflector, so kubectl and Helm) waiting for the response until then.
  res.flushHeaders();
  const reader = response.body.getReader();
  res.on("close", () => void reader.cancel().catch(() => {}));
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      res.write(value);
    }
  } catch {
    // the client went away
  }
  res.end();
}

/** The whole body of a request. */
async function readAll(req: IncomingMessage): Promise<Uint8Array<ArrayBuffer>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new Uint8Array(Buffer.concat(chunks));
}
