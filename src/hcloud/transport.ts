/**
 * The core of the Hetzner Cloud client: one authenticated JSON request with the retry policy,
 * the rate budget, the debug trace, pagination, and the never-blindly-retried create.
 *
 * @module
 */
import { UserFacingError } from "../lib/errors.ts";
import { classifyNetworkError } from "../lib/network_error.ts";
import { HcloudError, isHcloudError } from "./errors.ts";
import { createRateBudget, parseRateLimitHeaders, type RateBudget } from "./rate_budget.ts";
import {
  backoffDelay,
  DEFAULT_RETRY,
  isRetryable,
  mayHaveSucceeded,
  rateLimitDelay,
  retryBudget,
  type RetryEvent,
  type RetryOptions,
} from "./retry.ts";
import { redactSecrets, redactString, type TraceWriter } from "./trace.ts";
import type { ListOptions, Page, Pagination } from "./types.ts";

/** The default API base URL. */
export const DEFAULT_ENDPOINT = "https://api.hetzner.cloud/v1";

/** Query parameters; arrays repeat the key (`?id=1&id=2`), undefined values are left out. */
export type Query = Record<string, string | number | boolean | readonly (string | number)[] | undefined>;

/** Options of one request. */
export interface RequestOptions {
  query?: Query;
  body?: unknown;
  signal?: AbortSignal;
  /**
   * Whether repeating the request is harmless. Idempotent requests (default for GET, PUT, DELETE)
   * are retried on every retryable failure; others (default for POST) only when the API certainly
   * did nothing (`conflict`, `rate_limit_exceeded`).
   */
  idempotent?: boolean;
}

