/**
 * Server-side printing of the fake Kubernetes API: the `meta.k8s.io/v1 Table` kubectl asks for
 * (`Accept: application/json;as=Table;v=v1;g=meta.k8s.io`), built for custom resources as the
 * apiextensions table convertor builds it: a Name column, then the version's
 * `additionalPrinterColumns` (or just Age when it declares none), each cell evaluated by JSONPath and
 * typed by the column (`date` cells become ages such as `5m` or `2d3h`).
 *
 * Built-in kinds have hand-written printers in the real server (pods show READY, STATUS, …); the
 * fake models the Node and Event printers (`node_table.ts`, `event_table.ts`) and answers other
 * built-in kinds' Table requests with a plain list, which kubectl prints as NAME and AGE.
 *
 * @module
 */
import type { KubeObj } from "./object_meta.ts";
import { metaOf } from "./object_meta.ts";
import { badRequest } from "./status.ts";

/** One printer column of a CRD version. */
export interface PrinterColumn {
  name: string;
  type: string;
  jsonPath: string;
  format?: string;
  description?: string;
  priority?: number;
}

const NAME_DESCRIPTION = "Name must be unique within a namespace. Is required when creating resources, although some " +
  "resources may allow a client to request the generation of an appropriate name automatically. Name is primarily " +
  "intended for creation idempotence and configuration definition. Cannot be updated. More info: " +
  "https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";

const AGE_DESCRIPTION = "CreationTimestamp is a timestamp representing the server time when this object was " +
  "created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set " +
  "this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. " +
  "More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";

/** Whether an Accept header asks for a `meta.k8s.io/v1` Table. */
export function wantsTable(accept: string | null): boolean {
  return (accept ?? "").split(",").some((part) => {
    const params = part.split(";").map((p) => p.trim());
    return params.includes("as=Table") && params.includes("g=meta.k8s.io") && params.includes("v=v1");
  });
}

