/**
 * Decodes a `Secret` sent as `application/vnd.kubernetes.protobuf`: Helm's release storage (client-go's
 * typed clientset) always writes its release Secrets that way, with no JSON fallback. The `k8s\0`
 * magic, then a `runtime.Unknown` wrapping the object; field numbers from
 * `k8s.io/api/core/v1/generated.proto` and `k8s.io/apimachinery/pkg/apis/meta/v1/generated.proto`.
 *
 * @module
 */
import {
  type BinaryReader,
  boolField,
  bytesField,
  readFields,
  stringField,
  WireType,
} from "../../src/talos/messages/codec.ts";
import { Buffer } from "node:buffer";
import { KubeStatusError } from "./status.ts";
import type { KubeObj } from "./object_meta.ts";

const MAGIC = [0x6b, 0x38, 0x73, 0x00];

/** `apiVersion`, `kind` and the raw object of a protobuf body; 400 without the magic. */
export function unwrapProtobuf(bytes: Uint8Array): { apiVersion: string; kind: string; raw: Uint8Array } {
  if (bytes.length < 4 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new KubeStatusError(400, "BadRequest", "the protobuf body lacks the k8s magic");
  }
  let apiVersion = "";
  let kind = "";
  let raw = new Uint8Array(0) as Uint8Array;
  readFields(bytes.subarray(4), {
    1: bytesField((typeMeta) =>
      readFields(typeMeta, { 1: stringField((v) => (apiVersion = v)), 2: stringField((k) => (kind = k)) })
    ),
    2: bytesField((r) => (raw = r)),
  });
  return { apiVersion, kind, raw };
}

function int64Field(set: (value: number) => void): [WireType, (r: BinaryReader) => void] {
  return [WireType.Varint, (r) => set(Number(r.int64()))];
}

/** A `map<string, V>` entry (key 1, value 2) added to `into`. */
function mapEntry<V>(into: Record<string, V>, readValue: (bytes: BinaryReader) => V, wire = WireType.LengthDelimited) {
  return bytesField((entry) => {
    let key = "";
    let value: V | undefined;
    readFields(entry, { 1: stringField((k) => (key = k)), 2: [wire, (r) => (value = readValue(r))] });
    if (value !== undefined) into[key] = value;
  });
}

/** `metav1.Time` (seconds, nanos) as the RFC 3339 text JSON carries. */
function decodeTime(bytes: Uint8Array): string {
  let seconds = 0;
  readFields(bytes, { 1: int64Field((s) => (seconds = s)) });
  return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
}

function decodeObjectMeta(bytes: Uint8Array): Record<string, unknown> {
  const meta: Record<string, unknown> = {};
  const labels: Record<string, string> = {};
  const annotations: Record<string, string> = {};
  const finalizers: string[] = [];
  const owners: Record<string, unknown>[] = [];
  const text = (key: string) => stringField((v) => (meta[key] = v));
  readFields(bytes, {
    1: text("name"),
    2: text("generateName"),
    3: text("namespace"),
    5: text("uid"),
    6: text("resourceVersion"),
    7: int64Field((v) => (meta.generation = v)),
    8: bytesField((t) => (meta.creationTimestamp = decodeTime(t))),
    9: bytesField((t) => (meta.deletionTimestamp = decodeTime(t))),
    10: int64Field((v) => (meta.deletionGracePeriodSeconds = v)),
    11: mapEntry(labels, (r) => r.string()),
    12: mapEntry(annotations, (r) => r.string()),
    13: bytesField((o) => {
      const owner: Record<string, unknown> = {};
      readFields(o, {
        1: stringField((v) => (owner.kind = v)),
        3: stringField((v) => (owner.name = v)),
        4: stringField((v) => (owner.uid = v)),
        5: stringField((v) => (owner.apiVersion = v)),
        6: boolField((v) => (owner.controller = v)),
        7: boolField((v) => (owner.blockOwnerDeletion = v)),
      });
      owners.push(owner);
    }),
    14: stringField((v) => finalizers.push(v)),
  });
  if (Object.keys(labels).length > 0) meta.labels = labels;
  if (Object.keys(annotations).length > 0) meta.annotations = annotations;
  if (finalizers.length > 0) meta.finalizers = finalizers;
  if (owners.length > 0) meta.ownerReferences = owners;
  return meta;
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("base64"); // release Secrets hold hundreds of kB: no per-byte strings
}

/** The Secret as JSON would carry it (`data` base64); 415 for any other protobuf kind. */
export function decodeProtobufSecret(bytes: Uint8Array): KubeObj {
  const { apiVersion, kind, raw } = unwrapProtobuf(bytes);
  if (apiVersion !== "v1" || kind !== "Secret") {
    throw new KubeStatusError(
      415,
      "UnsupportedMediaType",
      `the fake Kubernetes API decodes protobuf only for v1 Secrets, not ${apiVersion || "?"}, Kind=${kind || "?"}`,
    );
  }
  const secret: KubeObj = { apiVersion, kind };
  const data: Record<string, string> = {};
  const stringData: Record<string, string> = {};
  readFields(raw, {
    1: bytesField((m) => (secret.metadata = decodeObjectMeta(m))),
    2: mapEntry(data, (r) => base64(r.bytes())),
    3: stringField((v) => (secret.type = v)),
    4: mapEntry(stringData, (r) => r.string()),
    5: boolField((v) => (secret.immutable = v)),
  });
  if (Object.keys(data).length > 0) secret.data = data;
  if (Object.keys(stringData).length > 0) secret.stringData = stringData;
  return secret;
}
