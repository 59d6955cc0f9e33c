/**
 * Small helpers over `@bufbuild/protobuf/wire` for the hand-written Talos message codecs: a field-table reader
 * that skips unknown fields (newer Talos versions add fields) and writers that omit proto3 default values.
 *
 * @module
 */
import { BinaryReader, BinaryWriter, WireType } from "@bufbuild/protobuf/wire";

export { BinaryReader, BinaryWriter, WireType };

/** How to read one field: its expected wire type and what to do with the value. */
export type FieldReader = [WireType, (reader: BinaryReader) => void];

/** Reads a message, calling the entry of `fields` for each known field number; other fields are skipped. */
export function readFields(bytes: Uint8Array, fields: Record<number, FieldReader>): void {
  const reader = new BinaryReader(bytes);
  while (reader.pos < reader.len) {
    const [fieldNo, wireType] = reader.tag();
    const field = fields[fieldNo];
    if (field && field[0] === wireType) field[1](reader);
    else reader.skip(wireType, fieldNo);
  }
}

/** Writes a string field unless it is empty. */
export function writeString(writer: BinaryWriter, fieldNo: number, value: string | undefined): void {
  if (value) writer.tag(fieldNo, WireType.LengthDelimited).string(value);
}

/** Writes a bytes field unless it is empty. */
export function writeBytes(writer: BinaryWriter, fieldNo: number, value: Uint8Array | undefined): void {
  if (value && value.length > 0) writer.tag(fieldNo, WireType.LengthDelimited).bytes(value);
}

/** Writes a bool field unless it is false. */
export function writeBool(writer: BinaryWriter, fieldNo: number, value: boolean | undefined): void {
  if (value) writer.tag(fieldNo, WireType.Varint).bool(true);
}

/** Writes an enum or int32 field unless it is 0. */
export function writeInt32(writer: BinaryWriter, fieldNo: number, value: number | undefined): void {
  if (value) writer.tag(fieldNo, WireType.Varint).int32(value);
}

/** Writes a uint64 field unless it is 0. */
export function writeUint64(writer: BinaryWriter, fieldNo: number, value: bigint | undefined): void {
  if (value) writer.tag(fieldNo, WireType.Varint).uint64(value);
}

/** Writes an embedded message field (always, even when empty: presence matters for messages). */
export function writeMessage(writer: BinaryWriter, fieldNo: number, encoded: Uint8Array | undefined): void {
  if (encoded !== undefined) writer.tag(fieldNo, WireType.LengthDelimited).bytes(encoded);
}

/** Reads a uint64 as a bigint (the reader may return a string on platforms without bigint). */
export function readUint64(reader: BinaryReader): bigint {
  return BigInt(reader.uint64());
}

/** Reader for a string field that assigns it. */
export function stringField(set: (value: string) => void): FieldReader {
  return [WireType.LengthDelimited, (r) => set(r.string())];
}

/** Reader for a bool field that assigns it. */
export function boolField(set: (value: boolean) => void): FieldReader {
  return [WireType.Varint, (r) => set(r.bool())];
}

/** Reader for an enum/int32 field that assigns it. */
export function int32Field(set: (value: number) => void): FieldReader {
  return [WireType.Varint, (r) => set(r.int32())];
}

/** Reader for an embedded message (or bytes) field, handing over its bytes. */
export function bytesField(set: (value: Uint8Array) => void): FieldReader {
  return [WireType.LengthDelimited, (r) => set(r.bytes())];
}

/** Maps enum names to numbers and back; unknown numbers stay numbers. */
export function enumCodec<Name extends string>(names: readonly Name[]): {
  encode(name: Name | number | undefined): number;
  decode(value: number): Name | number;
} {
  return {
    encode(name) {
      if (name === undefined) return 0;
      if (typeof name === "number") return name;
      const index = names.indexOf(name);
      if (index < 0) throw new TypeError(`Unknown enum value "${name}": allowed are ${names.join(", ")}`);
      return index;
    },
    decode(value) {
      return names[value] ?? value;
    },
  };
}
