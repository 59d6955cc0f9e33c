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
}

/** The defaults: 5 attempts, 1 s doubling to at most 30 s. */
export const DEFAULT_RETRY: RetryOptions = { maxAttempts: 5, baseDelayMs: 1_000, maxDelayMs: 30_000 };

/**
 * True when the failure is one the policy retries: `conflict`, `rate_limit_exceeded`,
 * `bad_gateway`, `timeout`, HTTP 502/504 and network errors (no response at all).
 */
export function isRetryable(err: HcloudError): boolean {
  return RETRYABLE_CODES.includes(err.code) || err.status === 502 || err.status === 504 ||
    err.code === "network_error";
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
