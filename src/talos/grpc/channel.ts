/**
 * A gRPC client channel over `node:http2` (Deno's `fetch` hides HTTP trailers, where gRPC puts its status).
 * One HTTP/2 session per endpoint, opened on first use, reused across calls, reopened after the server
 * went away, closed by {@linkcode GrpcChannel.close}. Unary, server- and client-streaming calls; deadlines travel as
 * `grpc-timeout` and are enforced locally too; an `AbortSignal` cancels a call (RST_STREAM CANCEL).
 *
 * Sessions end without a GOAWAY frame: Deno 2.9's nghttp2 can abort the whole process that receives a
 * GOAWAY (denoland/deno#36788, an assertion in `find_stream_on_goaway_func`, before any JavaScript runs),
 * and the peer may be a Deno process too (the local cloud's fake Talos nodes). `session.close()` and
 * `session.destroy()` both send one, so the channel owns the TLS socket under each session and destroys it
 * first. Idle sessions are dropped after `idleTimeoutMs`, so a server's GOAWAY after a long idle period
 * (the trigger in that issue) meets no open session on our side. A server's GOAWAY while calls still run
 * is answered by node:http2 itself (it closes the session, sending one back); those calls finish first and
 * the session is then dropped.
 *
 * @module
 */
import http2 from "node:http2";
import { isIP } from "node:net";
import tls from "node:tls";
import { Buffer } from "node:buffer";
import { decodeGrpcMessage, encodeGrpcFrame, encodeGrpcTimeout, GrpcFrameDecoder } from "./framing.ts";
import { GrpcCode, TalosError } from "./errors.ts";
import { parseEndpoint } from "./endpoint.ts";
import type { Endpoint } from "./endpoint.ts";

/** TLS settings of a channel. */
export interface ChannelTls {
  /** CA that must have signed the server certificate (required when `verifyServer`). */
  caPem?: string;
  /** Client certificate and PKCS#8 key for mutual TLS. */
  certPem?: string;
  keyPem?: string;
  /** `false` only for Talos maintenance mode, whose server certificate nobody can verify. */
  verifyServer: boolean;
  /** Server name for SNI and certificate checks, when it differs from the endpoint host. */
  servername?: string;
}

/** Options of {@linkcode GrpcChannel}. */
export interface GrpcChannelOptions {
  /** `host`, `host:port` or `[v6]:port`; port 50000 when omitted. */
  endpoint: string;
  tls: ChannelTls;
  /** An unused session is dropped after this long (default 30 s); the next call connects again. */
  idleTimeoutMs?: number;
}

/** Per-call options. */
export interface GrpcCallOptions {
  /** Request metadata (HTTP/2 headers); an array sends one header field per value. */
  metadata?: Record<string, string | string[]>;
  /** Deadline for the whole call, sent as `grpc-timeout`. */
  timeoutMs?: number;
  /** Cancels the call; it then fails with `CANCELLED`. */
  signal?: AbortSignal;
}

/** One HTTP/2 session and the TLS socket under it (kept so the session can end without a GOAWAY). */
interface Connection {
  session: http2.ClientHttp2Session;
  socket: tls.TLSSocket;
  /** Calls in flight. */
  active: number;
  /** Takes no new calls (the peer sent GOAWAY); dropped when its last call ends. */
  retired: boolean;
  /** The first connection-level error, reported to the calls it breaks. */
  error: unknown;
  idleTimer: ReturnType<typeof setTimeout> | undefined;
  closed: Promise<void>;
}

/** Default of {@linkcode GrpcChannelOptions.idleTimeoutMs}. */
export const DEFAULT_IDLE_TIMEOUT_MS = 30_000;

/** A connection to one gRPC server. */
export class GrpcChannel {
  readonly endpoint: Endpoint;
  readonly #tls: ChannelTls;
  readonly #idleTimeoutMs: number;
  /** The connection new calls use. */
  #current: Connection | undefined;
  /** Every connection not closed yet (the current one and retired ones finishing their calls). */
  #open = new Set<Connection>();
  #closed = false;

