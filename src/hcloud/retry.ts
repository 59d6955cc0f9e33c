/**
 * The retry policy of the Hetzner Cloud client, as pure functions: which failures are retried,
 * which may have been carried out by the API anyway, and how long to wait.
 *
 * @module
 */
import type { HcloudError } from "./errors.ts";

/** API error codes that ask the client to retry (https://docs.hetzner.cloud/#errors). */
export const RETRYABLE_CODES: readonly string[] = ["conflict", "rate_limit_exceeded", "bad_gateway", "timeout"];

/** Tunables of the retry loop. */
export interface RetryOptions {
  /** Attempts in total, the first included. */
  maxAttempts: number;
  /** Delay before the first retry; doubles per attempt. */
  baseDelayMs: number;
  /** Upper bound of one delay. */
  maxDelayMs: number;
  /**
   * Attempts in total when the connection is refused or the host name does not resolve: those
   * answer at once and rarely heal within a minute, so the user should hear about it in seconds.
   */
  quickFailAttempts: number;
  /** Time from the first attempt after which a refused connection or DNS failure is not retried. */
  quickFailBudgetMs: number;
}

/**
 * The defaults: 5 attempts, 1 s doubling to at most 30 s; refused connections and DNS failures
 * 3 attempts within 5 s.
 */
export const DEFAULT_RETRY: RetryOptions = {
  maxAttempts: 5,
  baseDelayMs: 1_000,
  maxDelayMs: 30_000,
  quickFailAttempts: 3,
  quickFailBudgetMs: 5_000,
};

/**
 * True when the failure is one the policy retries: `conflict`, `rate_limit_exceeded`,
 * `bad_gateway`, `timeout`, HTTP 502/504 and network errors (no response at all).
 */
export function isRetryable(err: HcloudError): boolean {
  // A TLS failure or a port the runtime blocks fails the same way every time.
  if (err.network?.kind === "tls" || err.network?.kind === "blocked") return false;
  return RETRYABLE_CODES.includes(err.code) || err.status === 502 || err.status === 504 ||
    err.code === "network_error";
}

/**
 * How many attempts in total, and within how many milliseconds of the first, `err` is worth:
 * refused connections and DNS failures get the short budget, everything else (timeouts, resets,
 * API errors) the full `maxAttempts` without a time limit.
 */
export function retryBudget(err: HcloudError, options: RetryOptions): { maxAttempts: number; withinMs?: number } {
  if (err.network?.kind === "refused" || err.network?.kind === "dns") {
    return {
      maxAttempts: Math.min(options.maxAttempts, options.quickFailAttempts),
      withinMs: options.quickFailBudgetMs,
    };
  }
  return { maxAttempts: options.maxAttempts };
}

/**
 * True when the API may have carried out the request although it failed: a timeout, any 5xx, or
 * no response at all. `conflict` (409) and `rate_limit_exceeded` (429) are answered before any
 * change is made, so those requests certainly did nothing.
 */
export function mayHaveSucceeded(err: HcloudError): boolean {
  return err.status === 0 || err.status >= 500 || err.code === "timeout" || err.code === "bad_gateway";
}

/**
 * Exponential backoff with jitter for retry number `retry` (1 for the first retry): the nominal
 * delay `base * 2^(retry-1)`, capped, then scaled into [50 %, 100 %] by `random()` so parallel
 * callers spread out.
 */
export function backoffDelay(retry: number, options: RetryOptions, random: () => number): number {
  const nominal = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** Math.max(0, retry - 1));
  return Math.round(nominal * (0.5 + 0.5 * random()));
}

/**
 * How long a 429 asks us to wait, from its `RateLimit-*` headers. Hetzner's bucket refills
 * gradually and `RateLimit-Reset` is the moment it is *full* again
 * (https://docs.hetzner.cloud/#rate-limiting), so one request becomes possible after
 * `(reset - now) / (limit - remaining)`: waiting for the whole reset would stall for up to an hour.
 * Returns undefined when the headers are missing.
 */
export function rateLimitDelay(
  headers: { limit?: number | undefined; remaining?: number | undefined; resetAt?: number | undefined },
  now: number,
): number | undefined {
  if (headers.resetAt === undefined || headers.limit === undefined) return undefined;
  const untilFull = Math.max(0, headers.resetAt - now);
  const missing = Math.max(1, headers.limit - (headers.remaining ?? 0));
  return Math.ceil(untilFull / missing);
}

/** One retry about to happen, for a CLI that shows retries as they happen. */
export interface RetryEvent {
  /** `METHOD /path` (no host, no query, no token). */
  request: string;
  /** The attempt that will follow the delay (2 for the first retry). */
  attempt: number;
  /** Attempts this kind of failure gets in total. */
  maxAttempts: number;
  delayMs: number;
  /** Why the previous attempt failed, e.g. `connection refused` or `rate_limit_exceeded`. */
  reason: string;
}
