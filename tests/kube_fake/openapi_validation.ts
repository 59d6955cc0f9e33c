/**
 * Checks built-in objects written to the fake Kubernetes API against the official OpenAPI v2
 * document of Kubernetes v1.35.0 (`../shared/contracts/kubernetes-openapi-v2.json`, outside the
 * repository), refusing what the real API server's decoder refuses:
 *
 * - a value of the wrong JSON type (string for an int32, object for a list) fails decoding: 400
 *   `Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string
 *   into Go struct field DeploymentSpec.spec.replicas of type int32`;
 * - unknown fields with `fieldValidation=Strict`: 400 `strict decoding error: unknown field
 *   "spec.foo"`; with `Ignore` or `Warn` they are dropped, as the decoder drops them (`Warn` also
 *   answers with a `Warning: 299 - "unknown field \"spec.foo\""` header);
 * - server-side apply converts the patch to a typed value first, and an unknown or mistyped field
 *   there is the real server's 500 `failed to create typed patch object (…): .spec.foo: field not
 *   declared in schema`.
 *
 * Deliberately stricter than the real default: a write without `fieldValidation` is validated as
 * Strict (the real default is Warn, which drops the field with a warning), so a manifest the product
 * renders wrongly fails in tests instead of silently losing a field on a real cluster.
 *
 * When the contract file is absent the checks are off (printed once), like the other contract tests.
 *
 * @module
 */
import { KubeStatusError } from "./status.ts";
import type { ResourceType } from "./resources.ts";
import type { KubeObj } from "./object_meta.ts";
import { kubernetesContract as loadContract, type Schema } from "./kubernetes_contract.ts";
import { cloneJson } from "./json_clone.ts";

export { KUBERNETES_OPENAPI_URL } from "./kubernetes_contract.ts";

/** How unknown fields are treated (`?fieldValidation=`). */
export type FieldValidation = "Strict" | "Warn" | "Ignore";

const QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity";
const INT_OR_STRING = "io.k8s.apimachinery.pkg.util.intstr.IntOrString";

/** The first decode error and every unknown field found in one object. */
interface Findings {
  typeError?: { path: string; goPath: string; struct: string; goType: string; value: string };
  unknown: string[];
}

