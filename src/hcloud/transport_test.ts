import { assertEquals, assertIncludes, assertMatch, assertOk, assertRejects } from "../../tests/assert.ts";
import { apiError, meta, scriptedClient, server, TEST_TOKEN } from "../../tests/hcloud_fixtures.ts";
import { createScriptedFetch } from "../../tests/scripted_fetch.ts";
import { UserFacingError } from "../lib/errors.ts";
import { createHcloudClient, type HcloudClientOptions } from "./client.ts";
import { HcloudError, isHcloudError } from "./errors.ts";
import type { RetryEvent } from "./retry.ts";
import { encodeQuery } from "./transport.ts";

Deno.test("encodeQuery() escapes label selectors in full syntax and repeats array keys", () => {
  assertEquals(
    encodeQuery({ label_selector: "k8zner.io/cluster=demo,role in (a,b),!legacy", id: [1, 2], skip: undefined }),
    "?label_selector=k8zner.io%2Fcluster%3Ddemo%2Crole%20in%20%28a%2Cb%29%2C%21legacy&id=1&id=2",
  );
  assertEquals(encodeQuery({}), "");
});

Deno.test("a label selector arrives at the server exactly as given", async () => {
  const selector = "k8zner.io/cluster==demo,env notin (prod, staging),!gone";
  const { client, script } = scriptedClient([{
    method: "GET",
    path: "/servers",
    query: { label_selector: selector, page: "1", per_page: "50" },
    response: { status: 200, body: { servers: [], meta: meta(1, 1) } },
  }]);
  assertEquals(await client.servers.listAll({ labelSelector: selector }), []);
  script.assertDone();
});

Deno.test("requests carry the bearer token, JSON content type and a JSON body", async () => {
  const { client, script } = scriptedClient([{
    method: "PUT",
    path: "/images/5",
    body: { labels: { a: "b" } },
    headers: { authorization: `Bearer ${TEST_TOKEN}`, "content-type": "application/json", accept: "application/json" },
    response: { status: 200, body: { image: { id: 5, labels: { a: "b" } } } },
  }]);
  const img = await client.images.update(5, { labels: { a: "b" } });
  assertEquals(img.labels, { a: "b" });
  script.assertDone();
});

Deno.test("createHcloudClient() refuses a missing or malformed token without echoing it", () => {
  const base = { fetch: fetch, sleep: () => Promise.resolve() };
  for (const token of [undefined, "", "  "]) {
    try {
      createHcloudClient({ ...base, token });
      throw new Error("expected a UserFacingError");
    } catch (err) {
      assertOk(err instanceof UserFacingError);
      assertIncludes(err.message, "no API token");
      assertIncludes(err.hint ?? "", "HCLOUD_TOKEN");
    }
  }
  try {
    createHcloudClient({ ...base, token: "abc def-secret\n" });
    throw new Error("expected a UserFacingError");
  } catch (err) {
    assertOk(err instanceof UserFacingError);
    assertOk(!err.message.includes("def-secret"));
    assertIncludes(err.message, "a space at position 4");
  }
  try {
    createHcloudClient({ ...base, token: "tökensecret" });
    throw new Error("expected a UserFacingError");
  } catch (err) {
    assertOk(err instanceof UserFacingError);
    assertEquals(
      err.message,
      "Cannot use the Hetzner Cloud API token: it contains a non-ASCII character at position 2 " +
        "(tokens are 64 ASCII letters and digits)",
    );
  }
});

Deno.test("an API error becomes an HcloudError with code, details, status and correlation id", async () => {
  const details = { fields: [{ name: "name", messages: ["is invalid"] }] };
  const { client, script } = scriptedClient([{
    method: "POST",
    path: "/networks",
    body: { name: "x", ip_range: "10.0.0.0/16" },
    response: {
      status: 422,
      body: apiError("invalid_input", "invalid input in field 'name'", details),
      headers: { "X-Correlation-Id": "abc-123" },
    },
  }]);
  const err = await client.networks.create({ name: "x", ip_range: "10.0.0.0/16" }).catch((e) => e);
  assertOk(isHcloudError(err, "invalid_input"));
  assertEquals(
    [err.code, err.status, err.correlationId, err.details, err.apiMessage],
    ["invalid_input", 422, "abc-123", details, "invalid input in field 'name'"],
  );
  assertMatch(err.message, /invalid input in field 'name' \(invalid_input, HTTP 422 on POST \/networks\)/);
  assertOk(!isHcloudError(err, "not_found"));
  script.assertDone();
});

