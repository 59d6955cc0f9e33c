import { assertEquals, assertRejects } from "../../../tests/assert.ts";
import { createMaintenanceClient, GrpcCode, TalosError } from "../../talos/api_client.ts";
import { MIN_SCALED_PAUSE_MS, pollUntil, TalosWaitTimeout, waitReasonOf } from "./talos_deps.ts";

const site = { method: "/machine.MachineService/Version", endpoint: "127.2.1.2:50000" };

Deno.test("waitReasonOf() shows a rebooting node's failures as plain waiting reasons", () => {
  const cases: [TalosError, string][] = [
    [
      new TalosError(GrpcCode.UNAVAILABLE, "connection failed: connect ECONNREFUSED 127.2.1.2:50000", site),
      "connection refused",
    ],
    [
      new TalosError(
        GrpcCode.UNAVAILABLE,
        "TLS handshake failed: Client network socket disconnected before secure TLS connection was established",
        site,
      ),
      "connection closed",
    ],
    [new TalosError(GrpcCode.DEADLINE_EXCEEDED, "deadline of 10000 ms exceeded", site), "no answer yet"],
  ];
  for (const [err, expected] of cases) assertEquals(waitReasonOf(err), expected, err.details);
});

Deno.test("waitReasonOf() keeps the code and details of failures that are not a reboot", () => {
  const denied = new TalosError(GrpcCode.PERMISSION_DENIED, "not authorized", site);
  assertEquals(waitReasonOf(denied), "PERMISSION_DENIED: not authorized");
  // A certificate the node does not trust is not healed by waiting: it stays visible as what it is.
  const untrusted = new TalosError(
    GrpcCode.UNAVAILABLE,
    "TLS handshake failed: unable to verify the first certificate",
    site,
  );
  assertEquals(waitReasonOf(untrusted), "UNAVAILABLE: TLS handshake failed: unable to verify the first certificate");
});

Deno.test("waitReasonOf() reads the real Talos client's error for a closed port as 'connection refused'", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const client = createMaintenanceClient({ endpoint: `127.0.0.1:${port}` });
  try {
    const err = await client.version({ timeoutMs: 5_000 }).then(() => undefined, (e) => e);
    assertEquals(waitReasonOf(err), "connection refused");
  } finally {
    await client.close();
  }
});

/** An injected clock whose sleeps advance it and are recorded (real ms, as the timers would see them). */
function fakeTime(timeScale?: number) {
  const time = { clock: 0, sleeps: [] as number[] };
  const deps = {
    now: () => time.clock,
    sleep: (ms: number) => {
      time.sleeps.push(ms);
      time.clock += ms;
      return Promise.resolve();
    },
    ...(timeScale !== undefined ? { timeScale } : {}),
  };
  return { time, deps };
}

Deno.test("pollUntil() looks first after firstMs, then every intervalMs, both divided by the nodes' time scale", async () => {
  const { time, deps } = fakeTime(10);
  let attempts = 0;
  const value = await pollUntil(
    deps,
    "reach the node",
    { timeoutMs: 60_000, firstMs: 20_000, intervalMs: 2_000 },
    () =>
      Promise.resolve(++attempts === 3 ? { done: true, value: "up" } : { done: false, reason: "connection refused" }),
  );
  assertEquals(value, "up");
  // 20 s and 2 s of node time are 2 s and 200 ms at 10 times real speed; no pause after the last attempt.
  assertEquals(time.sleeps, [2_000, 200, 200]);
});

Deno.test("pollUntil() pauses at least MIN_SCALED_PAUSE_MS of real time however fast the nodes run", async () => {
  const { time, deps } = fakeTime(200);
  let attempts = 0;
  await pollUntil(
    deps,
    "reach the node",
    { timeoutMs: 60_000, firstMs: 20_000, intervalMs: 2_000 },
    () => Promise.resolve(++attempts === 3 ? { done: true, value: 1 } : { done: false, reason: "connection refused" }),
  );
  // 20 s / 200 is 100 ms; 2 s / 200 would be 10 ms of probes, held at 100 ms.
  assertEquals(time.sleeps, [100, MIN_SCALED_PAUSE_MS, MIN_SCALED_PAUSE_MS]);
});

Deno.test("pollUntil() keeps its deadline on the real clock when the nodes' time is scaled", async () => {
  const { time, deps } = fakeTime(10);
  let attempts = 0;
  await assertRejects(
    () =>
      pollUntil(deps, "reach the node", { timeoutMs: 1_000, intervalMs: 2_000 }, () => {
        attempts++;
        return Promise.resolve({ done: false, reason: "connection refused" });
      }),
    (err: unknown) =>
      err instanceof TalosWaitTimeout && err.message === "Cannot reach the node within 1 s: connection refused",
  );
  // A 1 s deadline holds 5 pauses of 200 ms (2 s of node time each), not half of one 2 s pause.
  assertEquals(attempts, 6);
  assertEquals(time.clock, 1_000);
});

Deno.test("pollUntil() without a time scale or firstMs tries at once and pauses intervalMs as given", async () => {
  const { time, deps } = fakeTime();
  let attempts = 0;
  await pollUntil(
    deps,
    "reach the node",
    { timeoutMs: 60_000, intervalMs: 5_000 },
    () => Promise.resolve(++attempts === 2 ? { done: true, value: 1 } : { done: false, reason: "no answer yet" }),
  );
  assertEquals(time.sleeps, [5_000]);
});
