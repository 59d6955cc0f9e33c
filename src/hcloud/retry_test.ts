import { assertEquals } from "../../tests/assert.ts";
import { HcloudError } from "./errors.ts";
import { backoffDelay, DEFAULT_RETRY, isRetryable, mayHaveSucceeded, rateLimitDelay } from "./retry.ts";

const err = (code: string, status: number) => new HcloudError({ code, message: code, status, request: "GET /x" });

Deno.test("isRetryable() accepts exactly conflict, rate limit, bad gateway, timeout, 502/504 and network errors", () => {
  const cases: [string, number, boolean][] = [
    ["conflict", 409, true],
    ["rate_limit_exceeded", 429, true],
    ["bad_gateway", 502, true],
    ["timeout", 504, true],
    ["unknown_error", 502, true],
    ["unknown_error", 504, true],
    ["network_error", 0, true],
    ["server_error", 500, false],
    ["unavailable", 503, false],
    ["locked", 423, false],
    ["uniqueness_error", 409, false],
    ["not_found", 404, false],
  ];
  for (const [code, status, want] of cases) assertEquals(isRetryable(err(code, status)), want, `${code} ${status}`);
});

Deno.test("mayHaveSucceeded() is true for timeouts, 5xx and network errors, false for 409/429/4xx", () => {
  assertEquals(
    [
      err("timeout", 504),
      err("server_error", 500),
      err("network_error", 0),
      err("conflict", 409),
      err("rate_limit_exceeded", 429),
      err("invalid_input", 422),
    ].map(mayHaveSucceeded),
    [true, true, true, false, false, false],
  );
});

Deno.test("backoffDelay() doubles per retry, is capped, and jitters between 50 % and 100 %", () => {
  assertEquals([1, 2, 3, 6, 10].map((n) => backoffDelay(n, DEFAULT_RETRY, () => 1)), [1000, 2000, 4000, 30000, 30000]);
  assertEquals(backoffDelay(2, DEFAULT_RETRY, () => 0), 1000);
});

Deno.test("rateLimitDelay() spreads the time until the bucket is full over the missing requests", () => {
  assertEquals(rateLimitDelay({ limit: 3600, remaining: 0, resetAt: 3_600_000 }, 0), 1000);
  assertEquals(rateLimitDelay({ limit: 3600, remaining: 3590, resetAt: 10_000 }, 0), 1000);
  assertEquals(rateLimitDelay({ limit: undefined, remaining: 0, resetAt: 1 }, 0), undefined);
});