  constructor(options: GrpcChannelOptions) {
    this.endpoint = parseEndpoint(options.endpoint);
    if (options.tls.verifyServer && !options.tls.caPem) {
      throw new TypeError("Cannot create gRPC channel: tls.caPem is required when the server is verified");
    }
    const idle = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    if (!(idle > 0)) throw new RangeError(`Cannot use idleTimeoutMs ${idle}: must be > 0`);
    this.#tls = options.tls;
    this.#idleTimeoutMs = idle;
  }

  /** Sends one request and returns the one response message. */
  async unary(method: string, request: Uint8Array, options: GrpcCallOptions = {}): Promise<Uint8Array> {
    return await this.#single(method, this.serverStream(method, request, options));
  }

  /**
   * Client streaming: sends each message of `requests` in order, half-closes, and returns the one response
   * message. Writing waits while HTTP/2 flow control holds data back, so a large upload is never buffered
   * whole. A call the server ends early stops the upload and throws the server's status; a failing
   * `requests` source cancels the call and throws the source's error.
   */
  async clientStream(
    method: string,
    requests: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    options: GrpcCallOptions = {},
  ): Promise<Uint8Array> {
    const { call, stream } = this.#startCall(method, options);
    if (stream) {
      const open = () => !call.done && !stream.closed && !stream.destroyed;
      try {
        for await (const message of requests) {
          if (!open()) break;
          if (!stream.write(encodeGrpcFrame(message))) await drained(stream);
        }
      } catch (err) {
        call.cancel(new TalosError(GrpcCode.CANCELLED, "the upload's source failed", call.site, { cause: err }));
        throw err;
      }
      if (open()) stream.end();
    }
    return await this.#single(method, call);
  }

