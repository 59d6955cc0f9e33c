/**
 * Server-side apply conflicts: an apply that would change the value of a field another manager owns
 * is refused with 409 Conflict naming the manager and the field, unless it is forced (`force=true`),
 * which moves the field to the applier. Setting a field to the value it already has only shares it.
 * Ownership is the fake's `fieldsV1` (managed_fields.ts): object keys, lists as one field.
 *
 * @module
 */
import { KubeStatusError } from "./status.ts";
import { fieldsOf } from "./managed_fields.ts";
import { stableStringify } from "./patch.ts";
import type { KubeObj } from "./object_meta.ts";
import { cloneJson } from "./json_clone.ts";

type Entry = Record<string, unknown>;
type Fields = Record<string, unknown>;

/** One field an apply would take from another manager. */
export interface ApplyConflict {
  manager: string;
  apiVersion: string;
  /** The field's keys (`["spec", "replicas"]`). */
  path: string[];
}

/** Every leaf path of a `fieldsV1` tree, as object keys. */
function leaves(tree: Fields, prefix: string[] = []): string[][] {
  const out: string[][] = [];
  for (const [key, sub] of Object.entries(tree)) {
    if (!key.startsWith("f:")) continue;
    const path = [...prefix, key.slice(2)];
    const children = sub as Fields;
    if (Object.keys(children).length === 0) out.push(path);
    else out.push(...leaves(children, path));
  }
  return out;
}

function owns(tree: unknown, path: string[]): boolean {
  let node = tree as Fields | undefined;
  for (const key of path) {
    node = node?.[`f:${key}`] as Fields | undefined;
    if (node === undefined) return false;
  }
  return true;
}

function valueAt(obj: unknown, path: string[]): unknown {
  let node = obj;
  for (const key of path) {
    if (typeof node !== "object" || node === null || Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/** The fields `applied` would change that other managers own (same subresource). */
export function findApplyConflicts(
  entries: unknown,
  manager: string,
  applied: KubeObj,
  live: KubeObj,
  subresource?: string,
): ApplyConflict[] {
  const others = (Array.isArray(entries) ? entries as Entry[] : []).filter((e) =>
    !(e.manager === manager && e.operation === "Apply") && (e.subresource ?? "") === (subresource ?? "")
  );
  const conflicts: ApplyConflict[] = [];
  for (const path of leaves(fieldsOf(applied))) {
    if (stableStringify(valueAt(applied, path)) === stableStringify(valueAt(live, path))) continue;
    for (const e of others) {
      if (owns(e.fieldsV1, path)) {
        conflicts.push({ manager: String(e.manager), apiVersion: String(e.apiVersion ?? ""), path });
      }
    }
  }
  return conflicts;
}

/** The API server's 409 for conflicts (`Apply failed with 1 conflict: conflict with "x" using apps/v1: .spec.replicas`). */
export function applyConflictError(conflicts: ApplyConflict[]): KubeStatusError {
  const field = (c: ApplyConflict) => `.${c.path.join(".")}`;
  const causes = conflicts.map((c) => ({
    type: "FieldManagerConflict",
    message: `conflict with "${c.manager}" using ${c.apiVersion}`,
    field: field(c),
  }));
  const message = conflicts.length === 1
    ? `Apply failed with 1 conflict: conflict with "${conflicts[0]!.manager}" using ${conflicts[0]!.apiVersion}: ${
      field(conflicts[0]!)
    }`
    : `Apply failed with ${conflicts.length} conflicts: ${
      conflicts.map((c) => `conflict with "${c.manager}" using ${c.apiVersion}: ${field(c)}`).join("\n")
    }`;
  return new KubeStatusError(409, "Conflict", message, { causes });
}

/** Removes a field from a `fieldsV1` tree, and the objects it leaves empty (an empty one reads as a leaf). */
function removePath(tree: Fields | undefined, path: string[]): void {
  const key = `f:${path[0]}`;
  if (!tree || !(key in tree)) return;
  if (path.length === 1) {
    delete tree[key];
    return;
  }
  const child = tree[key] as Fields;
  removePath(child, path.slice(1));
  if (Object.keys(child).length === 0) delete tree[key];
}

/** A forced apply: the conflicting fields leave the other managers (entries left empty go). */
export function takeOwnership(entries: unknown, conflicts: ApplyConflict[]): unknown[] | undefined {
  if (!Array.isArray(entries)) return undefined;
  const out = (cloneJson(entries) as Entry[]).map((e) => {
    for (const c of conflicts.filter((c) => c.manager === e.manager)) removePath(e.fieldsV1 as Fields, c.path);
    return e;
  }).filter((e) => leaves((e.fieldsV1 ?? {}) as Fields).length > 0 || e.operation === "Apply");
  return out;
}
