/**
 * Server-streaming Talos calls that return bytes (`common.Data` chunks): Kubeconfig and EtcdSnapshot.
 *
 * @module
 */
import type { GrpcChannel } from "./grpc/channel.ts";
import { nodeErrorOf, type TalosCallOptions, toGrpcOptions } from "./api_call.ts";
import { decodeData } from "./messages/common.ts";
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