  async #single(method: string, messages: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
    const received: Uint8Array[] = [];
    for await (const message of messages) received.push(message);
    if (received.length !== 1) {
      throw new TalosError(GrpcCode.INTERNAL, `expected 1 response message, got ${received.length}`, {
        method,
        endpoint: this.endpoint.address,
      });
    }
    return received[0]!;
  }

  /**
   * Sends one request and yields each response message. A call that ends with a non-OK status, or ends without
   * any status, throws a {@linkcode TalosError} after the messages received before it. Leaving the loop early
   * cancels the call.
   */
  serverStream(method: string, request: Uint8Array, options: GrpcCallOptions = {}): AsyncIterableIterator<Uint8Array> {
    const { call, stream } = this.#startCall(method, options);
    stream?.end(encodeGrpcFrame(request));
    return call;
  }

  /** Starts a call: its HTTP/2 stream open for request messages, or none when the call already failed. */
  #startCall(
    method: string,
    options: GrpcCallOptions,
  ): { call: GrpcCall; stream: http2.ClientHttp2Stream | undefined } {
    const call = new GrpcCall({ method, endpoint: this.endpoint.address });
    if (this.#closed) {
      call.finish(new TalosError(GrpcCode.UNAVAILABLE, "the channel was closed", call.site));
      return { call, stream: undefined };
    }
    if (options.signal?.aborted) {
      call.finish(new TalosError(GrpcCode.CANCELLED, "the call was aborted before it started", call.site));
      return { call, stream: undefined };
    }
    const headers: http2.OutgoingHttpHeaders = {
      ":method": "POST",
      ":path": method,
      "content-type": "application/grpc",
      "te": "trailers",
      "user-agent": "k8zner-grpc/1",
    };
    for (const [key, value] of Object.entries(options.metadata ?? {})) headers[key.toLowerCase()] = value;
    if (options.timeoutMs !== undefined) headers["grpc-timeout"] = encodeGrpcTimeout(options.timeoutMs);
    call.arm(options);
    let conn: Connection;
    let stream: http2.ClientHttp2Stream;
    try {
      conn = this.#connection();
      stream = conn.session.request(headers);
    } catch (err) {
      call.finish(connectionError(err, call.site));
      return { call, stream: undefined };
    }
    this.#track(conn, stream);
    call.attach(stream, () => conn.error, () => conn.socket.destroyed || conn.session.destroyed);
    return { call, stream };
  }

  /** Closes the connection (without a GOAWAY); calls still running fail with `UNAVAILABLE`/`CANCELLED`. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#current = undefined;
    const open = [...this.#open];
    for (const conn of open) dropConnection(conn);
    await Promise.all(open.map((conn) => conn.closed));
  }

  /** The current connection, or a new one when there is none or it went away. */
  #connection(): Connection {
    const current = this.#current;
    if (current && !current.retired && !current.session.closed && !current.session.destroyed) return current;
    const tlsOptions = this.#tls;
    const { host, port } = this.endpoint;
    const socketOptions: tls.ConnectionOptions = {
      host,
      port,
      ALPNProtocols: ["h2"],
      rejectUnauthorized: tlsOptions.verifyServer,
    };
    if (tlsOptions.caPem) socketOptions.ca = tlsOptions.caPem;
    if (tlsOptions.certPem) socketOptions.cert = tlsOptions.certPem;
    if (tlsOptions.keyPem) socketOptions.key = tlsOptions.keyPem;
    // SNI carries host names only; certificates of IP endpoints are checked against the IP. A
    // servername that is an IP (an endpoint dialled at another address, e.g. through an address map)
    // cannot go into SNI (node:tls refuses it), so the certificate is checked against it directly.
    const servername = tlsOptions.servername ?? (isIP(host) ? undefined : host);
    if (servername && isIP(servername)) {
      socketOptions.checkServerIdentity = (_host, cert) => tls.checkServerIdentity(servername, cert);
    } else if (servername) socketOptions.servername = servername;
    const socket = tls.connect(socketOptions);
    const session = http2.connect(this.endpoint.url, { createConnection: () => socket });
    const { promise: closed, resolve } = Promise.withResolvers<void>();
    const conn: Connection = {
      session,
      socket,
      active: 0,
      retired: false,
      error: undefined,
      idleTimer: undefined,
      closed,
    };
    // Without listeners a connection error would be thrown as an uncaught exception.
    const onError = (err: unknown) => {
      conn.error ??= err;
    };
    socket.on("error", onError);
    session.on("error", onError);
    session.on("goaway", () => {
      // Runs before node:http2 answers the GOAWAY by closing the session (which would send one back):
      // with no call left, the socket goes first and nothing more is written.
      this.#retire(conn);
    });
    session.on("close", () => {
      clearTimeout(conn.idleTimer);
      conn.retired = true;
      if (this.#current === conn) this.#current = undefined;
      this.#open.delete(conn);
      if (!socket.destroyed) socket.destroy();
      resolve();
    });
    this.#current = conn;
    this.#open.add(conn);
    return conn;
  }

  /** Counts a call on its connection; a retired or idle connection is dropped once its last call ended. */
  #track(conn: Connection, stream: http2.ClientHttp2Stream): void {
    conn.active++;
    clearTimeout(conn.idleTimer);
    conn.idleTimer = undefined;
    stream.once("close", () => {
      conn.active--;
      if (conn.active > 0) return;
      if (conn.retired) return dropConnection(conn);
      conn.idleTimer = setTimeout(() => this.#retire(conn), this.#idleTimeoutMs);
    });
  }

  /** No new calls on `conn`; dropped now when nothing runs on it, else when its last call ends. */
  #retire(conn: Connection): void {
    conn.retired = true;
    if (this.#current === conn) this.#current = undefined;
    if (conn.active === 0) dropConnection(conn);
  }
}

/** Ends a connection without a GOAWAY: the TLS socket first, so the session has nothing left to write to. */
function dropConnection(conn: Connection): void {
  clearTimeout(conn.idleTimer);
  conn.idleTimer = undefined;
  conn.retired = true;
  if (!conn.socket.destroyed) conn.socket.destroy();
  if (!conn.session.destroyed) conn.session.destroy();
}

