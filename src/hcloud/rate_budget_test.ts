import { assertEquals } from "../../tests/assert.ts";
import { scriptedClient } from "../../tests/hcloud_fixtures.ts";
import { createRateBudget, parseRateLimitHeaders, throttleInterval } from "./rate_budget.ts";

const headers = (limit: number, remaining: number, resetSeconds: number) =>
  new Headers({
    "RateLimit-Limit": String(limit),
    "RateLimit-Remaining": String(remaining),
    "RateLimit-Reset": String(resetSeconds),
  });

Deno.test("parseRateLimitHeaders() reads limit, remaining and reset (seconds to ms)", () => {
  assertEquals(parseRateLimitHeaders(headers(3600, 12, 1_700_000_000)), {
    limit: 3600,
    remaining: 12,
    resetAt: 1_700_000_000_000,
  });
  assertEquals(parseRateLimitHeaders(new Headers()), { limit: undefined, remaining: undefined, resetAt: undefined });
});

Deno.test("throttleInterval() is zero above 10 % and the refill interval below", () => {
  assertEquals(throttleInterval({ limit: 3600, remaining: 400, resetAt: 3_200_000 }, 0, 0.1), 0);
  assertEquals(throttleInterval({ limit: 3600, remaining: 100, resetAt: 3_500_000 }, 0, 0.1), 1000);
});

Deno.test("the budget lets requests through at full speed while enough remains", async () => {
  const sleeps: number[] = [];
  const budget = createRateBudget({ clock: () => 0, sleep: (ms) => (sleeps.push(ms), Promise.resolve()) });
  budget.observe(headers(3600, 3000, 600));
  await budget.beforeRequest("get");
  await budget.beforeRequest("POST");
  assertEquals(sleeps, []);
  assertEquals(budget.snapshot().requests, { total: 2, byMethod: { GET: 1, POST: 1 } });
  assertEquals(budget.snapshot().remaining, 2998);
});

Deno.test("below 10 % the budget spaces requests at the refill rate until the reset", async () => {
  let now = 0;
  const sleeps: number[] = [];
  const budget = createRateBudget({
    clock: () => now,
    sleep: (ms) => {
      sleeps.push(ms);
      now += ms;
      return Promise.resolve();
    },
  });
  // 100 of 3600 left, full in 3500 s: one request per second keeps the budget where it is.
  budget.observe(headers(3600, 100, 3500));
  await budget.beforeRequest("GET");
  await budget.beforeRequest("GET");
  await budget.beforeRequest("GET");
  assertEquals(sleeps.length, 2);
  assertEquals(sleeps.every((ms) => ms >= 990 && ms <= 1010), true, String(sleeps));
  const snap = budget.snapshot();
  assertEquals([snap.limit, snap.resetAt, snap.requests.total], [3600, 3_500_000, 3]);
  assertEquals(snap.throttledMs > 1900, true);
});

Deno.test("the client counts every request by method and tracks the headers of each response", async () => {
  const rl = { "RateLimit-Limit": "3600", "RateLimit-Remaining": "3590", "RateLimit-Reset": "1782907210" };
  const { client, script } = scriptedClient([
    { method: "GET", path: "/pricing", response: { status: 200, body: { pricing: {} }, headers: rl } },
    {
      method: "DELETE",
      path: "/ssh_keys/1",
      response: { status: 204, headers: { ...rl, "RateLimit-Remaining": "3589" } },
    },
  ]);
  await client.pricing.get();
  await client.sshKeys.delete(1);
  const snap = client.budget.snapshot();
  assertEquals(snap.requests.byMethod, { GET: 1, DELETE: 1 });
  assertEquals([snap.limit, snap.remaining, snap.resetAt], [3600, 3589, 1_782_907_210_000]);
  script.assertDone();
});
