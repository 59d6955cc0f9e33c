/**
 * Talos streams the kubeconfig as a gzip-compressed tar holding one file named `kubeconfig`
 * ("to match Copy protocol"); this reads it back.
 *
 * @module
 */
import { GrpcCode, TalosError } from "./grpc/errors.ts";

/** Extracts the `kubeconfig` file from the gzip tar the Kubeconfig RPC streams. */
export async function unpackKubeconfigArchive(archive: Uint8Array): Promise<string> {
  let tar: Uint8Array;
  try {
    tar = new Uint8Array(
      await new Response(new Blob([archive.slice()]).stream().pipeThrough(new DecompressionStream("gzip")))
        .arrayBuffer(),
    );
  } catch (err) {
    throw new TalosError(GrpcCode.DATA_LOSS, "the kubeconfig reply is not gzip data", { method: "Kubeconfig" }, {
      cause: err,
    });
  }
  for (const entry of readTar(tar)) {
    if ((entry.type === "0" || entry.type === "\0") && entry.name.replace(/^\.\//, "") === "kubeconfig") {
      return new TextDecoder().decode(entry.data);
    }
  }
  throw new TalosError(GrpcCode.DATA_LOSS, "the kubeconfig archive holds no file named kubeconfig", {
    method: "Kubeconfig",
  });
}

interface TarEntry {
  name: string;
  type: string;
  data: Uint8Array;
}

/** Walks ustar/GNU tar headers (512-byte blocks); PAX headers are skipped as entries of their own. */
function* readTar(tar: Uint8Array): Generator<TarEntry> {
  let offset = 0;
  while (offset + 512 <= tar.length) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) return;
    const name = text(header, 0, 100);
    const prefix = text(header, 345, 155);
    const size = parseInt(text(header, 124, 12).trim() || "0", 8);
    if (!Number.isFinite(size) || offset + 512 + size > tar.length) {
      throw new TalosError(GrpcCode.DATA_LOSS, "the kubeconfig archive is truncated", { method: "Kubeconfig" });
    }
    const type = String.fromCharCode(header[156] ?? 0);
    yield { name: prefix ? `${prefix}/${name}` : name, type, data: tar.slice(offset + 512, offset + 512 + size) };
    offset += 512 + Math.ceil(size / 512) * 512;
  }
}

function text(bytes: Uint8Array, start: number, length: number): string {
  const field = bytes.subarray(start, start + length);
  const end = field.indexOf(0);
  return new TextDecoder().decode(end < 0 ? field : field.subarray(0, end));
}