type CallSite = { method: string; endpoint: string };

/** One call in flight: collects messages and its final status, consumed as an async iterator. */
class GrpcCall implements AsyncIterableIterator<Uint8Array> {
  readonly site: CallSite;
  #queue: Uint8Array[] = [];
  #finished = false;
  #error: TalosError | undefined;
  #wake: (() => void) | undefined;
  #stream: http2.ClientHttp2Stream | undefined;
  #cleanups: Array<() => void> = [];

  constructor(site: CallSite) {
    this.site = site;
  }

  /** Starts the deadline timer and the abort listener. */
  arm(options: GrpcCallOptions): void {
    if (options.timeoutMs !== undefined) {
      const timeoutMs = options.timeoutMs;
      const timer = setTimeout(() => {
        this.cancel(new TalosError(GrpcCode.DEADLINE_EXCEEDED, `deadline of ${timeoutMs} ms exceeded`, this.site));
      }, timeoutMs);
      this.#cleanups.push(() => clearTimeout(timer));
    }
    const signal = options.signal;
    if (signal) {
      const onAbort = () => this.cancel(new TalosError(GrpcCode.CANCELLED, "the call was aborted", this.site));
      signal.addEventListener("abort", onAbort, { once: true });
      this.#cleanups.push(() => signal.removeEventListener("abort", onAbort));
    }
  }

