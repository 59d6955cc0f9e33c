/**
 * Pure helpers over one stored object of the fake Kubernetes API: its metadata, how it is stamped
 * for a reader, what counts as a change, and the write-time normalisations the API server applies.
 *
 * @module
 */
import { groupVersionOf, type ResourceType } from "./resources.ts";
import { stableStringify } from "./patch.ts";
import { toServedForm } from "./event_versions.ts";
import { cloneJson } from "./json_clone.ts";

/** A Kubernetes object as JSON. */
export type KubeObj = Record<string, unknown>;

/** The object's `metadata`, created empty when missing (mutable: writes go to the object). */
export function metaOf(obj: KubeObj): Record<string, unknown> {
  if (typeof obj.metadata !== "object" || obj.metadata === null) obj.metadata = {};
  return obj.metadata as Record<string, unknown>;
}

/** The object without metadata, status, apiVersion and kind: what bumps `generation` when it changes. */
export function withoutMetaAndStatus(obj: KubeObj): unknown {
  const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = obj;
  return rest;
}

/** A canonical text of the object minus server-set bookkeeping, to tell a no-op write from a change. */
export function comparable(obj: KubeObj): string {
  const copy = cloneJson(obj);
  const meta = metaOf(copy);
  delete meta.resourceVersion;
  delete meta.managedFields;
  delete meta.generation;
  delete copy.apiVersion;
  delete copy.kind;
  return stableStringify(copy);
}

/**
 * True when a write bumps `metadata.generation`, as the API server's update strategies decide:
 * everything but metadata and status changed; for a custom resource without a status subresource
 * status counts too (it is then an ordinary field); for a Deployment its annotations count too
 * (they are copied to its ReplicaSets, pkg/registry/apps/deployment/strategy.go).
 */
export function specChanged(next: KubeObj, old: KubeObj, rt?: ResourceType): boolean {
  if (stableStringify(withoutMetaAndStatus(next)) !== stableStringify(withoutMetaAndStatus(old))) return true;
  if (rt?.crd !== undefined && !rt.hasStatus && stableStringify(next.status) !== stableStringify(old.status)) {
    return true;
  }
  if (rt?.group === "apps" && rt.kind === "Deployment") {
    return stableStringify(metaOf(next).annotations ?? {}) !== stableStringify(metaOf(old).annotations ?? {});
  }
  return false;
}

/**
 * A stored object as the type it is read as serves it, copied only at the top level: nested values
 * are the store's own, so this is for reading (a list's filter), never to hand out or change.
 */
export function servedView(rt: ResourceType, obj: KubeObj): KubeObj {
  const { apiVersion: _a, kind: _k, ...rest } = toServedForm(rt, obj);
  return { apiVersion: groupVersionOf(rt), kind: rt.kind, ...rest };
}

/** A copy of a stored object with the apiVersion and kind of the type it is read as (listed first). */
export function stampObject(rt: ResourceType, obj: KubeObj): KubeObj {
  const { apiVersion: _a, kind: _k, ...rest } = toServedForm(rt, cloneJson(obj));
  return { apiVersion: groupVersionOf(rt), kind: rt.kind, ...rest };
}

/** Freezes `value` and everything in it (a shared read-only copy); returns it. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** Folds a Secret's `stringData` into base64 `data`, as the API server does on every write. */
export function normalizeSecret(rt: ResourceType, obj: KubeObj): void {
  if (rt.group !== "" || rt.kind !== "Secret" || typeof obj.stringData !== "object" || obj.stringData === null) return;
  const data = { ...(obj.data as Record<string, string> | undefined) };
  for (const [key, value] of Object.entries(obj.stringData as Record<string, unknown>)) {
    const bytes = new TextEncoder().encode(String(value));
    data[key] = btoa(Array.from(bytes, (b) => String.fromCharCode(b)).join(""));
  }
  obj.data = data;
  delete obj.stringData;
}
