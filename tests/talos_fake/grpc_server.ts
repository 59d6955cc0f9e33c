/**
 * The server half of gRPC over `node:http2`, written separately from the client so the fake node speaks the
 * protocol on its own terms (and `@grpc/grpc-js` checks both halves): request framing, trailers with
 * `grpc-status`, trailers-only error replies, `grpc-timeout`, cancellation when the client resets.
 *
 * @module
 */
import http2 from "node:http2";
import type { TLSSocket } from "node:tls";
import { Buffer } from "node:buffer";
import {
  encodeGrpcFrame,
  encodeGrpcMessage,
  GrpcFrameDecoder,
  parseGrpcTimeout,
} from "../../src/talos/grpc/framing.ts";

/** A gRPC status the handler wants to send instead of a reply. */
export class RpcError extends Error {
  override name = "RpcError";
  constructor(readonly code: number, message: string) {
    super(message);
  }
}

/** What a handler knows about a call. */
export interface RpcCall {
  method: string;
  /** Every request message, in order: one, except for client-streaming methods (any number). */
  requests: Uint8Array[];
  headers: http2.IncomingHttpHeaders;
  /** The TLS socket (peer certificate, `authorized`). */
  socket: TLSSocket;
  /** Aborted when the client cancels or the deadline passes. */
  signal: AbortSignal;
  /** Runs after the reply has been fully sent (e.g. a "reboot"). */
  afterReply(task: () => void): void;
}

/** Handles one call: returns the reply messages, sending each through `send` for streams. */
export type RpcHandler = (
  request: Uint8Array,
  call: RpcCall,
  send: (message: Uint8Array) => Promise<void>,
) => Promise<void>;

/** How to end a stream early, for fault injection: a status after some messages, or an HTTP/2 reset. */
export type StreamEnd = { code: number; message: string } | "reset";

/**
 * Serves one HTTP/2 stream as a gRPC call. `endEarly` (optional) cuts a stream after `afterMessages` messages;
 * `clientStreaming` takes any number of request messages (the handler gets the first, or an empty one, and
 * all of them in `call.requests`) instead of exactly one.
 */
export function serveGrpcStream(
  stream: http2.ServerHttp2Stream,
  headers: http2.IncomingHttpHeaders,
  handler: RpcHandler | undefined,
  endEarly?: { afterMessages: number; end: StreamEnd },
  options: { clientStreaming?: boolean } = {},
): void {
  const method = String(headers[":path"] ?? "");
  const contentType = String(headers["content-type"] ?? "");
  if (headers[":method"] !== "POST" || !contentType.startsWith("application/grpc")) {
    stream.respond({ ":status": 415 }, { endStream: true });
    return;
  }
  const controller = new AbortController();
  const afterReply: Array<() => void> = [];
  let responded = false;
  let finished = false;
  let sent = 0;
  const timeoutMs = parseGrpcTimeout(headers["grpc-timeout"] as string | undefined);
  const timer = timeoutMs === undefined ? undefined : setTimeout(() => {
    finish(4, "context deadline exceeded");
    controller.abort();
  }, timeoutMs);
  stream.on("close", () => {
    if (timer) clearTimeout(timer);
    controller.abort();
    if (finished) { for (const task of afterReply.splice(0)) task(); }
  });
  stream.on("error", () => {}); // a client reset is normal; the close handler cleans up

  function finish(code: number, message: string): void {
    if (finished || stream.closed || stream.destroyed) return;
    finished = true;
    const status = { "grpc-status": String(code), ...(message ? { "grpc-message": encodeGrpcMessage(message) } : {}) };
    if (!responded) {
      // Trailers-only reply: the status travels in the only HEADERS frame.
      stream.respond({ ":status": 200, "content-type": "application/grpc", ...status }, { endStream: true });
      return;
    }
    stream.once("wantTrailers", () => stream.sendTrailers(status));
    stream.end();
  }

  function respond(): void {
    if (responded) return;
    responded = true;
    stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
  }

  const send = async (message: Uint8Array): Promise<void> => {
    if (finished || controller.signal.aborted) throw new RpcError(1, "the call was cancelled");
    if (endEarly && sent >= endEarly.afterMessages) {
      const end = endEarly.end;
      if (end === "reset") {
        finished = true;
        stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
      } else {
        finish(end.code, end.message);
      }
      throw new RpcError(1, "stream cut by a fault hook");
    }
    respond();
    sent++;
    if (!stream.write(encodeGrpcFrame(message))) {
      // Whichever comes first removes the other listener: a long stream (a snapshot in 16 KiB chunks) would
      // otherwise pile up one "close" listener per full buffer (MaxListenersExceededWarning).
      await new Promise<void>((resolve) => {
        const done = () => {
          stream.off("drain", done);
          stream.off("close", done);
          resolve();
        };
        stream.once("drain", done);
        stream.once("close", done);
      });
    }
  };

  const decoder = new GrpcFrameDecoder();
  const requests: Uint8Array[] = [];
  let framingError: string | undefined;
  stream.on("data", (chunk: Buffer) => {
    try {
      requests.push(...decoder.push(new Uint8Array(chunk)));
    } catch (err) {
      framingError = (err as Error).message;
    }
  });
  stream.on("end", async () => {
    if (framingError || decoder.pendingBytes > 0 || (!options.clientStreaming && requests.length !== 1)) {
      return finish(13, framingError ?? `expected 1 request message, got ${requests.length}`);
    }
    if (!handler) return finish(12, `unknown method ${method}`);
    const call: RpcCall = {
      method,
      requests,
      headers,
      socket: stream.session?.socket as TLSSocket,
      signal: controller.signal,
      afterReply: (task) => afterReply.push(task),
    };
    try {
      await handler(requests[0] ?? new Uint8Array(0), call, send);
      if (endEarly && endEarly.afterMessages >= sent && !finished) {
        // The fault hook asked to cut the stream, but the reply was shorter: cut it at the end.
        const end = endEarly.end;
        if (end === "reset") {
          finished = true;
          stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
          return;
        }
        return finish(end.code, end.message);
      }
      finish(0, "");
    } catch (err) {
      if (err instanceof RpcError) return finish(err.code, err.message);
      finish(2, (err as Error)?.message ?? String(err));
    }
  });
}
