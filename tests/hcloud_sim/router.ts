/**
 * The HTTP front of the simulator: `/v1` prefix, rate limit (before auth, as on Hetzner), bearer
 * auth, JSON parsing (`json_error`), route matching (404/405), fault injection, and Hetzner's
 * error envelope. Handlers run synchronously so each request changes the state atomically.
 *
 * @module
 */
import { SimError } from "./errors.ts";
import type { FaultSpec } from "./faults.ts";
import type { Faults } from "./faults.ts";
import type { Route, SimRequest, SimResponse } from "./http.ts";
import type { RateLimiter } from "./rate_limit.ts";
import type { SimContext } from "./state.ts";

/** One logged request. */
export interface RequestRecord {
  method: string;
  /** Path after `/v1`, without the query. */
  path: string;
  query: string;
  status: number;
  /** The client's User-Agent (the CLI and the operator name themselves apart). */
  userAgent?: string;
  /** Fault injected into this request, if any. */
  fault?: string;
  /** The `name` in a create's JSON body (set once the body is read), to tell two creates of a kind apart. */
  name?: string;
}

/** What the router needs from the simulator. */
export interface RouterDeps {
  ctx: SimContext;
  routes: Route[];
  faults: Faults;
  rateLimiter: RateLimiter;
  requests: RequestRecord[];
  /** Waits `ms` real milliseconds, or less when the simulator closes. */
  hold(ms: number): Promise<void>;
  /** Real clock (epoch ms), for rate-limit headers. */
  now(): number;
  /** Called after every request (re-arms the action timer). */
  afterRequest(): void;
}

const FAULT_STATUS: Record<string, [number, string, string]> = {
  "500": [500, "server_error", "error within the API backend"],
  "502": [502, "bad_gateway", "request could not be answered by the backend, please retry"],
  "503": [503, "unavailable", "service is currently not available"],
  "504": [504, "timeout", "request timeout"],
  "timeout": [504, "timeout", "request timeout"],
  "conflict": [409, "conflict", "the resource has changed during the request, please retry"],
  "locked": [423, "locked", "the item is locked: there is already an action running"],
  "429": [429, "rate_limit_exceeded", "limit of requests per hour reached"],
};

interface CompiledRoute extends Route {
  segments: string[];
}

/** Builds the request handler for `Deno.serve`. */
export function createRouter(deps: RouterDeps): (request: Request) => Promise<Response> {
  const compiled: CompiledRoute[] = deps.routes.map((r) => ({ ...r, segments: r.pattern.split("/").filter(Boolean) }));
  // Static segments win over parameters (`/servers/actions` before `/servers/{id}`).
  compiled.sort((a, b) => countParams(a.segments) - countParams(b.segments));

  return async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    const method = request.method.toUpperCase();
    const path = url.pathname.replace(/^\/v1(?=\/|$)/, "");
    const userAgent = request.headers.get("user-agent") ?? undefined;
    const record: RequestRecord = { method, path, query: url.search, status: 0, ...(userAgent ? { userAgent } : {}) };
    deps.requests.push(record);
    const respond = (res: SimResponse, extra: Record<string, string> = {}) => {
      record.status = res.status;
      deps.afterRequest();
      const headers = new Headers({ ...extra, ...res.headers, "X-Correlation-Id": correlationId(deps.ctx) });
      if (res.body === undefined) return new Response(null, { status: res.status, headers });
      headers.set("Content-Type", "application/json");
      return new Response(JSON.stringify(res.body), { status: res.status, headers });
    };

    if (!url.pathname.startsWith("/v1/")) return respond(errorResponse(new SimError(404, "not_found", "not found")));
    const token = (request.headers.get("authorization") ?? "").match(/^Bearer\s+(\S.*)$/)?.[1]?.trim() ?? "";
    const limit = deps.rateLimiter.take(token || "anonymous");
    if (!limit.allowed) {
      return respond(errorResponse(new SimError(429, "rate_limit_exceeded", FAULT_STATUS["429"]![2])), limit.headers);
    }
    if (!token) {
      return respond(errorResponse(new SimError(401, "unauthorized", "unable to authenticate")), limit.headers);
    }

    const fault = deps.faults.take(method, path);
    if (fault) record.fault = fault.kind;
    deps.ctx.engine.tick();

    let body: unknown = undefined;
    const text = await request.text();
    if (text.trim() !== "") {
      try {
        body = JSON.parse(text);
      } catch {
        return respond(
          errorResponse(new SimError(400, "json_error", "invalid JSON input in your request")),
          limit.headers,
        );
      }
      const name = (body as { name?: unknown } | null)?.name;
      if (method === "POST" && typeof name === "string") record.name = name;
    }

    const segments = path.split("/").filter(Boolean).map(decodeURIComponent);
    let params: Record<string, string> | undefined;
    const route = compiled.find((r) => r.method === method && (params = match(r.segments, segments)) !== undefined);
    if (!route || !params) {
      const otherMethod = compiled.some((r) => match(r.segments, segments) !== undefined);
      const err = otherMethod
        ? new SimError(405, "method_not_allowed", `method ${method} not allowed on ${path}`)
        : new SimError(404, "not_found", `no such endpoint ${path} (or not simulated)`);
      return respond(errorResponse(err), limit.headers);
    }

    const httpFault = fault && FAULT_STATUS[fault.kind] ? fault : undefined;
    if (httpFault && !httpFault.processed) {
      return respond(await faultResponse(deps, httpFault, limit.headers));
    }

    const req: SimRequest = { method, path, url, params, body };
    let result: SimResponse;
    deps.ctx.engine.fault = fault && !httpFault ? fault : undefined;
    try {
      result = route.handler(deps.ctx, req);
    } catch (err) {
      if (!(err instanceof SimError)) console.error("hcloud simulator: handler crashed:", err);
      result = errorResponse(err instanceof SimError ? err : new SimError(500, "server_error", String(err)));
    } finally {
      deps.ctx.engine.fault = undefined;
    }
    if (httpFault) return respond(await faultResponse(deps, httpFault, limit.headers));
    return respond(result, limit.headers);
  };
}

async function faultResponse(
  deps: RouterDeps,
  fault: FaultSpec,
  headers: Record<string, string>,
): Promise<SimResponse> {
  const [status, code, message] = FAULT_STATUS[fault.kind]!;
  if (fault.kind === "timeout") await deps.hold(fault.delayMs ?? 30_000);
  const res = errorResponse(new SimError(status, code, message));
  // An injected 429 says "empty for a second" without emptying the real bucket, so a client that
  // honours RateLimit-Reset waits about a second, not an hour.
  res.headers = fault.kind === "429"
    ? { ...headers, "RateLimit-Remaining": "0", "RateLimit-Reset": String(Math.ceil(deps.now() / 1000) + 1) }
    : headers;
  return res;
}

/** Hetzner's error envelope. */
export function errorResponse(err: SimError): SimResponse {
  return { status: err.status, body: { error: { code: err.code, message: err.message, details: err.details } } };
}

function match(template: string[], actual: string[]): Record<string, string> | undefined {
  if (template.length !== actual.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < template.length; i++) {
    const t = template[i]!;
    if (t.startsWith("{")) params[t.slice(1, -1)] = actual[i]!;
    else if (t !== actual[i]) return undefined;
  }
  return params;
}

function countParams(segments: string[]): number {
  return segments.filter((s) => s.startsWith("{")).length;
}

function correlationId(ctx: SimContext): string {
  return Array.from({ length: 16 }, () => Math.floor(ctx.random() * 16).toString(16)).join("");
}
