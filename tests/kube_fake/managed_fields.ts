/**
 * `metadata.managedFields` bookkeeping of the fake Kubernetes API: one entry per field manager,
 * operation and subresource, with a minimal `fieldsV1` tree of what that write set.
 *
 * @module
 */
import { groupVersionOf, type ResourceType } from "./resources.ts";
import type { KubeObj } from "./object_meta.ts";

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
function fieldsOf(value: unknown): Record<string, unknown> {
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

/**
 * The managedFields after a write of `applied` by `options.fieldManager` at `time`: the manager's
 * entry for the same operation and subresource is replaced, or added. Undefined when there are none.
 */
export function updateManagedFields(
  previous: unknown,
  options: WriteOptions,
  rt: ResourceType,
  applied: KubeObj,
  time: string,
): unknown[] | undefined {
  const entries = Array.isArray(previous) ? [...previous] as Record<string, unknown>[] : [];
  if (!options.fieldManager) return entries.length > 0 ? entries : undefined;
  const operation = options.operation ?? "Update";
  const entry: Record<string, unknown> = {
    manager: options.fieldManager,
    operation,
    apiVersion: groupVersionOf(rt),
    time,
    fieldsType: "FieldsV1",
    fieldsV1: fieldsOf(options.subresource === "status" ? { status: applied.status } : applied),
  };
  if (options.subresource) entry.subresource = options.subresource;
  const index = entries.findIndex((e) =>
    e.manager === entry.manager && e.operation === operation && (e.subresource ?? "") === (entry.subresource ?? "")
  );
  if (index >= 0) entries[index] = entry;
  else entries.push(entry);
  return entries;
}
