/**
 * Shared request/response shapes and helpers for resource handlers: typed field readers that
 * raise `invalid_input` naming the field, id parameters, and the generic list response
 * (name, label_selector, sort, pagination).
 *
 * @module
 */
import { invalidField, notFound } from "./errors.ts";
import { matchesRequirements, parseLabelSelector } from "./label_selector.ts";
import { paginate } from "./pagination.ts";
import type { SimContext } from "./state.ts";

/** A parsed request as handlers see it. */
export interface SimRequest {
  method: string;
  /** Path after `/v1`, e.g. `/servers/42`. */
  path: string;
  url: URL;
  params: Record<string, string>;
  // deno-lint-ignore no-explicit-any
  body: any;
}

/** What a handler answers. */
export interface SimResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** A route handler; synchronous so state changes are atomic per request. */
export type Handler = (ctx: SimContext, req: SimRequest) => SimResponse;

/** A route: method + templated path (after `/v1`). */
export interface Route {
  method: string;
  pattern: string;
  handler: Handler;
}

/** The numeric `{name}` path parameter; non-numeric ids are `not_found` like the API. */
export function idParam(req: SimRequest, kind: string, name = "id"): number {
  const raw = req.params[name] ?? "";
  if (!/^\d+$/.test(raw)) throw notFound(kind, raw);
  return Number(raw);
}

/** Looks up a record by id or throws `not_found`. */
export function mustGet<T>(map: Map<number, T>, id: number, kind: string): T {
  const found = map.get(id);
  if (!found) throw notFound(kind, id);
  return found;
}

/** The request body as an object (`{}` when absent), or `invalid_input`. */
// deno-lint-ignore no-explicit-any
export function bodyObject(req: SimRequest): Record<string, any> {
  if (req.body === undefined || req.body === null) return {};
  if (typeof req.body !== "object" || Array.isArray(req.body)) throw invalidField("body", "must be a JSON object");
  return req.body;
}

/** A required non-empty string field. */
export function requireString(body: Record<string, unknown>, field: string): string {
  const v = body[field];
  if (v === undefined || v === null) throw invalidField(field, "is required");
  if (typeof v !== "string" || v === "") throw invalidField(field, "must be a non-empty string");
  return v;
}

/** An optional string field. */
export function optionalString(body: Record<string, unknown>, field: string): string | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw invalidField(field, "must be a string");
  return v;
}

/** A required integer id field. */
export function requireId(body: Record<string, unknown>, field: string): number {
  const v = body[field];
  if (v === undefined || v === null) throw invalidField(field, "is required");
  if (!Number.isSafeInteger(v) || (v as number) < 1) throw invalidField(field, "must be a positive integer");
  return v as number;
}

/** An optional boolean field. */
export function optionalBool(body: Record<string, unknown>, field: string, fallback: boolean): boolean {
  const v = body[field];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== "boolean") throw invalidField(field, "must be a boolean");
  return v;
}

/** An optional array field. */
export function optionalArray(body: Record<string, unknown>, field: string): unknown[] {
  const v = body[field];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw invalidField(field, "must be an array");
  return v;
}

const HOSTNAME =
  /^(?=.{1,253}$)[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;

/** Validates a name: RFC 1123 hostname for servers, 1..128 printable characters otherwise. */
export function validateName(name: string, hostname: boolean): string {
  if (hostname ? !HOSTNAME.test(name) : name.length > 128 || /[\s]/.test(name)) {
    throw invalidField("name", hostname ? "must be a valid hostname (RFC 1123)" : "is invalid");
  }
  return name;
}

/** Common list filtering and paging; `extra` filters on endpoint-specific query parameters. */
export function listResponse<T extends { id: number; name?: string | null; labels?: Record<string, string> }>(
  ctx: SimContext,
  req: SimRequest,
  key: string,
  records: Iterable<T>,
  render: (r: T) => unknown,
  extra?: (r: T, q: URLSearchParams) => boolean,
  created?: (r: T) => number,
): SimResponse {
  const q = req.url.searchParams;
  let items = [...records];
  const name = q.get("name");
  if (name !== null) items = items.filter((r) => r.name === name);
  const selector = q.get("label_selector");
  if (selector !== null) {
    const reqs = parseLabelSelector(selector);
    items = items.filter((r) => matchesRequirements(r.labels ?? {}, reqs));
  }
  if (extra) items = items.filter((r) => extra(r, q));
  items = sortItems(items, q.getAll("sort"), created);
  const page = paginate(items, req.url);
  void ctx;
  return {
    status: 200,
    body: { [key]: page.items.map(render), meta: { pagination: page.meta } },
    headers: page.link ? { Link: page.link } : {},
  };
}

function sortItems<T extends { id: number; name?: string | null }>(
  items: T[],
  sorts: string[],
  created?: (r: T) => number,
): T[] {
  const fields = sorts.map((s) => s.split(":") as [string, string?]);
  // Contradictory sorts on one field are ignored, as documented.
  const valid = fields.filter(([f, d]) => !fields.some(([g, e]) => g === f && (e ?? "asc") !== (d ?? "asc")));
  const keyOf = (r: T, f: string): number | string =>
    f === "name" ? r.name ?? "" : f === "created" && created ? created(r) : r.id;
  return [...items].sort((a, b) => {
    for (const [f, d] of valid) {
      const x = keyOf(a, f), y = keyOf(b, f);
      if (x !== y) return (x < y ? -1 : 1) * (d === "desc" ? -1 : 1);
    }
    return a.id - b.id;
  });
}
