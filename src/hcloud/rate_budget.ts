/**
 * The project's API rate budget: reads `RateLimit-Limit`, `RateLimit-Remaining` and
 * `RateLimit-Reset` from every response, slows callers down before the budget is gone, and counts
 * requests by method for metrics and the demo summary.
 *
 * Hetzner allows 3600 requests per hour per project in a token bucket that refills one request per
 * second (https://docs.hetzner.cloud/#rate-limiting). When fewer than `threshold` of the limit
 * remain, requests are spaced at the refill rate, so the remaining budget stops shrinking instead
 * of ending in 429s.
 *
 * @module
 */

/** The numbers a budget exposes. `resetAt` is epoch milliseconds. */
export interface RateBudgetSnapshot {
  limit: number | undefined;
  remaining: number | undefined;
  resetAt: number | undefined;
  requests: { total: number; byMethod: Record<string, number> };
  /** Total time callers were held back, in milliseconds. */
  throttledMs: number;
}

/** A shared rate budget; one per project token, shared by every client using that token. */
export interface RateBudget {
  /** Waits (injected sleep) if the budget runs low, then counts one request of `method`. */
  beforeRequest(method: string, signal?: AbortSignal): Promise<void>;
  /** Reads the `RateLimit-*` headers of a response. */
  observe(headers: Headers): void;
  /** The current numbers. */
  snapshot(): RateBudgetSnapshot;
}

/** Options of `createRateBudget`. */
export interface RateBudgetOptions {
  clock: () => number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Fraction of the limit below which requests are spaced out; default 0.1. */
  threshold?: number;
  /** Upper bound of one wait; default 60 s. */
  maxDelayMs?: number;
}

/** Parses the `RateLimit-*` headers; absent or malformed headers are undefined. */
export function parseRateLimitHeaders(
  headers: Headers,
): { limit: number | undefined; remaining: number | undefined; resetAt: number | undefined } {
  const num = (name: string) => {
    const raw = headers.get(name);
    if (raw === null || raw.trim() === "") return undefined;
    const n = Number(raw);
    return Number.isFinite(n) ? n : undefined;
  };
  const reset = num("RateLimit-Reset");
  return { limit: num("RateLimit-Limit"), remaining: num("RateLimit-Remaining"), resetAt: reset && reset * 1000 };
}

/**
 * The spacing between requests when the budget is low: the bucket's refill interval
 * `(resetAt - now) / (limit - remaining)`, or 0 while enough budget remains.
 */
export function throttleInterval(
  state: { limit: number | undefined; remaining: number | undefined; resetAt: number | undefined },
  now: number,
  threshold: number,
): number {
  const { limit, remaining, resetAt } = state;
  if (limit === undefined || remaining === undefined || resetAt === undefined) return 0;
  if (remaining >= limit * threshold) return 0;
  const untilFull = Math.max(0, resetAt - now);
  return untilFull / Math.max(1, limit - remaining);
}

/** Creates a rate budget. */
export function createRateBudget(options: RateBudgetOptions): RateBudget {
  const threshold = options.threshold ?? 0.1;
  const maxDelayMs = options.maxDelayMs ?? 60_000;
  let state = {
    limit: undefined as number | undefined,
    remaining: undefined as number | undefined,
    resetAt: undefined as number | undefined,
  };
  const byMethod: Record<string, number> = {};
  let total = 0;
  let throttledMs = 0;
  let nextFreeAt = 0;

  return {
    async beforeRequest(method, signal) {
      const now = options.clock();
      const spacing = Math.min(maxDelayMs, throttleInterval(state, now, threshold));
      if (spacing > 0) {
        const slot = Math.max(now, nextFreeAt);
        nextFreeAt = slot + spacing;
        const delay = Math.min(maxDelayMs, slot - now);
        if (delay > 0) {
          throttledMs += delay;
          await options.sleep(delay, signal);
        }
      }
      const key = method.toUpperCase();
      byMethod[key] = (byMethod[key] ?? 0) + 1;
      total++;
      // Count the request against the budget now; the response's headers correct the number.
      if (state.remaining !== undefined) state = { ...state, remaining: Math.max(0, state.remaining - 1) };
    },
    observe(headers) {
      const parsed = parseRateLimitHeaders(headers);
      state = {
        limit: parsed.limit ?? state.limit,
        remaining: parsed.remaining ?? state.remaining,
        resetAt: parsed.resetAt ?? state.resetAt,
      };
    },
    snapshot() {
      return { ...state, requests: { total, byMethod: { ...byMethod } }, throttledMs };
    },
  };
}