Deno.test("an unauthorized token gives an HcloudError with a hint and without the token", async () => {
  const { client, script } = scriptedClient([{
    method: "GET",
    path: "/pricing",
    response: { status: 401, body: apiError("unauthorized", `unable to authenticate ${TEST_TOKEN}`) },
  }]);
  const err = await client.pricing.get().catch((e) => e);
  assertOk(isHcloudError(err, "unauthorized"));
  assertIncludes(err.hint ?? "", "HCLOUD_TOKEN");
  assertOk(!err.message.includes(TEST_TOKEN), err.message);
  script.assertDone();
});

Deno.test("a non-JSON error page still maps to the status's code", async () => {
  const { client, script } = scriptedClient([
    { method: "DELETE", path: "/volumes/1", response: { status: 503, body: "<html>down</html>" } },
  ]);
  const err = await client.volumes.delete(1).catch((e) => e);
  assertOk(isHcloudError(err, "unavailable"));
  script.assertDone();
});

for (
  const [label, response] of [
    ["bad_gateway", { status: 502, body: apiError("bad_gateway") }],
    ["timeout", { status: 504, body: apiError("timeout") }],
    ["conflict", { status: 409, body: apiError("conflict") }],
    ["rate_limit_exceeded", { status: 429, body: apiError("rate_limit_exceeded") }],
    ["a bare 502", { status: 502 }],
  ] as const
) {
  Deno.test(`a GET is retried after ${label}`, async () => {
    const { client, script } = scriptedClient([
      { method: "GET", path: "/servers/1", response },
      { method: "GET", path: "/servers/1", response: { status: 200, body: { server: server(1, "a") } } },
    ]);
    assertEquals((await client.servers.get(1))?.name, "a");
    assertEquals(script.sleeps.length, 1);
    script.assertDone();
  });
}

Deno.test("a GET is retried after a network error", async () => {
  const { client, script } = scriptedClient([
    { method: "GET", path: "/servers/1", error: new TypeError("connection reset") },
    { method: "GET", path: "/servers/1", response: { status: 200, body: { server: server(1, "a") } } },
  ]);
  assertEquals((await client.servers.get(1))?.id, 1);
  script.assertDone();
});

for (const code of ["server_error", "locked", "invalid_input", "forbidden"]) {
  Deno.test(`a GET is not retried after ${code}`, async () => {
    const status = { server_error: 500, locked: 423, invalid_input: 422, forbidden: 403 }[code]!;
    const { client, script } = scriptedClient([
      { method: "GET", path: "/servers/1", response: { status, body: apiError(code) } },
    ]);
    await assertRejects(() => client.servers.get(1), (e: unknown) => isHcloudError(e, code));
    assertEquals(script.sleeps, []);
    script.assertDone();
  });
}

Deno.test("retries back off exponentially with jitter and stop after maxAttempts", async () => {
  const fail = { method: "GET", path: "/locations/1", response: { status: 504, body: apiError("timeout") } };
  const script = createScriptedFetch([fail, fail, fail, fail]);
  const randoms = [0, 1, 0.5];
  const client = createHcloudClient({
    token: "t0ken",
    fetch: script.fetch,
    sleep: script.sleep,
    random: () => randoms.shift() ?? 0,
    retry: { maxAttempts: 4, baseDelayMs: 1000, maxDelayMs: 3000 },
  });
  const err = await client.locations.get(1).catch((e) => e);
  assertOk(isHcloudError(err, "timeout"));
  // 1000 * [0.5..1], 2000 * [0.5..1], min(4000, 3000) * [0.5..1]
  assertEquals(script.sleeps, [500, 2000, 2250]);
  script.assertDone();
});

