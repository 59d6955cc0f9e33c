/** Fault injection by script and by seeded probability. */
import { assertEquals, assertRejects } from "../assert.ts";
import { startHcloudSimulator } from "./mod.ts";
import { call } from "./test_client.ts";

const server = { name: "s", server_type: "cx23", image: "debian-13" };

Deno.test("failNext answers matching requests with Hetzner's 5xx errors, then recovers", async () => {
  await using sim = await startHcloudSimulator();
  sim.faults.failNext({ method: "GET", path: /^\/servers/, times: 4 }, "500");
  const codes = [];
  for (const kind of ["500", "502", "503", "504"] as const) {
    if (kind !== "500") sim.faults.failNext({ path: "/locations" }, kind);
    const res = await call(sim.url, "GET", kind === "500" ? "/servers" : "/locations");
    codes.push([res.status, res.body.error.code]);
  }
  assertEquals(codes, [[500, "server_error"], [502, "bad_gateway"], [503, "unavailable"], [504, "timeout"]]);
  assertEquals(sim.faults.pending, 3);
  sim.faults.clear();
  assertEquals((await call(sim.url, "GET", "/servers")).status, 200);
  assertEquals(sim.requests.filter((r) => r.fault).length, 4);
});

Deno.test("a processed fault applies the create and loses the response (no blind retries!)", async () => {
  await using sim = await startHcloudSimulator();
  sim.faults.failNext({ method: "POST", path: "/servers" }, { kind: "502", processed: true });
  const res = await call(sim.url, "POST", "/servers", server);
  assertEquals([res.status, res.body.error.code], [502, "bad_gateway"]);
  assertEquals((await call(sim.url, "GET", "/servers?name=s")).body.servers.length, 1, "the server exists anyway");
  assertEquals((await call(sim.url, "POST", "/servers", server)).status, 409, "a blind retry hits uniqueness_error");
});

Deno.test("429, conflict and locked faults have the right status, code and rate-limit headers", async () => {
  await using sim = await startHcloudSimulator();
  sim.faults.failNext({}, "429");
  sim.faults.failNext({}, "conflict");
  sim.faults.failNext({}, "locked");
  const limited = await call(sim.url, "GET", "/servers");
  assertEquals([limited.status, limited.body.error.code, limited.headers.get("ratelimit-remaining")], [
    429,
    "rate_limit_exceeded",
    "0",
  ]);
  const reset = Number(limited.headers.get("ratelimit-reset"));
  assertEquals(Math.abs(reset - Math.ceil(Date.now() / 1000) - 1) <= 1, true, "reset in about a second");
  const conflict = await call(sim.url, "GET", "/servers");
  assertEquals([conflict.status, conflict.body.error.code], [409, "conflict"]);
  const locked = await call(sim.url, "GET", "/servers");
  assertEquals([locked.status, locked.body.error.code], [423, "locked"]);
});

Deno.test("a timeout fault holds the response longer than the client waits", async () => {
  await using sim = await startHcloudSimulator();
  sim.faults.failNext({ method: "GET" }, { kind: "timeout", delayMs: 60_000 });
  await assertRejects(() => call(sim.url, "GET", "/servers", undefined, { signal: AbortSignal.timeout(50) }));
  sim.faults.failNext({ method: "GET" }, { kind: "timeout", delayMs: 20 });
  const late = await call(sim.url, "GET", "/servers");
  assertEquals([late.status, late.body.error.code], [504, "timeout"]);
  assertEquals(sim.requests.map((r) => r.fault), ["timeout", "timeout"]);
});

Deno.test("action_error makes the request's actions end in error with the given code", async () => {
  await using sim = await startHcloudSimulator();
  const id = (await call(sim.url, "POST", "/servers", server)).body.server.id;
  sim.advance(60_000);
  sim.faults.failNext({ path: /poweroff$/ }, { kind: "action_error", code: "action_failed", message: "power supply" });
  const res = await call(sim.url, "POST", `/servers/${id}/actions/poweroff`);
  assertEquals([res.status, res.body.action.status], [201, "running"]);
  sim.advance(3_000);
  const action = (await call(sim.url, "GET", `/actions/${res.body.action.id}`)).body.action;
  assertEquals([action.status, action.error], ["error", { code: "action_failed", message: "power supply" }]);
  assertEquals((await call(sim.url, "GET", `/servers/${id}`)).body.server.status, "running", "nothing happened");
});

Deno.test("a failed create_server action leaves no server behind", async () => {
  await using sim = await startHcloudSimulator();
  sim.faults.failNext({ method: "POST", path: "/servers" }, { kind: "action_error", code: "placement_error" });
  const res = await call(sim.url, "POST", "/servers", server);
  sim.advance(60_000);
  assertEquals(
    (await call(sim.url, "GET", `/actions/${res.body.action.id}`)).body.action.error.code,
    "placement_error",
  );
  assertEquals((await call(sim.url, "GET", `/servers/${res.body.server.id}`)).status, 404);
});

Deno.test("slow_action multiplies the duration of the request's actions", async () => {
  await using sim = await startHcloudSimulator();
  const id = (await call(sim.url, "POST", "/servers", server)).body.server.id;
  sim.advance(60_000);
  sim.faults.failNext({ path: /poweroff$/ }, { kind: "slow_action", factor: 10 });
  const res = await call(sim.url, "POST", `/servers/${id}/actions/poweroff`);
  sim.advance(3_000);
  assertEquals((await call(sim.url, "GET", `/actions/${res.body.action.id}`)).body.action.progress, 10);
  sim.advance(27_000);
  assertEquals((await call(sim.url, "GET", `/actions/${res.body.action.id}`)).body.action.status, "success");
});

Deno.test("random faults are reproducible for a seed and respect the rate", async () => {
  const run = async (seed: number) => {
    await using sim = await startHcloudSimulator({ rateLimit: false });
    sim.faults.setRandom({ rate: 0.3, kinds: ["5xx", "429", "conflict"], seed });
    const statuses: number[] = [];
    for (let i = 0; i < 60; i++) statuses.push((await call(sim.url, "GET", "/locations")).status);
    return statuses;
  };
  const a = await run(7), b = await run(7), c = await run(8);
  assertEquals(a, b);
  assertEquals(a.join() === c.join(), false);
  const failed = a.filter((s) => s !== 200).length;
  assertEquals(failed > 8 && failed < 30, true, `${failed} of 60 failed at rate 0.3`);
  assertEquals(a.every((s) => [200, 409, 429, 500, 502, 503, 504].includes(s)), true);
});

Deno.test("random locked faults only hit requests that act on an existing resource, as on Hetzner", async () => {
  await using sim = await startHcloudSimulator({ speed: 10_000 });
  sim.faults.setRandom({ rate: 1, kinds: ["locked"], seed: 7 });
  assertEquals((await call(sim.url, "GET", "/servers")).status, 200, "reads are never locked");
  const created = await call(sim.url, "POST", "/servers", server);
  assertEquals(created.status, 201, "creates are never locked");
  const id = created.body.server.id;
  const poweroff = await call(sim.url, "POST", `/servers/${id}/actions/poweroff`);
  assertEquals([poweroff.status, poweroff.body.error.code], [423, "locked"]);
  assertEquals(sim.faults.injected.map((f) => `${f.method} ${f.path}`), [`POST /servers/${id}/actions/poweroff`]);
});
