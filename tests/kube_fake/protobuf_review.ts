/**
 * Decodes the one protobuf body the fake accepts: a `SelfSubjectAccessReview`, which `kubectl auth
 * can-i` always sends as `application/vnd.kubernetes.protobuf` (the `k8s\0` magic, then a
 * `runtime.Unknown` wrapping the object; field numbers from `k8s.io/api/authorization/v1/generated.proto`).
 *
 * @module
 */
import { bytesField, readFields, stringField } from "../../src/talos/messages/codec.ts";
import { badRequest } from "./status.ts";
import type { KubeObj } from "./object_meta.ts";

const MAGIC = [0x6b, 0x38, 0x73, 0x00];

/** The review as JSON would carry it; throws 400 for anything else. */
export function decodeSelfSubjectAccessReview(bytes: Uint8Array): KubeObj {
  if (bytes.length < 4 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw badRequest("the protobuf body lacks the k8s magic");
  }
  let kind = "";
  let raw: Uint8Array = new Uint8Array(0) as Uint8Array;
  readFields(bytes.subarray(4), {
    1: bytesField((typeMeta) => readFields(typeMeta, { 2: stringField((k) => (kind = k)) })),
    2: bytesField((r) => (raw = r)),
  });
  if (kind !== "SelfSubjectAccessReview") throw badRequest(`the fake decodes no protobuf ${kind || "object"}`);
  const spec: Record<string, unknown> = {};
  readFields(raw, {
    2: bytesField((s) =>
      readFields(s, {
        1: bytesField((a) => {
          const attrs: Record<string, string> = {};
          const names = ["", "namespace", "verb", "group", "version", "resource", "subresource", "name"];
          readFields(a, Object.fromEntries(names.slice(1).map((n, i) => [i + 1, stringField((v) => (attrs[n] = v))])));
          spec.resourceAttributes = attrs;
        }),
        2: bytesField((a) => {
          const attrs: Record<string, string> = {};
          readFields(a, { 1: stringField((v) => (attrs.path = v)), 2: stringField((v) => (attrs.verb = v)) });
          spec.nonResourceAttributes = attrs;
        }),
      })
    ),
  });
  return { apiVersion: "authorization.k8s.io/v1", kind, spec };
}
