/**
 * Codecs of the `common` package (`api/common/common.proto`) and well-known types the Talos API uses.
 * Every reply element carries `common.Metadata` in field 1; apid fills it when it fans a call out to `nodes`.
 *
 * @module
 */
import {
  BinaryReader,
  BinaryWriter,
  bytesField,
  int32Field,
  readFields,
  stringField,
  WireType,
  writeBytes,
  writeInt32,
  writeMessage,
  writeString,
} from "./codec.ts";

/** `google.rpc.Status` (details are not used by Talos clients and are dropped). */
export interface RpcStatus {
  code: number;
  message: string;
}

/** `common.Metadata`: which node answered, and its error when it failed. */
export interface NodeMetadata {
  hostname?: string;
  error?: string;
  status?: RpcStatus;
}

/** Anything with the metadata field 1, i.e. every reply element. */
export interface WithMetadata {
  metadata?: NodeMetadata;
}

/** `common.Data`: a chunk of a byte stream (Kubeconfig, EtcdSnapshot). */
export interface DataChunk extends WithMetadata {
  bytes: Uint8Array;
}

/** `google.protobuf.Empty`. */
export const EMPTY: Uint8Array = new Uint8Array(0);

/** Encodes `google.rpc.Status`. */
export function encodeRpcStatus(status: RpcStatus): Uint8Array {
  const w = new BinaryWriter();
  writeInt32(w, 1, status.code);
  writeString(w, 2, status.message);
  return w.finish();
}

/** Decodes `google.rpc.Status`. */
export function decodeRpcStatus(bytes: Uint8Array): RpcStatus {
  const status: RpcStatus = { code: 0, message: "" };
  readFields(bytes, { 1: int32Field((v) => (status.code = v)), 2: stringField((v) => (status.message = v)) });
  return status;
}

/** Encodes `common.Metadata`. */
export function encodeMetadata(metadata: NodeMetadata): Uint8Array {
  const w = new BinaryWriter();
  writeString(w, 1, metadata.hostname);
  writeString(w, 2, metadata.error);
  if (metadata.status) writeMessage(w, 3, encodeRpcStatus(metadata.status));
  return w.finish();
}

/** Decodes `common.Metadata`. */
export function decodeMetadata(bytes: Uint8Array): NodeMetadata {
  const metadata: NodeMetadata = {};
  readFields(bytes, {
    1: stringField((v) => (metadata.hostname = v)),
    2: stringField((v) => (metadata.error = v)),
    3: bytesField((v) => (metadata.status = decodeRpcStatus(v))),
  });
  return metadata;
}

/** Starts encoding a reply element: writes its metadata (field 1) when present. */
export function writerWithMetadata(element: WithMetadata): BinaryWriter {
  const w = new BinaryWriter();
  if (element.metadata) writeMessage(w, 1, encodeMetadata(element.metadata));
  return w;
}

/** The reader entry for field 1 metadata. */
export function metadataField(element: WithMetadata): [WireType, (r: BinaryReader) => void] {
  return bytesField((v) => (element.metadata = decodeMetadata(v)));
}

/** Encodes `common.Data`. */
export function encodeData(chunk: DataChunk): Uint8Array {
  const w = writerWithMetadata(chunk);
  writeBytes(w, 2, chunk.bytes);
  return w.finish();
}

/** Decodes `common.Data`. */
export function decodeData(bytes: Uint8Array): DataChunk {
  const chunk: DataChunk = { bytes: new Uint8Array(0) };
  readFields(bytes, { 1: metadataField(chunk), 2: bytesField((v) => (chunk.bytes = v)) });
  return chunk;
}

/** Encodes an element that has only metadata (`Bootstrap`, `EtcdLeaveCluster`, `common.Empty`, …). */
export function encodeMetadataOnly(element: WithMetadata): Uint8Array {
  return writerWithMetadata(element).finish();
}

/** Decodes an element that has only metadata. */
export function decodeMetadataOnly(bytes: Uint8Array): WithMetadata {
  const element: WithMetadata = {};
  readFields(bytes, { 1: metadataField(element) });
  return element;
}

/** Encodes a `XxxResponse { repeated Xxx messages = 1; }`. */
export function encodeReplies<T>(elements: T[], encodeOne: (element: T) => Uint8Array): Uint8Array {
  const w = new BinaryWriter();
  for (const element of elements) writeMessage(w, 1, encodeOne(element));
  return w.finish();
}

/** Decodes a `XxxResponse { repeated Xxx messages = 1; }`. */
export function decodeReplies<T>(bytes: Uint8Array, decodeOne: (bytes: Uint8Array) => T): T[] {
  const elements: T[] = [];
  readFields(bytes, { 1: bytesField((v) => elements.push(decodeOne(v))) });
  return elements;
}

/** Encodes `google.protobuf.Duration` from milliseconds. */
export function encodeDuration(ms: number): Uint8Array {
  const w = new BinaryWriter();
  const seconds = Math.trunc(ms / 1000);
  const nanos = Math.round((ms - seconds * 1000) * 1e6);
  if (seconds) w.tag(1, WireType.Varint).int64(seconds);
  writeInt32(w, 2, nanos);
  return w.finish();
}

/** Decodes `google.protobuf.Duration` into milliseconds. */
export function decodeDuration(bytes: Uint8Array): number {
  let seconds = 0;
  let nanos = 0;
  readFields(bytes, {
    1: [WireType.Varint, (r) => (seconds = Number(r.int64()))],
    2: int32Field((v) => (nanos = v)),
  });
  return seconds * 1000 + nanos / 1e6;
}

/** Encodes `google.protobuf.Timestamp`. */
export function encodeTimestamp(date: Date): Uint8Array {
  return encodeDuration(date.getTime());
}

/** Decodes `google.protobuf.Timestamp`. */
export function decodeTimestamp(bytes: Uint8Array): Date {
  return new Date(decodeDuration(bytes));
}
