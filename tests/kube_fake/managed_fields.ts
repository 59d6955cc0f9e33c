/**
 * `metadata.managedFields` bookkeeping of the fake Kubernetes API: one entry per field manager,
 * operation and subresource, with a minimal `fieldsV1` tree of what that write set.
 *
 * @module
 */
import { groupVersionOf, type ResourceType } from "./resources.ts";
import type { KubeObj } from "./object_meta.ts";
import { stableStringify } from "./patch.ts";

/** Options of a write through the REST surface. */
export interface WriteOptions {
  /** `/status` writes change only status; main-resource writes keep status when the type has the subresource. */
  subresource?: "status";
  dryRun?: boolean;
  fieldManager?: string;
  /** Recorded in managedFields. */
  operation?: "Apply" | "Update";
  /** `?fieldValidation=`: how unknown fields of built-in kinds are treated (absent: Strict, see openapi_validation.ts). */
  fieldValidation?: "Strict" | "Warn" | "Ignore";
  /** Receives what `fieldValidation=Warn` reports (sent back as `Warning` headers). */
  warnings?: string[];
}

/** A minimal `fieldsV1` tree (`f:<key>` per object field; lists are leaves). */
export function fieldsOf(value: unknown): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return {};
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === "apiVersion" || k === "kind") continue;
    if (k === "metadata" && typeof v === "object" && v !== null) {
      const { name: _n, namespace: _ns, resourceVersion: _rv, managedFields: _mf, ...rest } = v as Record<
        string,
        unknown
      >;
      if (Object.keys(rest).length > 0) out["f:metadata"] = fieldsOf(rest);
      continue;
    }
    out[`f:${k}`] = fieldsOf(v);
  }
  return out;
}

/** The part of `next` that differs from `before` (object keys recursed, anything else whole). */
function changedPart(before: unknown, next: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (typeof next !== "object" || next === null || Array.isArray(next)) return out;
  const old = (typeof before === "object" && before !== null && !Array.isArray(before) ? before : {}) as Record<
    string,
    unknown
  >;
  for (const [key, value] of Object.entries(next)) {
    if (stableStringify(value) === stableStringify(old[key])) continue;
    const nested = typeof value === "object" && value !== null && !Array.isArray(value);
    if (!nested || typeof old[key] !== "object" || old[key] === null) {
      out[key] = value;
      continue;
    }
    // Only removed keys below: the remover gains no field (an empty object would read as owning the whole map).
    const part = changedPart(old[key], value);
    if (Object.keys(part).length > 0) out[key] = part;
  }
  return out;
}

/** The union of two `fieldsV1` trees. */
function unionFields(a: unknown, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...(typeof a === "object" && a !== null ? a as Record<string, unknown> : {}) };
  for (const [key, value] of Object.entries(b)) {
    out[key] = key in out ? unionFields(out[key], value as Record<string, unknown>) : value;
  }
  return out;
}

/**
 * The managedFields after a write of `applied` by `options.fieldManager` at `time`. An Apply
 * entry is replaced by the applied configuration's fields; an Update (`before`: the object before
 * the write) adds the fields whose values it changed to what the manager owned, as the API server
 * tracks ownership. Undefined when there are no entries.
 */
export function updateManagedFields(
  previous: unknown,
  options: WriteOptions,
  rt: ResourceType,
  applied: KubeObj,
  time: string,
  before?: KubeObj,
): unknown[] | undefined {
  const entries = Array.isArray(previous) ? [...previous] as Record<string, unknown>[] : [];
  if (!options.fieldManager) return entries.length > 0 ? entries : undefined;
  const operation = options.operation ?? "Update";
  // Main-resource writes of a type with a status subresource never own status (the API server resets it).
  const scoped = (obj: KubeObj | undefined) =>
    options.subresource === "status"
      ? { status: obj?.status }
      : rt.hasStatus && obj !== undefined
      ? Object.fromEntries(Object.entries(obj).filter(([key]) => key !== "status"))
      : obj;
  const index = entries.findIndex((e) =>
    e.manager === options.fieldManager && e.operation === operation &&
    (e.subresource ?? "") === (options.subresource ?? "")
  );
  const fieldsV1 = operation === "Update" && before !== undefined
    ? unionFields(entries[index]?.fieldsV1, fieldsOf(changedPart(scoped(before), scoped(applied))))
    : fieldsOf(scoped(applied));
  if (Object.keys(fieldsV1).length === 0 && index < 0) return entries.length > 0 ? entries : undefined;
  const entry: Record<string, unknown> = {
    manager: options.fieldManager,
    operation,
    apiVersion: groupVersionOf(rt),
    time,
    fieldsType: "FieldsV1",
    fieldsV1,
  };
  if (options.subresource) entry.subresource = options.subresource;
  if (index >= 0) entries[index] = entry;
  else entries.push(entry);
  return entries;
}

type Fields = Record<string, unknown>;

function isTree(value: unknown): value is Fields {
  return typeof value === "object" && value !== null && !Array.isArray(value) && Object.keys(value).length > 0;
}

/**
 * Server-side apply's removal rule: a field the manager applied last time and leaves out now is
 * removed from `merged`, unless another manager also owns it (then only this manager's claim goes).
 * `previous` is the managedFields before the write; `applied` the new apply configuration.
 * Works on object keys; lists are leaves (replaced whole by the merge), as {@link fieldsOf} records them.
 */
export function removeDisownedFields(
  merged: KubeObj,
  previous: unknown,
  manager: string,
  applied: KubeObj,
  subresource?: string,
): void {
  const entries = Array.isArray(previous) ? previous as Record<string, unknown>[] : [];
  const isMine = (e: Record<string, unknown>) =>
    e.manager === manager && e.operation === "Apply" && (e.subresource ?? "") === (subresource ?? "");
  const mine = entries.find(isMine)?.fieldsV1;
  if (!isTree(mine)) return;
  const others = entries.filter((e) => !isMine(e)).map((e) => e.fieldsV1).filter(isTree);
  const prune = (target: Fields, before: Fields, now: Fields, owners: Fields[]) => {
    for (const [key, sub] of Object.entries(before)) {
      if (!key.startsWith("f:")) continue;
      const field = key.slice(2);
      const stillOwned = owners.map((o) => o[key]).filter((o) => o !== undefined) as Fields[];
      if (!(key in now)) {
        if (stillOwned.length === 0) delete target[field];
        continue;
      }
      const child = target[field];
      if (isTree(sub) && isTree(now[key]) && typeof child === "object" && child !== null && !Array.isArray(child)) {
        prune(child as Fields, sub, now[key] as Fields, stillOwned.filter(isTree));
      }
    }
  };
  prune(merged, mine, fieldsOf(applied), others);
}
