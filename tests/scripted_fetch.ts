/**
 * A scripted `fetch` for API-client tests: it expects an ordered list of requests, answers each
 * with a canned response, and fails on an unexpected request or on expected requests left over.
 *
 * ```ts
 * const script = createScriptedFetch([
 *   { method: "GET", path: "/servers/1", response: { status: 200, body: { server } } },
 * ], { base: "https://api.hetzner.cloud/v1", token: "t" });
 * const client = createHcloudClient({ token: "t", fetch: script.fetch, sleep: script.sleep });
 * …
 * script.assertDone();
 * ```
 *
 * @module
 */

/** A query to match exactly: every key with its value(s), in order per key; nothing else. */
export type ScriptedQuery = Record<string, string | string[]>;

/** A canned response. */
export interface ScriptedResponse {
  status: number;
  /** JSON body; omitted for empty bodies (204). A string is sent verbatim. */
  body?: unknown;
  headers?: Record<string, string>;
}

/** One expected request and what to answer. */
export interface ScriptedExchange {
  method: string;
  /** Path below `base`, e.g. `/servers/42`. */
  path: string;
  /** Expected query; omitted means the request must have none; `"any"` skips the check. */
  query?: ScriptedQuery | "any";
  /** Expected JSON body (deep-equal); omitted means no body; `"any"` skips the check. */
  body?: unknown;
  /** Request headers that must be present with these values (names case-insensitive). */
  headers?: Record<string, string>;
  /** The answer; or `error` to make fetch reject (a `TypeError` looks like a network failure). */
  response?: ScriptedResponse;
  error?: Error;
}

/** Options of `createScriptedFetch`. */
export interface ScriptedFetchOptions {
  /** Base URL the paths are relative to; default `https://api.hetzner.cloud/v1`. */
  base?: string;
  /** When set, every request must carry `Authorization: Bearer <token>`. */
  token?: string;
}

/** A request as it was received. */
export interface RecordedRequest {
  method: string;
  url: string;
  path: string;
  query: ScriptedQuery;
  body: unknown;
  headers: Record<string, string>;
}

/** The scripted fetch and its bookkeeping. */
export interface ScriptedFetch {
  fetch: typeof fetch;
  /** Every request received, in order. */
  readonly requests: RecordedRequest[];
  /** Sleeps recorded by `sleep` (milliseconds), which resolves at once. */
  readonly sleeps: number[];
  /** An instant sleep that records its duration and honours an aborted signal. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Throws when a request mismatched or expected requests were not made. */
  assertDone(): void;
  /** Appends more expected exchanges. */
  expect(...exchanges: ScriptedExchange[]): void;
}

/** Error raised for a request the script did not expect (not a TypeError, so clients don't retry it). */
export class ScriptMismatchError extends Error {
  override name = "ScriptMismatchError";
}

/** Creates a scripted fetch. */
export function createScriptedFetch(exchanges: ScriptedExchange[], options: ScriptedFetchOptions = {}): ScriptedFetch {
  const base = new URL((options.base ?? "https://api.hetzner.cloud/v1").replace(/\/+$/, ""));
  const queue = [...exchanges];
  const requests: RecordedRequest[] = [];
  const sleeps: number[] = [];
  let mismatch: ScriptMismatchError | undefined;

  const fail = (message: string): never => {
    mismatch ??= new ScriptMismatchError(message);
    throw new ScriptMismatchError(message);
  };

  const scriptedFetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    const text = await request.text();
    let body: unknown = undefined;
    if (text !== "") {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
    const query: ScriptedQuery = {};
    for (const [k, v] of url.searchParams) {
      const prev = query[k];
      query[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
    }
    const headers: Record<string, string> = {};
    request.headers.forEach((v, k) => headers[k] = v);
    const path = url.pathname.startsWith(base.pathname) ? url.pathname.slice(base.pathname.length) : url.pathname;
    const recorded = { method: request.method, url: request.url, path, query, body, headers };
    requests.push(recorded);
    const describe = `${request.method} ${path}${url.search}${body === undefined ? "" : ` ${JSON.stringify(body)}`}`;
    if (url.origin !== base.origin) fail(`request to another origin: ${request.url}`);
    if (options.token !== undefined && headers["authorization"] !== `Bearer ${options.token}`) {
      fail(`request without the expected Authorization header: ${describe}`);
    }
    const next = queue.shift();
    if (next === undefined) fail(`unexpected request (script exhausted): ${describe}`);
    const step = next!;
    const expected = `${step.method} ${step.path}`;
    if (step.method.toUpperCase() !== request.method || step.path !== path) {
      fail(`expected ${expected}, got ${describe}`);
    }
    if (step.query !== "any") {
      const want = normaliseQuery(step.query ?? {});
      if (!deepEqual(want, query)) {
        fail(`${expected}: expected query ${JSON.stringify(want)}, got ${JSON.stringify(query)}`);
      }
    }
    if (step.body !== "any" && !deepEqual(step.body, body)) {
      fail(`${expected}: expected body ${JSON.stringify(step.body)}, got ${JSON.stringify(body)}`);
    }
    for (const [name, value] of Object.entries(step.headers ?? {})) {
      if (headers[name.toLowerCase()] !== value) {
        fail(`${expected}: expected header ${name}: ${value}, got ${headers[name.toLowerCase()]}`);
      }
    }
    if (step.error) throw step.error;
    const res = step.response ?? { status: 200 };
    const payload = res.body === undefined ? null : typeof res.body === "string" ? res.body : JSON.stringify(res.body);
    const resHeaders = new Headers(res.headers);
    if (payload !== null && !resHeaders.has("content-type")) resHeaders.set("content-type", "application/json");
    return new Response(payload, { status: res.status, headers: resHeaders });
  };

  return {
    fetch: scriptedFetch as typeof fetch,
    requests,
    sleeps,
    sleep(ms, signal) {
      sleeps.push(ms);
      if (signal?.aborted) return Promise.reject(signal.reason);
      return Promise.resolve();
    },
    assertDone() {
      if (mismatch) throw mismatch;
      if (queue.length > 0) {
        const left = queue.map((s) => `${s.method} ${s.path}`).join(", ");
        throw new ScriptMismatchError(`${queue.length} expected request(s) not made: ${left}`);
      }
    },
    expect(...more) {
      queue.push(...more);
    },
  };
}

function normaliseQuery(q: ScriptedQuery): ScriptedQuery {
  const out: ScriptedQuery = {};
  for (const [k, v] of Object.entries(q)) out[k] = Array.isArray(v) && v.length === 1 ? v[0]! : v;
  return out;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== "object") return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => deepEqual(x, bb[i]));
  }
  const ka = Object.keys(a as object).filter((k) => (a as Record<string, unknown>)[k] !== undefined).sort();
  const kb = Object.keys(b as object).filter((k) => (b as Record<string, unknown>)[k] !== undefined).sort();
  return deepEqual(ka, kb) &&
    ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}
