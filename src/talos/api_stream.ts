/**
 * Talos calls that stream bytes as `common.Data` chunks: from the node (Kubeconfig, EtcdSnapshot) and to it
 * (EtcdRecover).
 *
 * @module
 */
import type { GrpcChannel } from "./grpc/channel.ts";
import { flattenReplies, nodeErrorOf, type TalosCallOptions, toGrpcOptions } from "./api_call.ts";
import { decodeData, decodeMetadataOnly, decodeReplies, encodeData } from "./messages/common.ts";
import { writeSecretStream } from "../lib/secure_files.ts";

/** Where streamed bytes go: anything with `write` (a `WritableStreamDefaultWriter`, a file, a collector). */
export interface ByteSink {
  write(chunk: Uint8Array): Promise<unknown> | unknown;
}

/**
 * Yields the bytes of each `common.Data` chunk. A chunk carrying a node error throws that {@linkcode NodeError};
 * a stream that fails midway throws its {@linkcode TalosError} after the chunks before it.
 */
export async function* streamData(
  channel: GrpcChannel,
  method: string,
  request: Uint8Array,
  options: TalosCallOptions,
): AsyncGenerator<Uint8Array> {
  if (options.nodes && options.nodes.length > 1) {
    throw new TypeError(
      `Cannot stream ${method} from ${options.nodes.length} nodes at once: call each node separately`,
    );
  }
  for await (const message of channel.serverStream(method, request, toGrpcOptions(options, undefined))) {
    const chunk = decodeData(message);
    const error = nodeErrorOf(chunk, method);
    if (error) throw error;
    if (chunk.bytes.length > 0) yield chunk.bytes;
  }
}

/** Writes a byte stream to a file path (atomically, mode 0600, see `writeSecretStream`) or a sink; returns the byte count. */
export async function writeStreamTo(
  destination: string | ByteSink,
  chunks: AsyncIterable<Uint8Array>,
): Promise<{ bytes: number }> {
  if (typeof destination !== "string") {
    let bytes = 0;
    for await (const chunk of chunks) {
      await destination.write(chunk);
      bytes += chunk.length;
    }
    return { bytes };
  }
  // Snapshots hold every secret of the cluster: owner-only from the first byte, never through a planted link.
  return await writeSecretStream(destination, chunks);
}

/** Bytes per `common.Data` message of an upload (talosctl sends 4 KiB; gRPC's default limit is 4 MiB). */
export const UPLOAD_CHUNK_BYTES = 64 * 1024;

/** What an upload reads: bytes in memory, a web stream (a file's `readable`), or any async source of chunks. */
export type ByteSource = Uint8Array | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;

/**
 * Uploads `source` as `common.Data` chunks through a client-streaming call whose reply is
 * `repeated Xxx messages = 1` with metadata only (EtcdRecover); returns the byte count. A node error in
 * the reply throws its {@linkcode NodeError}.
 */
export async function uploadData(
  channel: GrpcChannel,
  method: string,
  source: ByteSource,
  options: Omit<TalosCallOptions, "nodes">,
): Promise<{ bytes: number }> {
  if ("nodes" in options && options.nodes !== undefined) {
    throw new TypeError(`Cannot upload to ${method} through nodes: target one node with node`);
  }
  let bytes = 0;
  async function* messages(): AsyncGenerator<Uint8Array> {
    for await (const piece of chunksOf(source)) {
      for (let offset = 0; offset < piece.length; offset += UPLOAD_CHUNK_BYTES) {
        const chunk = piece.subarray(offset, offset + UPLOAD_CHUNK_BYTES);
        bytes += chunk.length;
        yield encodeData({ bytes: chunk });
      }
    }
  }
  const reply = await channel.clientStream(method, messages(), toGrpcOptions(options, undefined));
  flattenReplies(decodeReplies(reply, decodeMetadataOnly), method);
  return { bytes };
}

async function* chunksOf(source: ByteSource): AsyncGenerator<Uint8Array> {
  if (source instanceof Uint8Array) yield source;
  // A web stream iterates too, and is cancelled (its file closed) when the upload stops early.
  else yield* source;
}
