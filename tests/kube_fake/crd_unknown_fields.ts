/**
 * Unknown fields of custom resources, as the API server finds them from the CRD's structural
 * schema: a field not under `properties` where neither `additionalProperties` nor
 * `x-kubernetes-preserve-unknown-fields: true` allows it. A create or update with
 * `fieldValidation=Strict` is refused (400 `strict decoding error: unknown field "spec.foo"`),
 * otherwise the field is pruned (`Warn` also says so); a server-side apply patch naming one is the
 * real server's 500 `failed to create typed patch object (…): .spec.foo: field not declared in schema`.
 *
 * @module
 */
import { KubeStatusError } from "./status.ts";
import type { ResourceType } from "./resources.ts";
import type { KubeObj } from "./object_meta.ts";
import type { FieldValidation } from "./openapi_validation.ts";
import { cloneJson } from "./json_clone.ts";

type Schema = Record<string, unknown>;

/** The paths of unknown fields in `value` (removed from it when `prune`). */
export function unknownFields(schema: Schema, value: unknown, prune: boolean, path = ""): string[] {
  if (typeof value !== "object" || value === null) return [];
  if (Array.isArray(value)) {
    const items = schema.items as Schema | undefined;
    return items ? value.flatMap((v, i) => unknownFields(items, v, prune, `${path}[${i}]`)) : [];
  }
  const record = value as Record<string, unknown>;
  const properties = schema.properties as Record<string, Schema> | undefined;
  const additional = schema.additionalProperties;
  const preserve = schema["x-kubernetes-preserve-unknown-fields"] === true;
  const embedded = schema["x-kubernetes-embedded-resource"] === true || path === "";
  const found: string[] = [];
  for (const [key, item] of Object.entries(record)) {
    const at = path === "" ? key : `${path}.${key}`;
    // An object's own apiVersion, kind and metadata are ObjectMeta's business, whatever the schema says of them.
    if (embedded && ["apiVersion", "kind", "metadata"].includes(key)) continue;
    if (properties?.[key]) found.push(...unknownFields(properties[key]!, item, prune, at));
    else if (typeof additional === "object" && additional !== null) {
      found.push(...unknownFields(additional as Schema, item, prune, at));
    } else if (additional === true || preserve) {
      continue;
    } else {
      found.push(at);
      if (prune) delete record[key];
    }
  }
  return found;
}

/** Refuses (Strict) or prunes (Warn, Ignore) the unknown fields of a custom resource being written. */
export function checkCustomObject(
  schema: Schema,
  obj: KubeObj,
  fieldValidation: FieldValidation,
  warnings?: string[],
): void {
  const unknown = unknownFields(schema, obj, fieldValidation !== "Strict");
  if (unknown.length === 0) return;
  if (fieldValidation === "Strict") {
    throw new KubeStatusError(
      400,
      "BadRequest",
      `strict decoding error: ${unknown.map((p) => `unknown field "${p}"`).join(", ")}`,
    );
  }
  if (fieldValidation === "Warn") warnings?.push(...unknown.map((p) => `unknown field "${p}"`));
}

/** Refuses a server-side apply patch of a custom resource naming an unknown field (the real 500). */
export function checkCustomApplyPatch(
  schema: Schema,
  rt: ResourceType,
  patch: KubeObj,
  namespace: string | undefined,
): void {
  const unknown = unknownFields(schema, cloneJson(patch), false);
  if (unknown.length === 0) return;
  const name = String((patch.metadata as Record<string, unknown> | undefined)?.name ?? "");
  const nn = namespace ? `${namespace}/${name}` : `/${name}`;
  throw new KubeStatusError(
    500,
    "",
    `failed to create typed patch object (${nn}; ${rt.group}/${rt.version}, Kind=${rt.kind}): .${unknown[0]}: ` +
      "field not declared in schema",
  );
}
