/**
 * `events.k8s.io/v1` Events and core `v1` Events are one resource in the real API server, stored
 * once and converted per version (pkg/apis/events/v1 conversion): an Event written through either
 * API is read through both. The fake stores the core form and converts at the edges.
 *
 * @module
 */
import type { ResourceType } from "./resources.ts";

type Obj = Record<string, unknown>;

/** Field renames between events.k8s.io/v1 (left) and core v1 (right). */
const RENAMES: [string, string][] = [
  ["regarding", "involvedObject"],
  ["note", "message"],
  ["reportingController", "reportingComponent"],
  ["deprecatedSource", "source"],
  ["deprecatedFirstTimestamp", "firstTimestamp"],
  ["deprecatedLastTimestamp", "lastTimestamp"],
  ["deprecatedCount", "count"],
];

/** Whether `rt` is the events.k8s.io/v1 view of core Events. */
export function isEventsApiEvent(rt: Pick<ResourceType, "group" | "kind">): boolean {
  return rt.group === "events.k8s.io" && rt.kind === "Event";
}

function rename(obj: Obj, pairs: [string, string][]): Obj {
  const out: Obj = {};
  const map = new Map(pairs);
  for (const [key, value] of Object.entries(obj)) out[map.get(key) ?? key] = value;
  return out;
}

/** The stored (core v1) form of an object written through `rt`. */
export function toStoredForm(rt: Pick<ResourceType, "group" | "kind">, obj: Obj): Obj {
  if (!isEventsApiEvent(rt)) return obj;
  return { ...rename(obj, RENAMES), apiVersion: "v1" };
}

/** The form of a stored object as `rt` serves it. */
export function toServedForm(rt: Pick<ResourceType, "group" | "kind">, obj: Obj): Obj {
  if (!isEventsApiEvent(rt)) return obj;
  return rename(obj, RENAMES.map(([a, b]) => [b, a]));
}