Deno.test("a 429 waits for the bucket to refill one request as RateLimit-Reset says", async () => {
  const now = 1_780_000_000_000;
  const script = createScriptedFetch([
    {
      method: "GET",
      path: "/pricing",
      response: {
        status: 429,
        body: apiError("rate_limit_exceeded"),
        // Full again in 3600 s with 0 of 3600 left: one request every second.
        headers: {
          "RateLimit-Limit": "3600",
          "RateLimit-Remaining": "0",
          "RateLimit-Reset": String(now / 1000 + 3600),
        },
      },
    },
    { method: "GET", path: "/pricing", response: { status: 200, body: { pricing: { currency: "EUR" } } } },
  ]);
  const client = createHcloudClient({
    token: "t0ken",
    fetch: script.fetch,
    sleep: script.sleep,
    clock: () => now,
    random: () => 0,
    retry: { baseDelayMs: 100 },
  });
  assertEquals((await client.pricing.get()).currency, "EUR");
  assertEquals(script.sleeps, [1000]);
  script.assertDone();
});

Deno.test("a non-idempotent action is retried after 429/conflict but not after a timeout", async () => {
  const ok = { status: 201, body: { action: { id: 9 } } };
  const { client, script } = scriptedClient([
    { method: "POST", path: "/servers/3/actions/reset", response: { status: 409, body: apiError("conflict") } },
    { method: "POST", path: "/servers/3/actions/reset", response: ok },
    { method: "POST", path: "/servers/3/actions/reset", response: { status: 504, body: apiError("timeout") } },
  ]);
  assertEquals((await client.servers.reset(3)).id, 9);
  await assertRejects(() => client.servers.reset(3), (e: unknown) => isHcloudError(e, "timeout"));
  script.assertDone();
});

Deno.test("an idempotent action is retried after a timeout", async () => {
  const { client, script } = scriptedClient([
    { method: "POST", path: "/servers/3/actions/poweroff", response: { status: 504, body: apiError("timeout") } },
    { method: "POST", path: "/servers/3/actions/poweroff", response: { status: 201, body: { action: { id: 4 } } } },
  ]);
  assertEquals((await client.servers.poweroff(3)).id, 4);
  script.assertDone();
});

Deno.test("an aborted signal stops a request without retrying", async () => {
  const controller = new AbortController();
  const script = createScriptedFetch([]);
  const client = createHcloudClient({
    token: "t0ken",
    fetch: (() => {
      controller.abort(new Error("stop"));
      return Promise.reject(new DOMException("aborted", "AbortError"));
    }) as typeof fetch,
    sleep: script.sleep,
  });
  const err = await client.request("GET", "/servers", { signal: controller.signal }).catch((e) => e);
  assertEquals((err as Error).message, "stop");
  assertEquals(script.sleeps, []);
});

Deno.test("a request that gets no answer in time fails as a retryable timeout", async () => {
  let calls = 0;
  const client = createHcloudClient({
    token: "t0ken",
    requestTimeoutMs: 5,
    retry: { maxAttempts: 2 },
    fetch: ((_url: string, init: RequestInit) => {
      calls++;
      return new Promise((_, reject) => init.signal!.addEventListener("abort", () => reject(init.signal!.reason)));
    }) as typeof fetch,
    sleep: () => Promise.resolve(),
  });
  const err = await client.servers.get(1).catch((e) => e);
  assertOk(err instanceof HcloudError && err.code === "timeout" && err.status === 0, String(err));
  assertEquals(calls, 2);
});

Deno.test("listAll() follows meta.pagination with per_page=50", async () => {
  const { client, script } = scriptedClient([
    {
      method: "GET",
      path: "/servers",
      query: { label_selector: "a=b", page: "1", per_page: "50" },
      response: { status: 200, body: { servers: [server(1, "a")], meta: meta(1, 3) } },
    },
    {
      method: "GET",
      path: "/servers",
      query: { label_selector: "a=b", page: "2", per_page: "50" },
      response: { status: 200, body: { servers: [server(2, "b")], meta: meta(2, 3) } },
    },
    {
      method: "GET",
      path: "/servers",
      query: { label_selector: "a=b", page: "3", per_page: "50" },
      response: { status: 200, body: { servers: [server(3, "c")], meta: meta(3, 3) } },
    },
  ]);
  assertEquals((await client.servers.listAll({ labelSelector: "a=b" })).map((s) => s.name), ["a", "b", "c"]);
  script.assertDone();
});

