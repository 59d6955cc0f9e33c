/**
 * Pure comparisons behind a hand-over that writes nothing when nothing changed: is a rendered object already
 * contained in the live one, what differs between two K8znerCluster specs (after the CRD's defaults, as the API
 * server stores them), and the JSON merge patch that turns one spec into the other.
 *
 * @module
 */
import { K8ZNER_CLUSTER_SCHEMA } from "../../addons/k8zner_crd.ts";

/** One difference between two specs; `from`/`to` are undefined where the field is absent. */
export interface SpecChange {
  /** Dotted path, e.g. `workers.count`. */
  path: string;
  from: unknown;
  to: unknown;
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * True when every field of `desired` has the same value in `live` (maps compared key by key, lists element by
 * element with equal length). Fields only in `live` (server defaults, status, metadata the server adds) are ignored.
 */
export function isContainedIn(desired: unknown, live: unknown): boolean {
  if (Array.isArray(desired)) {
    return Array.isArray(live) && live.length === desired.length && desired.every((d, i) => isContainedIn(d, live[i]));
  }
  if (isObject(desired)) {
    return isObject(live) && Object.entries(desired).every(([k, v]) => v === undefined || isContainedIn(v, live[k]));
  }
  return desired === live;
}

/** The `spec` schema of the K8znerCluster CRD. */
const SPEC_SCHEMA = (K8ZNER_CLUSTER_SCHEMA.properties as Json).spec as Json;

/**
 * Fills in the schema's `default`s the way the API server does for a structural schema: a missing property with a
 * default gets it, recursively inside objects that are present. Returns a copy.
 */
export function applySchemaDefaults(value: unknown, schema: Json = SPEC_SCHEMA): unknown {
  if (!isObject(value) || !isObject(schema.properties)) return structuredClone(value);
  const out: Json = {};
  for (const [key, v] of Object.entries(value)) {
    if (v !== undefined) out[key] = v;
  }
  for (const [key, sub] of Object.entries(schema.properties as Record<string, Json>)) {
    if (out[key] === undefined && "default" in sub) out[key] = structuredClone(sub.default);
    if (out[key] !== undefined) out[key] = applySchemaDefaults(out[key], sub);
  }
  return out;
}

/**
 * What changes from the live spec `from` to the desired spec `to`, both with the CRD's defaults applied (so a
 * field the server defaulted is not a change). Lists are compared whole. Sorted by path.
 */
export function diffClusterSpec(from: unknown, to: unknown): SpecChange[] {
  const changes: SpecChange[] = [];
  walk(applySchemaDefaults(from), applySchemaDefaults(to), "", changes);
  return changes.sort((a, b) => a.path.localeCompare(b.path));
}

function walk(from: unknown, to: unknown, path: string, out: SpecChange[]): void {
  if (isObject(from) && isObject(to)) {
    const keys = new Set([...Object.keys(from), ...Object.keys(to)]);
    for (const key of keys) walk(from[key], to[key], path ? `${path}.${key}` : key, out);
    return;
  }
  if (JSON.stringify(from) !== JSON.stringify(to)) out.push({ path, from, to });
}

/** The JSON merge patch (RFC 7386) that turns `from` into `to`: removed keys become `null`, lists are replaced. */
export function renderMergePatch(from: Json, to: Json): Json {
  const patch: Json = {};
  for (const key of Object.keys(from)) {
    if (to[key] === undefined) patch[key] = null;
  }
  for (const [key, value] of Object.entries(to)) {
    if (value === undefined) continue;
    const old = from[key];
    if (isObject(old) && isObject(value)) {
      const sub = renderMergePatch(old, value);
      if (Object.keys(sub).length > 0) patch[key] = sub;
    } else if (JSON.stringify(old) !== JSON.stringify(value)) {
      patch[key] = structuredClone(value);
    }
  }
  return patch;
}

/** One line per change, e.g. `workers.count: 2 -> 3`, for the plan shown before an update. */
export function formatSpecChanges(changes: readonly SpecChange[]): string[] {
  const show = (v: unknown) => (v === undefined ? "(unset)" : JSON.stringify(v));
  return changes.map((c) => `${c.path}: ${show(c.from)} -> ${show(c.to)}`);
}