function refName(ref: string): string {
  return ref.replace(/^#\/definitions\//, "");
}

/** `io.k8s.api.core.v1.PodSpec` -> `v1.PodSpec`, as Go prints the type. */
function goTypeOfDefinition(name: string): string {
  if (name === QUANTITY) return "resource.Quantity";
  if (name === INT_OR_STRING) return "intstr.IntOrString";
  const parts = name.split(".");
  return `${parts[parts.length - 2]}.${parts[parts.length - 1]}`;
}

function goTypeOf(schema: Schema): string {
  if (schema.$ref) return goTypeOfDefinition(refName(schema.$ref));
  switch (schema.type) {
    case "integer":
      return schema.format === "int32" ? "int32" : "int64";
    case "number":
      return "float64";
    case "boolean":
      return "bool";
    case "string":
      return schema.format === "byte" ? "[]uint8" : "string";
    case "array":
      return `[]${schema.items ? goTypeOf(schema.items) : "interface {}"}`;
    case "object":
      return typeof schema.additionalProperties === "object"
        ? `map[string]${goTypeOf(schema.additionalProperties)}`
        : "map[string]interface {}";
  }
  return "interface {}";
}

function jsonKind(value: unknown): string {
  if (Array.isArray(value)) return "array";
  if (typeof value === "object") return "object";
  if (typeof value === "boolean") return "bool";
  return typeof value;
}

/**
 * Walks `value` against `schema`. Unknown fields are recorded (and removed when `prune`); the first
 * type mismatch is recorded. `struct` is the Go struct the value sits in, `goPath` its field path.
 */
function walk(
  defs: Record<string, Schema>,
  value: unknown,
  schema: Schema,
  at: { path: string; goPath: string; struct: string },
  found: Findings,
  prune: boolean,
): void {
  if (value === null || value === undefined) return;
  let def = schema;
  let defName: string | undefined;
  if (schema.$ref) {
    defName = refName(schema.$ref);
    def = defs[defName] ?? {};
  }
  const mismatch = (shown = jsonKind(value)) => {
    found.typeError ??= { path: at.path, goPath: at.goPath, struct: at.struct, goType: goTypeOf(schema), value: shown };
  };
  if (defName === QUANTITY) {
    if (typeof value !== "string" && typeof value !== "number") mismatch();
    return;
  }
  if (defName === INT_OR_STRING || def.format === "int-or-string") {
    if (typeof value !== "string" && !(typeof value === "number" && Number.isInteger(value))) mismatch();
    return;
  }
  switch (def.type) {
    case undefined:
      return; // JSON, JSONSchemaPropsOr…: any value.
    case "string":
      if (typeof value !== "string") mismatch();
      return;
    case "boolean":
      if (typeof value !== "boolean") mismatch();
      return;
    case "integer":
      if (typeof value !== "number") mismatch();
      else if (!Number.isInteger(value)) mismatch(`number ${value}`);
      return;
    case "number":
      if (typeof value !== "number") mismatch();
      return;
    case "array":
      if (!Array.isArray(value)) return mismatch();
      value.forEach((item, i) => walk(defs, item, def.items ?? {}, { ...at, path: `${at.path}[${i}]` }, found, prune));
      return;
    case "object": {
      if (typeof value !== "object" || Array.isArray(value)) return mismatch();
      const record = value as Record<string, unknown>;
      const struct = defName ? defName.slice(defName.lastIndexOf(".") + 1) : at.struct;
      if (!def.properties) {
        if (typeof def.additionalProperties !== "object") return; // RawExtension, FieldsV1: free-form.
        for (const [key, item] of Object.entries(record)) {
          const path = at.path === "" ? key : `${at.path}.${key}`;
          walk(defs, item, def.additionalProperties, { path, goPath: at.goPath, struct: at.struct }, found, prune);
        }
        return;
      }
      for (const [key, item] of Object.entries(record)) {
        const path = at.path === "" ? key : `${at.path}.${key}`;
        const goPath = at.goPath === "" ? key : `${at.goPath}.${key}`;
        const property = def.properties[key];
        if (property) walk(defs, item, property, { path, goPath, struct }, found, prune);
        else if (typeof def.additionalProperties === "object") {
          walk(defs, item, def.additionalProperties, { path, goPath, struct }, found, prune);
        } else {
          found.unknown.push(path);
          if (prune) delete record[key];
        }
      }
      return;
    }
  }
}

/** Whether the contract knows this built-in type (false for custom resources or without the contract). */
export function hasOpenApiSchema(rt: ResourceType): boolean {
  if (rt.crd !== undefined) return false;
  return loadContract()?.byGvk.has(`${rt.group}/${rt.version}/${rt.kind}`) ?? false;
}

/**
 * Validates a built-in object about to be written (JSON create, update or patch result). Throws the
 * real server's 400; with `Ignore`/`Warn` removes unknown fields from `obj` instead of refusing.
 */
export function validateBuiltinObject(
  rt: ResourceType,
  obj: KubeObj,
  fieldValidation: FieldValidation,
  warnings?: string[],
): void {
  const c = rt.crd === undefined ? loadContract() : null;
  const name = c?.byGvk.get(`${rt.group}/${rt.version}/${rt.kind}`);
  if (!c || !name) return;
  const found: Findings = { unknown: [] };
  walk(
    c.definitions,
    obj,
    { $ref: `#/definitions/${name}` },
    { path: "", goPath: "", struct: rt.kind },
    found,
    fieldValidation !== "Strict",
  );
  if (found.typeError) {
    const e = found.typeError;
    throw new KubeStatusError(
      400,
      "BadRequest",
      `${rt.kind} in version "${rt.version}" cannot be handled as a ${rt.kind}: json: cannot unmarshal ${e.value} ` +
        `into Go struct field ${e.struct}.${e.goPath} of type ${e.goType}`,
    );
  }
  if (fieldValidation === "Warn") warnings?.push(...found.unknown.map((p) => `unknown field "${p}"`));
  if (fieldValidation === "Strict" && found.unknown.length > 0) {
    throw new KubeStatusError(
      400,
      "BadRequest",
      `strict decoding error: ${found.unknown.map((p) => `unknown field "${p}"`).join(", ")}`,
    );
  }
}

/**
 * Validates a server-side apply patch of a built-in type as the typed-value conversion does: any
 * unknown or mistyped field is the real server's 500 (see module docs).
 */
export function validateBuiltinApplyPatch(rt: ResourceType, patch: KubeObj, namespace: string | undefined): void {
  const c = rt.crd === undefined ? loadContract() : null;
  const name = c?.byGvk.get(`${rt.group}/${rt.version}/${rt.kind}`);
  if (!c || !name) return;
  const found: Findings = { unknown: [] };
  walk(
    c.definitions,
    cloneJson(patch),
    { $ref: `#/definitions/${name}` },
    { path: "", goPath: "", struct: rt.kind },
    found,
    false,
  );
  const problem = found.unknown.length > 0
    ? `.${found.unknown[0]}: field not declared in schema`
    : found.typeError
    ? `.${found.typeError.path}: expected ${found.typeError.goType}, got ${found.typeError.value}`
    : undefined;
  if (problem === undefined) return;
  const objectName = String((patch.metadata as Record<string, unknown> | undefined)?.name ?? "");
  const gv = rt.group === "" ? `/${rt.version}` : `${rt.group}/${rt.version}`;
  const nn = namespace ? `${namespace}/${objectName}` : `/${objectName}`;
  throw new KubeStatusError(500, "", `failed to create typed patch object (${nn}; ${gv}, Kind=${rt.kind}): ${problem}`);
}
