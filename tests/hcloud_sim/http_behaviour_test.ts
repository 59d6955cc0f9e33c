/** Auth, JSON errors, unknown routes, pagination, sorting and the rate limit, over plain fetch. */
import { assertEquals, assertMatch, assertOk } from "../assert.ts";
import { startHcloudSimulator } from "./mod.ts";
import { call, fakeEd25519Key } from "./test_client.ts";

Deno.test("requests without a bearer token get 401 unauthorized in Hetzner's error envelope", async () => {
  await using sim = await startHcloudSimulator();
  const res = await call(sim.url, "GET", "/servers", undefined, { token: null });
  assertEquals(res.status, 401);
  assertEquals(res.body, { error: { code: "unauthorized", message: "unable to authenticate", details: null } });
  assertEquals((await call(sim.url, "GET", "/servers", undefined, { token: "" })).status, 401);
  assertEquals((await call(sim.url, "GET", "/servers", undefined, { token: "anything" })).status, 200);
});

Deno.test("invalid JSON is 400 json_error, unknown paths 404 not_found, wrong methods 405", async () => {
  await using sim = await startHcloudSimulator();
  const bad = await call(sim.url, "POST", "/servers", "{nope");
  assertEquals([bad.status, bad.body.error.code], [400, "json_error"]);
  const missing = await call(sim.url, "GET", "/teapots");
  assertEquals([missing.status, missing.body.error.code], [404, "not_found"]);
  const method = await call(sim.url, "PATCH", "/servers");
  assertEquals([method.status, method.body.error.code], [405, "method_not_allowed"]);
  assertOk(missing.headers.get("x-correlation-id"));
});

Deno.test("lists paginate with meta.pagination and a Link header, per_page capped at 50", async () => {
  await using sim = await startHcloudSimulator();
  for (let i = 1; i <= 7; i++) {
    assertEquals(
      (await call(sim.url, "POST", "/ssh_keys", { name: `k${i}`, public_key: fakeEd25519Key(i) })).status,
      201,
    );
  }
  const page2 = await call(sim.url, "GET", "/ssh_keys?per_page=3&page=2");
  assertEquals(page2.body.meta.pagination, {
    page: 2,
    per_page: 3,
    previous_page: 1,
    next_page: 3,
    last_page: 3,
    total_entries: 7,
  });
  assertEquals(page2.body.ssh_keys.map((k: { name: string }) => k.name), ["k4", "k5", "k6"]);
  const link = page2.headers.get("link")!;
  assertMatch(link, /<http:\/\/127\.0\.0\.1:\d+\/v1\/ssh_keys\?per_page=3&page=1>; rel="prev"/);
  assertMatch(link, /page=3>; rel="next"/);
  assertMatch(link, /page=3>; rel="last"/);
  const last = await call(sim.url, "GET", "/ssh_keys?per_page=3&page=3");
  assertEquals([last.body.meta.pagination.next_page, last.body.ssh_keys.length], [null, 1]);
  const big = await call(sim.url, "GET", "/ssh_keys?per_page=500");
  assertEquals(big.body.meta.pagination.per_page, 50);
  assertEquals(big.headers.get("link"), null);
  const empty = await call(sim.url, "GET", "/servers");
  assertEquals(empty.body, {
    servers: [],
    meta: {
      pagination: { page: 1, per_page: 25, previous_page: null, next_page: null, last_page: 1, total_entries: 0 },
    },
  });
});

Deno.test("lists sort by name descending and ignore contradictory sorts", async () => {
  await using sim = await startHcloudSimulator();
  for (const name of ["b", "c", "a"]) await call(sim.url, "POST", "/placement_groups", { name, type: "spread" });
  const names = async (q: string) =>
    (await call(sim.url, "GET", `/placement_groups?${q}`)).body.placement_groups.map((p: { name: string }) => p.name);
  assertEquals(await names("sort=name:desc"), ["c", "b", "a"]);
  assertEquals(await names("sort=name"), ["a", "b", "c"]);
  assertEquals(await names("sort=name:asc&sort=name:desc"), ["b", "c", "a"], "contradiction ignored: id order");
});

Deno.test("the rate limit is a token bucket per token with RateLimit headers and 429 rate_limit_exceeded", async () => {
  let now = 1_700_000_000_000;
  await using sim = await startHcloudSimulator({ rateLimit: { limit: 3, refillPerSecond: 1 }, realNow: () => now });
  const first = await call(sim.url, "GET", "/locations");
  assertEquals(first.headers.get("ratelimit-limit"), "3");
  assertEquals(first.headers.get("ratelimit-remaining"), "2");
  assertEquals(first.headers.get("ratelimit-reset"), String(now / 1000 + 1));
  await call(sim.url, "GET", "/locations");
  await call(sim.url, "GET", "/locations");
  const limited = await call(sim.url, "GET", "/locations");
  assertEquals([limited.status, limited.body.error.code], [429, "rate_limit_exceeded"]);
  assertEquals(limited.headers.get("ratelimit-remaining"), "0");
  assertEquals(limited.headers.get("ratelimit-reset"), String(now / 1000 + 3));
  const other = await call(sim.url, "GET", "/locations", undefined, { token: "other-project" });
  assertEquals(other.status, 200, "buckets are per token");
  now += 1000;
  assertEquals((await call(sim.url, "GET", "/locations")).status, 200, "one token refilled after a second");
});

Deno.test("the default rate limit is 3600 per hour", async () => {
  await using sim = await startHcloudSimulator();
  const res = await call(sim.url, "GET", "/pricing");
  assertEquals([res.headers.get("ratelimit-limit"), res.headers.get("ratelimit-remaining")], ["3600", "3599"]);
});

Deno.test("the request log records method, path, query and status, with counts by method", async () => {
  await using sim = await startHcloudSimulator();
  await call(sim.url, "GET", "/servers?name=x");
  await call(sim.url, "POST", "/networks", { name: "n", ip_range: "10.0.0.0/16" });
  await call(sim.url, "GET", "/servers/1");
  assertEquals(sim.requests.map((r) => [r.method, r.path, r.query, r.status]), [
    ["GET", "/servers", "?name=x", 200],
    ["POST", "/networks", "", 201],
    ["GET", "/servers/1", "", 404],
  ]);
  assertEquals(sim.requestCounts(), { GET: 2, POST: 1 });
});
