/**
 * gRPC over HTTP/2 wire details shared by our client and (in tests) our fake server: the 5-byte message
 * prefix, the `grpc-timeout` header, and the percent-encoding of `grpc-message`
 * (https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md).
 *
 * @module
 */

/** Largest message we accept, as the Talos client does (`constants.GRPCMaxMessageSize`, 32 MiB). */
export const MAX_MESSAGE_BYTES = 32 * 1024 * 1024;

/** Prefixes a serialized message with the uncompressed flag (0) and its big-endian 32-bit length. */
export function encodeGrpcFrame(message: Uint8Array): Uint8Array {
  const frame = new Uint8Array(5 + message.length);
  new DataView(frame.buffer).setUint32(1, message.length);
  frame.set(message, 5);
  return frame;
}

/** Thrown by {@linkcode GrpcFrameDecoder} on a frame it cannot accept. */
export class GrpcFramingError extends Error {
  override name = "GrpcFramingError";
}

/** Splits a byte stream (arbitrary chunk boundaries) back into gRPC messages. */
export class GrpcFrameDecoder {
  #buffer: Uint8Array = new Uint8Array(0);
  readonly #maxBytes: number;

  constructor(maxBytes = MAX_MESSAGE_BYTES) {
    this.#maxBytes = maxBytes;
  }

  /** Bytes received that do not yet form a whole message. */
  get pendingBytes(): number {
    return this.#buffer.length;
  }

  /** Adds a chunk and returns the messages it completed. */
  push(chunk: Uint8Array): Uint8Array[] {
    this.#buffer = this.#buffer.length === 0 ? chunk.slice() : concat(this.#buffer, chunk);
    const messages: Uint8Array[] = [];
    let offset = 0;
    while (this.#buffer.length - offset >= 5) {
      const flag = this.#buffer[offset];
      const view = new DataView(this.#buffer.buffer, this.#buffer.byteOffset + offset, 5);
      const length = view.getUint32(1);
      if (flag !== 0) {
        throw new GrpcFramingError(
          flag === 1
            ? "received a compressed message, but no compression was negotiated"
            : `invalid frame flag ${flag}`,
        );
      }
      if (length > this.#maxBytes) {
        throw new GrpcFramingError(`message of ${length} bytes exceeds the limit of ${this.#maxBytes} bytes`);
      }
      if (this.#buffer.length - offset - 5 < length) break;
      messages.push(this.#buffer.slice(offset + 5, offset + 5 + length));
      offset += 5 + length;
    }
    this.#buffer = this.#buffer.slice(offset);
    return messages;
  }
}

const TIMEOUT_UNITS: Array<[string, number]> = [["n", 1e-6], ["u", 1e-3], ["m", 1], ["S", 1000], ["M", 60_000], [
  "H",
  3_600_000,
]];

/** Renders a deadline for the `grpc-timeout` header: at most 8 digits, in the finest unit that fits. */
export function encodeGrpcTimeout(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`Cannot encode grpc-timeout ${ms}: not a positive number`);
  const whole = Math.max(1, Math.ceil(ms));
  if (whole < 1e8) return `${whole}m`;
  if (whole / 1000 < 1e8) return `${Math.ceil(whole / 1000)}S`;
  if (whole / 60_000 < 1e8) return `${Math.ceil(whole / 60_000)}M`;
  return `${Math.min(99_999_999, Math.ceil(whole / 3_600_000))}H`;
}

/** Parses a `grpc-timeout` header into milliseconds; `undefined` when absent or malformed. */
export function parseGrpcTimeout(value: string | undefined): number | undefined {
  const match = value?.match(/^(\d{1,8})([numSMH])$/);
  if (!match) return undefined;
  const unit = TIMEOUT_UNITS.find(([u]) => u === match[2]);
  return unit ? Number(match[1]) * unit[1] : undefined;
}

/** Percent-encodes a status message for the `grpc-message` header (bytes outside 0x20-0x7E, and `%`). */
export function encodeGrpcMessage(message: string): string {
  let out = "";
  for (const byte of new TextEncoder().encode(message)) {
    out += byte >= 0x20 && byte <= 0x7e && byte !== 0x25
      ? String.fromCharCode(byte)
      : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/** Decodes a `grpc-message` header; malformed escapes are kept as they are. */
export function decodeGrpcMessage(value: string): string {
  if (!value.includes("%")) return value;
  const bytes: number[] = [];
  for (let i = 0; i < value.length; i++) {
    const hex = value.slice(i + 1, i + 3);
    if (value[i] === "%" && /^[0-9a-fA-F]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(...new TextEncoder().encode(value[i]));
    }
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
