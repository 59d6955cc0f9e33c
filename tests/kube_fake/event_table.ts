/**
 * The real API server's printer for core/v1 Events (`pkg/printers/internalversion`, `printEvent`), which
 * is what `kubectl get events` shows: LAST SEEN, TYPE, REASON, OBJECT (`<kind lowercased>/<name>`),
 * MESSAGE, and the wide columns the server always fills (tables are generated with `Wide: true`):
 * SUBOBJECT, SOURCE (`component, host`, falling back to the reporting controller and instance), FIRST
 * SEEN, COUNT, NAME. Timestamps fall back as the printer's do: first seen to `eventTime`, last seen
 * to first seen, and a `series` overrides last seen and count; a singleton event counts 1.
 *
 * @module
 */
import { type KubeObj, metaOf } from "./object_meta.ts";
import { assembleTable, humanDuration, type TableColumn, type TableOptions } from "./tables.ts";

const COLUMNS: TableColumn[] = [
  {
    name: "Last Seen",
    priority: 0,
    description: "The time at which the most recent occurrence of this event was recorded.",
  },
  {
    name: "Type",
    priority: 0,
    description: "Type of this event (Normal, Warning), new types could be added in the future",
  },
  {
    name: "Reason",
    priority: 0,
    description:
      "This should be a short, machine understandable string that gives the reason for the transition into the object's current status.",
  },
  { name: "Object", priority: 0, description: "The object that this event is about." },
  {
    name: "Subobject",
    priority: 1,
    description:
      "If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2].",
  },
  {
    name: "Source",
    priority: 1,
    description: "The component reporting this event. Should be a short machine understandable string.",
  },
  { name: "Message", priority: 0, description: "A human-readable description of the status of this operation." },
  {
    name: "First Seen",
    priority: 1,
    description: "The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)",
  },
  { name: "Count", priority: 1, description: "The number of times this event has occurred." },
  { name: "Name", priority: 1, format: "name", description: "Name must be unique within a namespace." },
];

interface CoreEvent {
  involvedObject?: { kind?: string; name?: string; fieldPath?: string };
  reason?: string;
  message?: string;
  type?: string;
  count?: number;
  firstTimestamp?: string;
  lastTimestamp?: string;
  eventTime?: string;
  series?: { count?: number; lastObservedTime?: string };
  source?: { component?: string; host?: string };
  reportingComponent?: string;
  reportingInstance?: string;
}

function since(time: string | undefined, now: number): string | undefined {
  if (!time) return undefined;
  const at = Date.parse(time);
  return Number.isNaN(at) ? undefined : humanDuration(now - at);
}

/** The printer's cells for one Event, in column order. */
export function eventCells(event: KubeObj, now: number): Array<string | number> {
  const e = event as CoreEvent;
  const first = since(e.firstTimestamp, now) ?? since(e.eventTime, now) ?? "<unknown>";
  let last = since(e.lastTimestamp, now) ?? first;
  let count = e.count ?? 0;
  if (e.series) {
    last = since(e.series.lastObservedTime, now) ?? "<unknown>";
    count = e.series.count ?? 0;
  } else if (count === 0) count = 1;
  const kind = (e.involvedObject?.kind ?? "").toLowerCase();
  const target = e.involvedObject?.name ? `${kind}/${e.involvedObject.name}` : kind;
  const component = e.source?.component || e.reportingComponent || "";
  const instance = e.source?.host || e.reportingInstance || "";
  return [
    last,
    e.type ?? "",
    e.reason ?? "",
    target,
    e.involvedObject?.fieldPath ?? "",
    instance ? `${component}, ${instance}` : component,
    (e.message ?? "").trim(),
    first,
    count,
    String(metaOf(event).name ?? ""),
  ];
}

/** Renders Events as the server's `meta.k8s.io/v1` Table. */
export function renderEventTable(
  events: KubeObj[],
  options: TableOptions,
): KubeObj {
  return assembleTable(events, (event) => eventCells(event, options.now), COLUMNS, options);
}
