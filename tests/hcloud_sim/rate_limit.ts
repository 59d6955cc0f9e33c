/**
 * Hetzner's rate limit: a token bucket per API token (3600 requests, refilled 1 per second by
 * default), reported on every response as `RateLimit-Limit`, `RateLimit-Remaining` and
 * `RateLimit-Reset` (UNIX seconds when the bucket is full again).
 *
 * @module
 */

/** Rate-limit settings; `false` disables the limit (headers are still sent). */
export interface RateLimitOptions {
  /** Bucket size and `RateLimit-Limit` (default 3600). */
  limit?: number;
  /** Tokens added per real second (default 1). */
  refillPerSecond?: number;
}

/** The state of one token's bucket after a request. */
export interface RateLimitResult {
  allowed: boolean;
  headers: Record<string, string>;
}

/** Token buckets keyed by API token. */
export class RateLimiter {
  readonly limit: number;
  readonly refillPerSecond: number;
  readonly enabled: boolean;
  readonly #buckets = new Map<string, { tokens: number; at: number }>();
  readonly #now: () => number;

  constructor(opts: RateLimitOptions | false | undefined, now: () => number) {
    this.enabled = opts !== false;
    this.limit = (opts ? opts.limit : undefined) ?? 3600;
    this.refillPerSecond = (opts ? opts.refillPerSecond : undefined) ?? 1;
    this.#now = now;
  }

  /** Takes one token for `key` (when the limiter is enabled) and returns the headers to send. */
  take(key: string): RateLimitResult {
    const bucket = this.#refill(key);
    let allowed = true;
    if (this.enabled) {
      if (bucket.tokens >= 1) bucket.tokens -= 1;
      else allowed = false;
    }
    return { allowed, headers: this.#headers(bucket.tokens) };
  }

  /** Remaining whole tokens for `key`. */
  remaining(key: string): number {
    return Math.floor(this.#refill(key).tokens);
  }

  #refill(key: string) {
    const now = this.#now();
    let bucket = this.#buckets.get(key);
    if (!bucket) {
      bucket = { tokens: this.limit, at: now };
      this.#buckets.set(key, bucket);
    }
    bucket.tokens = Math.min(this.limit, bucket.tokens + ((now - bucket.at) / 1000) * this.refillPerSecond);
    bucket.at = now;
    return bucket;
  }

  #headers(tokens: number): Record<string, string> {
    const missing = this.limit - tokens;
    const reset = Math.ceil((this.#now() + (missing / this.refillPerSecond) * 1000) / 1000);
    return {
      "RateLimit-Limit": String(this.limit),
      "RateLimit-Remaining": String(Math.floor(tokens)),
      "RateLimit-Reset": String(reset),
    };
  }
}
