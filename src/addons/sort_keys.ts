/**
 * Deterministic manifests: object keys sorted at every level (array order kept), so rendered
 * output compares byte for byte with golden files.
 *
 * @module
 */

/** A deep copy of `value` with every object's keys in sorted order. */
export function sortKeysDeep<T>(value: T): T {
  if (Array.isArray(value)) return value.map(sortKeysDeep) as T;
  if (typeof value !== "object" || value === null) return value;
  const source = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(source).sort()) {
    if (source[key] !== undefined) out[key] = sortKeysDeep(source[key]);
  }
  return out as T;
}