Deno.test("listAll() refuses pagination that does not advance instead of looping", async () => {
  const stuck = { ...meta(1, 2) };
  stuck.pagination.next_page = 1;
  const { client, script } = scriptedClient([{
    method: "GET",
    path: "/networks",
    query: { page: "1", per_page: "50" },
    response: { status: 200, body: { networks: [], meta: stuck } },
  }]);
  await assertRejects(() => client.networks.listAll(), (e: unknown) => isHcloudError(e, "invalid_response"));
  script.assertDone();
});

/** A port on loopback that nothing listens on: bound once, then released. */
function closedPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/**
 * A client of a closed loopback port with real fetch (so Deno's own "connection refused" is classified)
 * and a simulated clock that sleeping advances; counts the attempts that reached fetch.
 */
function refusedClient(extra: Partial<HcloudClientOptions> = {}) {
  const endpoint = `http://127.0.0.1:${closedPort()}/v1`;
  const state = { now: 1_780_000_000_000, attempts: 0 };
  const client = createHcloudClient({
    token: TEST_TOKEN,
    endpoint,
    fetch: ((input: string, init?: RequestInit) => {
      state.attempts++;
      return fetch(input, init);
    }) as typeof fetch,
    sleep: (ms) => {
      state.now += ms;
      return Promise.resolve();
    },
    clock: () => state.now,
    random: () => 0.999,
    ...extra,
  });
  return { client, endpoint, state };
}

Deno.test("a refused connection names the URL and the cause, and gives up within the short budget", async () => {
  const events: RetryEvent[] = [];
  const { client, endpoint, state } = refusedClient({ onRetry: (event) => events.push(event) });
  const started = state.now;
  const err = await client.servers.get(7).catch((e) => e);
  assertOk(isHcloudError(err, "network_error"), String(err));
  assertEquals(err.message, `Cannot reach the Hetzner API at ${endpoint}/servers/7: connection refused`);
  assertEquals(err.network, { kind: "refused", reason: "connection refused" });
  assertEquals(state.attempts, 3);
  assertEquals(events.map((e) => [e.request, e.attempt, e.maxAttempts, e.reason]), [
    ["GET /servers/7", 2, 3, "connection refused"],
    ["GET /servers/7", 3, 3, "connection refused"],
  ]);
  assertOk(state.now - started <= 5_000, `waited ${state.now - started} ms`);
});

Deno.test("a refused connection stops retrying when the next delay would pass the time budget", async () => {
  const { client, state } = refusedClient({ retry: { quickFailAttempts: 10, quickFailBudgetMs: 2_500 } });
  await assertRejects(() => client.servers.get(1), (e: unknown) => isHcloudError(e, "network_error"));
  // Delays of ~1 s and ~2 s: the second would end past 2.5 s, so only one retry.
  assertEquals(state.attempts, 2);
});

Deno.test("a reset connection keeps the full retry budget and reports each retry", async () => {
  const reset = () => new TypeError("fetch failed", { cause: new Error("connection closed before message completed") });
  const step = { method: "GET", path: "/servers/1", error: reset() };
  const script = createScriptedFetch([step, step, step, step, step]);
  const events: RetryEvent[] = [];
  const client = createHcloudClient({
    token: TEST_TOKEN,
    fetch: script.fetch,
    sleep: script.sleep,
    random: () => 0,
    onRetry: (event) => events.push(event),
  });
  const err = await client.servers.get(1).catch((e) => e);
  assertOk(isHcloudError(err, "network_error"));
  assertEquals(err.network?.kind, "reset");
  assertEquals(events.map((e) => `${e.attempt}/${e.maxAttempts} after ${e.delayMs}`), [
    "2/5 after 500",
    "3/5 after 1000",
    "4/5 after 2000",
    "5/5 after 4000",
  ]);
  script.assertDone();
});

Deno.test("a TLS failure is not retried", async () => {
  const tls = new TypeError("fetch failed", {
    cause: new Error("client error (Connect): invalid peer certificate: UnknownIssuer"),
  });
  const { client, script } = scriptedClient([{ method: "GET", path: "/servers/1", error: tls }]);
  const err = await client.servers.get(1).catch((e) => e);
  assertOk(isHcloudError(err, "network_error"));
  assertMatch(err.message, /^Cannot reach the Hetzner API at \S+\/servers\/1: TLS handshake failed/);
  assertEquals(script.sleeps, []);
  script.assertDone();
});