/** The printer columns of a CRD's served version (the default Age column when it declares none). */
export function printerColumnsOf(crd: KubeObj | undefined, version: string): PrinterColumn[] {
  const versions = ((crd?.spec as { versions?: Record<string, unknown>[] } | undefined)?.versions) ?? [];
  const declared = versions.find((v) => v.name === version)?.additionalPrinterColumns as PrinterColumn[] | undefined;
  if (declared && declared.length > 0) return declared;
  return [{ name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp", description: AGE_DESCRIPTION }];
}

/** Go's `duration.HumanDuration`, as kubectl shows ages. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) return hours % 24 === 0 ? `${hours / 24}d` : `${Math.floor(hours / 24)}d${hours % 24}h`;
  const days = Math.floor(hours / 24);
  if (hours < 24 * 365 * 2) return `${days}d`;
  if (hours < 24 * 365 * 8) return days % 365 === 0 ? `${days / 365}y` : `${Math.floor(days / 365)}y${days % 365}d`;
  return `${Math.floor(days / 365)}y`;
}

type Step = { field: string } | { index: number } | { all: true } | { filter: string[]; op: string; value: unknown };

/** Parses the JSONPath subset printer columns use: `.a.b`, `['a']`, `[0]`, `[*]`, `[?(@.type=="Ready")]`. */
export function parseJsonPath(path: string): Step[] {
  const steps: Step[] = [];
  let rest = path.trim().replace(/^\{(.*)\}$/, "$1").replace(/^\$/, "");
  while (rest !== "") {
    let m = rest.match(/^\.([A-Za-z0-9_\-]+)/);
    if (m) steps.push({ field: m[1]! });
    else if ((m = rest.match(/^\[['"]([^'"]+)['"]\]/))) steps.push({ field: m[1]! });
    else if ((m = rest.match(/^\[(-?\d+)\]/))) steps.push({ index: Number(m[1]) });
    else if ((m = rest.match(/^\[\*\]/))) steps.push({ all: true });
    else if (
      (m = rest.match(
        /^\[\?\(@((?:\.[A-Za-z0-9_\-]+)+)\s*(==|!=)\s*(?:"([^"]*)"|'([^']*)'|(-?\d+(?:\.\d+)?)|(true|false))\)\]/,
      ))
    ) {
      const value = m[3] ?? m[4] ?? (m[5] !== undefined ? Number(m[5]) : m[6] === "true");
      steps.push({ filter: m[1]!.slice(1).split("."), op: m[2]!, value });
    } else throw badRequest(`unsupported JSONPath "${path}" at "${rest}"`);
    rest = rest.slice(m[0].length);
  }
  return steps;
}

/** Every value a parsed JSONPath reaches in `data` (missing keys give none). */
export function findResults(data: unknown, steps: Step[]): unknown[] {
  let current: unknown[] = [data];
  for (const step of steps) {
    const next: unknown[] = [];
    for (const node of current) {
      if ("field" in step) {
        if (typeof node === "object" && node !== null && !Array.isArray(node) && step.field in node) {
          next.push((node as Record<string, unknown>)[step.field]);
        }
      } else if ("index" in step) {
        if (Array.isArray(node)) {
          const i = step.index < 0 ? node.length + step.index : step.index;
          if (i >= 0 && i < node.length) next.push(node[i]);
        }
      } else if ("all" in step) {
        if (Array.isArray(node)) next.push(...node);
        else if (typeof node === "object" && node !== null) next.push(...Object.values(node));
      } else if (Array.isArray(node)) {
        for (const item of node) {
          const [value] = findResults(item, step.filter.map((field) => ({ field })));
          if (step.op === "==" ? value === step.value : value !== step.value) next.push(item);
        }
      }
    }
    current = next;
  }
  return current;
}

function cellFor(column: PrinterColumn, value: unknown, now: number): unknown {
  if (value === undefined || value === null) return null;
  switch (column.type) {
    case "string":
      return typeof value === "string" ? value : typeof value === "object" ? JSON.stringify(value) : String(value);
    case "integer":
      return typeof value === "number" ? Math.trunc(value) : null;
    case "number":
      return typeof value === "number" ? value : null;
    case "boolean":
      return typeof value === "boolean" ? value : null;
    case "date": {
      if (typeof value !== "string") return null;
      const at = Date.parse(value);
      return Number.isNaN(at) ? "<invalid>" : humanDuration(now - at);
    }
  }
  return null;
}

/** What each row carries as `object` (`?includeObject=`): nothing, metadata only (default), or all. */
export type IncludeObject = "None" | "Metadata" | "Object";

/** A column as the server defines it in `columnDefinitions` (type `string` unless given). */
export interface TableColumn {
  name: string;
  type?: string;
  format?: string;
  description: string;
  priority: number;
}

/** What every Table rendering takes besides its objects. */
export interface TableOptions {
  resourceVersion: string;
  now: number;
  includeObject: IncludeObject;
  noHeaders?: boolean;
}

/**
 * Assembles a `meta.k8s.io/v1` Table: a row of `cellsOf(object)` per object (carrying the object, its
 * metadata or nothing, as `includeObject` asks) and, unless `noHeaders`, the column definitions.
 */
export function assembleTable(
  objects: KubeObj[],
  cellsOf: (object: KubeObj) => unknown[],
  columns: readonly TableColumn[],
  options: TableOptions,
): KubeObj {
  const rows = objects.map((obj) => {
    const row: KubeObj = { cells: cellsOf(obj) };
    if (options.includeObject === "Object") row.object = obj;
    else if (options.includeObject === "Metadata") {
      row.object = { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: metaOf(obj) };
    }
    return row;
  });
  const table: KubeObj = {
    kind: "Table",
    apiVersion: "meta.k8s.io/v1",
    metadata: { resourceVersion: options.resourceVersion },
  };
  if (!options.noHeaders) {
    table.columnDefinitions = columns.map((c) => ({
      name: c.name,
      type: c.type ?? "string",
      format: c.format ?? "",
      description: c.description,
      priority: c.priority,
    }));
  }
  table.rows = rows;
  return table;
}

/** Renders objects as a `meta.k8s.io/v1` Table with the given printer columns. */
export function renderTable(objects: KubeObj[], columns: PrinterColumn[], options: TableOptions): KubeObj {
  const paths = columns.map((c) => parseJsonPath(c.jsonPath));
  const definitions: TableColumn[] = [
    { name: "Name", format: "name", description: NAME_DESCRIPTION, priority: 0 },
    ...columns.map((c) => ({
      name: c.name,
      type: c.type,
      format: c.format ?? "",
      description: c.description ?? `Custom resource definition column (in JSONPath format): ${c.jsonPath}`,
      priority: c.priority ?? 0,
    })),
  ];
  return assembleTable(
    objects,
    (obj) => [
      String(metaOf(obj).name ?? ""),
      ...columns.map((c, i) => cellFor(c, findResults(obj, paths[i]!)[0], options.now)),
    ],
    definitions,
    options,
  );
}