/** What a resource module needs from the client core. */
export interface Transport {
  request<T>(method: string, path: string, options?: RequestOptions): Promise<T>;
  /** GET that returns undefined on `not_found`. */
  getOrUndefined<T>(path: string, key: string, options?: RequestOptions): Promise<T | undefined>;
  /** One page of a list endpoint whose items live under `key`. */
  listPage<T>(path: string, key: string, options?: ListOptions, extra?: Query): Promise<Page<T>>;
  /** Every item of a list endpoint, following `meta.pagination` with `per_page=50`. */
  listAll<T>(path: string, key: string, options?: ListOptions, extra?: Query): Promise<T[]>;
  /**
   * POSTs a create. After a failure the API may have carried out anyway (timeout, 5xx, network
   * error) it calls `recover` (a lookup by name/labels) and returns what that finds instead of
   * creating a second object; it retries the create only when the lookup finds nothing.
   */
  create<R, F>(
    path: string,
    body: unknown,
    recover: () => Promise<F | undefined>,
    options?: { signal?: AbortSignal },
  ): Promise<CreateOutcome<R, F>>;
  readonly clock: () => number;
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** What `Transport.create` did: created (the API's response) or found the earlier attempt's object. */
export type CreateOutcome<R, F> = { recovered: false; response: R } | { recovered: true; found: F };

/** Options of `createTransport` (and of `createHcloudClient`). */
export interface TransportOptions {
  /** The API token; required. It never appears in errors, logs or traces. */
  token: string | undefined;
  /** API base URL; default `https://api.hetzner.cloud/v1` (the CLI reads `HCLOUD_ENDPOINT`). */
  endpoint?: string;
  fetch: typeof fetch;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Epoch milliseconds; default `Date.now`. */
  clock?: () => number;
  /** In [0, 1); default `Math.random`. */
  random?: () => number;
  trace?: TraceWriter;
  /** A budget shared with other clients of the same token; one is created when absent. */
  budget?: RateBudget;
  retry?: Partial<RetryOptions>;
  /** Told before each retry's delay, so a CLI can show "retrying in 2s" while it waits. */
  onRetry?: (event: RetryEvent) => void;
  /** Per-attempt timeout; default 60 s. */
  requestTimeoutMs?: number;
  /** Default `k8zner`; the operator sends `k8zner-operator/<version>`. */
  userAgent?: string;
}

const STATUS_CODES: Record<number, string> = {
  400: "json_error",
  401: "unauthorized",
  403: "forbidden",
  404: "not_found",
  409: "conflict",
  423: "locked",
  429: "rate_limit_exceeded",
  500: "server_error",
  502: "bad_gateway",
  503: "unavailable",
  504: "timeout",
};

/** Encodes a query strictly (RFC 3986: spaces as %20, `!'()*` escaped too); arrays repeat the key. */
export function encodeQuery(query: Query | undefined): string {
  if (!query) return "";
  const enc = (s: string) =>
    encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const parts: string[] = [];
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    const values = Array.isArray(value) ? value : [value];
    for (const v of values) parts.push(`${enc(key)}=${enc(String(v))}`);
  }
  return parts.length === 0 ? "" : `?${parts.join("&")}`;
}

/** The query of a list call: filters, sort, page, per_page. */
export function listQuery(options: ListOptions | undefined, extra?: Query): Query {
  return {
    ...extra,
    name: options?.name,
    label_selector: options?.labelSelector,
    sort: options?.sort,
    page: options?.page,
    per_page: options?.perPage,
  };
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

/**
 * Describes the first character that cannot be in a token (`a space at position 3 (…)`), by kind
 * and 1-based position only: the token itself must never be echoed. Undefined when all are usable.
 */
export function tokenCharacterProblem(token: string): string | undefined {
  let position = 0;
  for (const ch of token) {
    position++;
    const code = ch.codePointAt(0)!;
    if (code >= 0x21 && code <= 0x7e) continue;
    const what = code > 0x7e ? "a non-ASCII character" : code === 0x20 ? "a space" : "a control character";
    return `${what} at position ${position} (tokens are 64 ASCII letters and digits)`;
  }
  return undefined;
}

/** Checks a token is present and could be sent as a header, without ever echoing it. */
export function checkToken(token: string | undefined): string {
  if (token === undefined || token.trim() === "") {
    throw new UserFacingError("Cannot talk to the Hetzner Cloud API: no API token given", {
      hint: "Set HCLOUD_TOKEN to an API token of your Hetzner Cloud project (Console > Security > API tokens).",
    });
  }
  const bad = tokenCharacterProblem(token);
  if (bad !== undefined) {
    throw new UserFacingError(`Cannot use the Hetzner Cloud API token: it contains ${bad}`, {
      hint: "Copy the token again into HCLOUD_TOKEN, without quotes or line breaks.",
    });
  }
  return token;
}

/** Creates the client core. */
export function createTransport(options: TransportOptions): Transport & { budget: RateBudget; endpoint: string } {
  const token = checkToken(options.token);
  const endpoint = (options.endpoint ?? DEFAULT_ENDPOINT).replace(/\/+$/, "");
  const clock = options.clock ?? Date.now;
  const random = options.random ?? Math.random;
  const sleep = options.sleep;
  const retry: RetryOptions = { ...DEFAULT_RETRY, ...options.retry };
  const timeoutMs = options.requestTimeoutMs ?? 60_000;
  const budget = options.budget ?? createRateBudget({ clock, sleep });
  const doFetch = options.fetch;
  const secrets = [token];

  async function attempt(method: string, path: string, opts: RequestOptions): Promise<unknown> {
    await budget.beforeRequest(method, opts.signal);
    const url = `${endpoint}${path}${encodeQuery(opts.query)}`;
    const where = `${method} ${path}${encodeQuery(opts.query)}`;
    const headers: Record<string, string> = {
      Authorization: `Bearer ${token}`,
      Accept: "application/json",
      "User-Agent": options.userAgent ?? "k8zner",
    };
    const hasBody = opts.body !== undefined;
    if (hasBody) headers["Content-Type"] = "application/json";
    const started = clock();
    const controller = new AbortController();
    const onAbort = () => controller.abort(opts.signal?.reason);
    opts.signal?.addEventListener("abort", onAbort, { once: true });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new DOMException("request timed out", "TimeoutError"));
    }, timeoutMs);
    const traceBase = () => ({
      ts: new Date(started).toISOString(),
      method,
      url: redactString(url, secrets),
      durationMs: Math.max(0, clock() - started),
      request: hasBody ? redactSecrets(opts.body, secrets) : null,
    });
    let response: Response;
    let text: string;
    try {
      response = await doFetch(url, {
        method,
        headers,
        body: hasBody ? JSON.stringify(opts.body) : undefined,
        signal: controller.signal,
      });
      text = await response.text();
    } catch (err) {
      if (opts.signal?.aborted) throw opts.signal.reason;
      const noResponse = timedOut || err instanceof TypeError ||
        (err instanceof DOMException && (err.name === "AbortError" || err.name === "TimeoutError"));
      if (!noResponse) throw err;
      const network = timedOut
        ? { kind: "timeout" as const, reason: `no response within ${formatSeconds(timeoutMs)}` }
        : classifyNetworkError(err);
      const reason = redactString(network.reason, secrets);
      await options.trace?.({ ...traceBase(), status: 0, response: null, error: redactString(String(err), secrets) });
      throw new HcloudError({
        code: timedOut ? "timeout" : "network_error",
        message: `Cannot reach the Hetzner API at ${endpoint}${path}: ${reason}`,
        status: 0,
        request: where,
        cause: err,
        network: { kind: network.kind, reason },
      });
    } finally {
      clearTimeout(timer);
      opts.signal?.removeEventListener("abort", onAbort);
    }
    budget.observe(response.headers);
    let parsed: unknown = null;
    if (text.trim() !== "") {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = null;
      }
    }
    await options.trace?.({ ...traceBase(), status: response.status, response: redactSecrets(parsed, secrets) });
    if (response.ok) return parsed ?? undefined;
    const apiError = (parsed as { error?: { code?: unknown; message?: unknown; details?: unknown } } | null)?.error;
    const code = typeof apiError?.code === "string" ? apiError.code : STATUS_CODES[response.status] ?? "unknown_error";
    const message = typeof apiError?.message === "string"
      ? redactString(apiError.message, secrets)
      : `${response.status} ${response.statusText}`.trim();
    const error = new HcloudError({
      code,
      message,
      details: apiError?.details ?? null,
      status: response.status,
      correlationId: response.headers.get("X-Correlation-Id") ?? undefined,
      request: where,
    });
    (error as { rateLimit?: unknown }).rateLimit = parseRateLimitHeaders(response.headers);
    throw error;
  }

  async function request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const idempotent = opts.idempotent ?? method !== "POST";
    const firstStarted = clock();
    for (let n = 1;; n++) {
      try {
        return await attempt(method, path, opts) as T;
      } catch (err) {
        if (!isHcloudError(err) || !isRetryable(err)) throw err;
        if (!idempotent && mayHaveSucceeded(err)) throw err;
        await beforeRetry(err, `${method} ${path}`, n, firstStarted, retryDelay, opts.signal);
      }
    }
  }

  /** Throws `err` when its retry budget is spent; otherwise reports the retry and waits. */
  async function beforeRetry(
    err: HcloudError,
    request: string,
    n: number,
    firstStarted: number,
    delayFor: (err: HcloudError, n: number) => number,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const budget = retryBudget(err, retry);
    if (n >= budget.maxAttempts) throw err;
    const delay = delayFor(err, n);
    if (budget.withinMs !== undefined && clock() - firstStarted + delay > budget.withinMs) throw err;
    options.onRetry?.({
      request,
      attempt: n + 1,
      maxAttempts: budget.maxAttempts,
      delayMs: delay,
      reason: err.network?.reason ?? err.code,
    });
    await sleep(delay, signal);
  }

  function retryDelay(err: HcloudError, n: number): number {
    const backoff = backoffDelay(n, retry, random);
    if (err.code !== "rate_limit_exceeded") return backoff;
    const rl = (err as { rateLimit?: Parameters<typeof rateLimitDelay>[0] }).rateLimit;
    const wait = rl ? rateLimitDelay(rl, clock()) : undefined;
    return Math.min(Math.max(backoff, wait ?? 0), Math.max(retry.maxDelayMs, wait ?? 0));
  }

  async function getOrUndefined<T>(path: string, key: string, opts: RequestOptions = {}): Promise<T | undefined> {
    try {
      const body = await request<Record<string, unknown>>("GET", path, opts);
      return body?.[key] as T | undefined;
    } catch (err) {
      if (isHcloudError(err, "not_found")) return undefined;
      throw err;
    }
  }

  async function listPage<T>(path: string, key: string, listOptions?: ListOptions, extra?: Query): Promise<Page<T>> {
    const body = await request<Record<string, unknown> & { meta?: { pagination?: Pagination } }>("GET", path, {
      query: listQuery(listOptions, extra),
    });
    const items = body?.[key];
    if (!Array.isArray(items)) {
      throw new HcloudError({
        code: "invalid_response",
        message: `response has no "${key}" list`,
        status: 200,
        request: `GET ${path}`,
      });
    }
    return { items: items as T[], pagination: body.meta?.pagination };
  }

  async function listAll<T>(path: string, key: string, listOptions?: ListOptions, extra?: Query): Promise<T[]> {
    const all: T[] = [];
    let page = 1;
    for (let guard = 0; guard < 10_000; guard++) {
      const result = await listPage<T>(path, key, { ...listOptions, page, perPage: 50 }, extra);
      all.push(...result.items);
      const next = result.pagination?.next_page;
      if (next === null || next === undefined) return all;
      if (next <= page) {
        throw new HcloudError({
          code: "invalid_response",
          message: `pagination does not advance (page ${page}, next_page ${next})`,
          status: 200,
          request: `GET ${path}`,
        });
      }
      page = next;
    }
    throw new HcloudError({ code: "invalid_response", message: "too many pages", status: 200, request: `GET ${path}` });
  }

  async function create<R, F>(
    path: string,
    body: unknown,
    recover: () => Promise<F | undefined>,
    opts: { signal?: AbortSignal } = {},
  ): Promise<CreateOutcome<R, F>> {
    const firstStarted = clock();
    for (let n = 1;; n++) {
      try {
        const response = await request<R>("POST", path, { body, signal: opts.signal, idempotent: false });
        return { recovered: false, response };
      } catch (err) {
        if (!isHcloudError(err) || !mayHaveSucceeded(err)) throw err;
        // The first request may have created the object: look before creating again.
        const found = await recover();
        if (found !== undefined) return { recovered: true, found };
        if (!isRetryable(err)) throw err;
        await beforeRetry(err, `POST ${path}`, n, firstStarted, (_, k) => backoffDelay(k, retry, random), opts.signal);
      }
    }
  }

  return { request, getOrUndefined, listPage, listAll, create, clock, sleep, budget, endpoint };
}

/** `DELETE path` expecting 204; false when the object was already gone (`not_found`). */
export async function deleteIfExists(t: Transport, path: string): Promise<boolean> {
  try {
    await t.request<void>("DELETE", path);
    return true;
  } catch (err) {
    if (isHcloudError(err, "not_found")) return false;
    throw err;
  }
}
