/**
 * Reads one file out of a `.tar.gz` in memory (Helm's release tarball), so the release build needs no
 * `tar` and extracts nothing but the file it pins.
 *
 * @module
 */

/** Decompresses gzip bytes. Throws on corrupt input. */
export async function gunzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

const BLOCK = 512;

function text(block: Uint8Array, start: number, length: number): string {
  const field = block.subarray(start, start + length);
  const end = field.indexOf(0);
  return new TextDecoder().decode(end === -1 ? field : field.subarray(0, end));
}

function octal(block: Uint8Array, start: number, length: number): number {
  const value = text(block, start, length).trim();
  if (!/^[0-7]+$/.test(value)) throw new RangeError(`Cannot read tar header: size field "${value}" is not octal`);
  return parseInt(value, 8);
}

/**
 * The content of the regular file `name` in an uncompressed tar (ustar names with prefix, GNU long
 * names), or undefined when there is none. Throws when the archive ends inside an entry.
 */
export function tarEntry(tar: Uint8Array, name: string): Uint8Array | undefined {
  let offset = 0;
  let longName: string | undefined;
  while (offset + BLOCK <= tar.length) {
    const header = tar.subarray(offset, offset + BLOCK);
    if (header.every((b) => b === 0)) return undefined; // end-of-archive marker
    const size = octal(header, 124, 12);
    const type = String.fromCharCode(header[156]!);
    const dataStart = offset + BLOCK;
    if (dataStart + size > tar.length) throw new RangeError(`Cannot read tar entry at ${offset}: archive truncated`);
    const data = tar.subarray(dataStart, dataStart + size);
    offset = dataStart + Math.ceil(size / BLOCK) * BLOCK;
    if (type === "L") {
      longName = text(data, 0, data.length);
      continue;
    }
    const prefix = text(header, 345, 155);
    const path = longName ?? (prefix === "" ? text(header, 0, 100) : `${prefix}/${text(header, 0, 100)}`);
    longName = undefined;
    if ((type === "0" || type === "\0") && path.replace(/^\.\//, "") === name) return data;
  }
  return undefined;
}