  /**
   * Follows `stream` to its end. `sessionError` is the connection's error, if any; `connectionLost` says
   * whether the connection is gone (node:http2 then closes the streams as if cancelled).
   */
  attach(stream: http2.ClientHttp2Stream, sessionError: () => unknown, connectionLost: () => boolean): void {
    this.#stream = stream;
    const decoder = new GrpcFrameDecoder();
    let status: { code: number; message: string } | undefined;
    let httpStatus: number | undefined;
    const readStatus = (headers: http2.IncomingHttpHeaders) => {
      const code = headers["grpc-status"];
      if (code === undefined) return;
      const message = headers["grpc-message"];
      status = {
        code: Number(code),
        message: decodeGrpcMessage(typeof message === "string" ? message : ""),
      };
    };
    stream.on("response", (headers) => {
      httpStatus = Number(headers[":status"]);
      readStatus(headers); // a trailers-only response carries the status in the headers
    });
    stream.on("trailers", readStatus);
    stream.on("data", (chunk: Buffer) => {
      if (this.#finished) return;
      try {
        for (const message of decoder.push(new Uint8Array(chunk))) this.#push(message);
      } catch (err) {
        this.cancel(new TalosError(GrpcCode.INTERNAL, (err as Error).message, this.site, { cause: err }));
      }
    });
    stream.on("error", (err: Error & { code?: string }) => {
      // A reset of this stream alone is judged by its RST code when the stream closes.
      if (err?.code === "ERR_HTTP2_STREAM_ERROR" && !sessionError()) return;
      if (!this.#finished && status === undefined) this.finish(connectionError(sessionError() ?? err, this.site));
    });
    stream.on("close", () => {
      if (this.#finished) return;
      if (status !== undefined) {
        if (status.code === GrpcCode.OK && decoder.pendingBytes > 0) {
          this.finish(new TalosError(GrpcCode.INTERNAL, "the stream ended inside a message", this.site));
        } else {
          this.finish(status.code === GrpcCode.OK ? undefined : new TalosError(status.code, status.message, this.site));
        }
        return;
      }
      const failure = sessionError();
      if (failure) return this.finish(connectionError(failure, this.site));
      if (httpStatus !== undefined && httpStatus !== 200) {
        return this.finish(new TalosError(codeForHttpStatus(httpStatus), `HTTP status ${httpStatus}`, this.site));
      }
      const rst = stream.rstCode;
      if (connectionLost() && rst !== http2.constants.NGHTTP2_REFUSED_STREAM) {
        return this.finish(new TalosError(GrpcCode.UNAVAILABLE, "the connection was lost", this.site));
      }
      if (rst === http2.constants.NGHTTP2_REFUSED_STREAM) {
        return this.finish(new TalosError(GrpcCode.UNAVAILABLE, "the server refused the stream", this.site));
      }
      if (rst === http2.constants.NGHTTP2_CANCEL) {
        return this.finish(new TalosError(GrpcCode.CANCELLED, "the server cancelled the stream", this.site));
      }
      this.finish(
        new TalosError(
          httpStatus === undefined ? GrpcCode.UNAVAILABLE : GrpcCode.INTERNAL,
          rst ? `the stream was reset (HTTP/2 error code ${rst})` : "the stream ended without a gRPC status",
          this.site,
        ),
      );
    });
  }

  /** Ends the call locally with `error` and resets the stream. */
  cancel(error: TalosError): void {
    if (this.#finished) return;
    this.finish(error);
    const stream = this.#stream;
    if (stream && !stream.closed && !stream.destroyed) stream.close(http2.constants.NGHTTP2_CANCEL);
  }

  /** Whether the outcome is known (the server ended the call, or it failed or was cancelled here). */
  get done(): boolean {
    return this.#finished;
  }

  /** Records the outcome (the first one wins) and wakes the reader. */
  finish(error?: TalosError): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#error = error;
    for (const cleanup of this.#cleanups.splice(0)) cleanup();
    this.#wakeUp();
  }

  #push(message: Uint8Array): void {
    this.#queue.push(message);
    // Back-pressure: stop reading from the socket while the consumer is behind.
    if (this.#queue.length >= 16) this.#stream?.pause();
    this.#wakeUp();
  }

  #wakeUp(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  async next(): Promise<IteratorResult<Uint8Array>> {
    for (;;) {
      const message = this.#queue.shift();
      if (message) {
        if (this.#queue.length < 4) this.#stream?.resume();
        return { value: message, done: false };
      }
      if (this.#finished) {
        const error = this.#error;
        this.#error = undefined;
        if (error) throw error;
        return { value: undefined, done: true };
      }
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }

  return(): Promise<IteratorResult<Uint8Array>> {
    this.cancel(new TalosError(GrpcCode.CANCELLED, "the caller stopped reading", this.site));
    this.#queue = [];
    this.#error = undefined;
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<Uint8Array> {
    return this;
  }
}

/** Resolves when the stream can take more data, or has closed. */
function drained(stream: http2.ClientHttp2Stream): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off("drain", done);
      stream.off("close", done);
      resolve();
    };
    stream.once("drain", done);
    stream.once("close", done);
  });
}

/** A transport failure (refused, reset, TLS) as gRPC sees it: UNAVAILABLE, naming the cause. */
function connectionError(err: unknown, site: CallSite): TalosError {
  if (err instanceof TalosError) return err;
  const e = err as { code?: string; message?: string };
  const text = e?.message ?? String(err);
  const tlsProblem = /cert|tls|ssl|handshake|self.signed|verify/i.test(`${e?.code ?? ""} ${text}`);
  const details = tlsProblem ? `TLS handshake failed: ${text}` : `connection failed: ${text}`;
  return new TalosError(GrpcCode.UNAVAILABLE, details, site, { cause: err });
}

/** HTTP status to gRPC code, for replies that carry no gRPC status (per the gRPC HTTP/2 spec). */
function codeForHttpStatus(status: number): number {
  switch (status) {
    case 400:
      return GrpcCode.INTERNAL;
    case 401:
      return GrpcCode.UNAUTHENTICATED;
    case 403:
      return GrpcCode.PERMISSION_DENIED;
    case 404:
      return GrpcCode.UNIMPLEMENTED;
    case 429:
    case 502:
    case 503:
    case 504:
      return GrpcCode.UNAVAILABLE;
    default:
      return GrpcCode.UNKNOWN;
  }
}
