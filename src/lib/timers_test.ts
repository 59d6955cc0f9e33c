import { assertEquals, assertThrows } from "../../tests/assert.ts";
import { realTimers, scaledMs, scaledSleep, scaledTimers, type Timers } from "./timers.ts";

/** A hand-moved clock with timers: `advance(ms)` fires what falls due, in order. */
function manualTimers(start = 1_000_000) {
  let now = start;
  let nextId = 1;
  const pending = new Map<number, { at: number; fn: () => void }>();
  const scheduled: number[] = [];
  const timers: Timers = {
    now: () => now,
    setTimeout: (fn, ms) => {
      scheduled.push(ms);
      const id = nextId++;
      pending.set(id, { at: now + ms, fn });
      return id;
    },
    clearTimeout: (handle) => pending.delete(handle as number),
  };
  const advance = (ms: number) => {
    const until = now + ms;
    for (;;) {
      const due = [...pending].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      pending.delete(due[0]);
      now = due[1].at;
      due[1].fn();
    }
    now = until;
  };
  return { timers, advance, scheduled, pending };
}

Deno.test("scaledTimers() runs now() scale times faster from the moment it is created", () => {
  const base = manualTimers(5_000);
  base.advance(1_000);
  const fast = scaledTimers(base.timers, 60);
  assertEquals(fast.now(), 6_000);
  base.advance(1_000);
  assertEquals(fast.now(), 6_000 + 60_000);
  base.advance(59_000);
  // One real minute is one simulated hour.
  assertEquals(fast.now() - 6_000, 3_600_000);
});

Deno.test("scaledTimers() fires a timer of ms after ms / scale of the base clock, and clearTimeout cancels it", () => {
  const base = manualTimers();
  const fast = scaledTimers(base.timers, 60);
  const fired: string[] = [];
  fast.setTimeout(() => fired.push("resync"), 30_000);
  const lease = fast.setTimeout(() => fired.push("lease"), 2_000);
  assertEquals(base.scheduled, [500, 2_000 / 60]);
  fast.clearTimeout(lease);
  base.advance(499);
  assertEquals(fired, []);
  base.advance(1);
  assertEquals(fired, ["resync"]);
  assertEquals(base.pending.size, 0);
});

Deno.test("scaledTimers() with scale 1 is the base clock itself; a scale that is not above 0 is refused", () => {
  assertEquals(scaledTimers(realTimers, 1), realTimers);
  for (const bad of [0, -2, Number.NaN, Number.POSITIVE_INFINITY]) {
    assertThrows(() => scaledTimers(realTimers, bad), RangeError, `Cannot scale a clock by ${bad}`);
  }
});

Deno.test("scaledTimers() on the real clock: a 3 s timer at scale 100 fires after about 30 real ms", async () => {
  const fast = scaledTimers(realTimers, 100);
  const startedReal = performance.now();
  const startedScaled = fast.now();
  await new Promise<void>((resolve) => fast.setTimeout(resolve, 3_000));
  const realMs = performance.now() - startedReal;
  // Timer granularity and a loaded machine make the real wait a little longer, never shorter.
  assertEquals(realMs >= 25 && realMs < 1_000, true, `waited ${realMs} real ms`);
  assertEquals(fast.now() - startedScaled >= 2_900, true);
});

Deno.test("scaledSleep() hands the base sleep ms / scale and the signal", async () => {
  const calls: [number, AbortSignal | undefined][] = [];
  const base = (ms: number, signal?: AbortSignal) => {
    calls.push([ms, signal]);
    return Promise.resolve();
  };
  const signal = new AbortController().signal;
  await scaledSleep(base, 40)(2_000, signal);
  assertEquals(calls, [[50, signal]]);
  assertEquals(scaledSleep(base, 1), base);
  assertThrows(() => scaledSleep(base, 0), RangeError);
});

Deno.test("scaledMs() divides by the scale, keeps a floor for real work, and refuses a bad scale", () => {
  assertEquals(scaledMs(2_000, 1, 100), 2_000);
  assertEquals(scaledMs(2_000, 200), 10);
  assertEquals(scaledMs(2_000, 200, 100), 100);
  assertEquals(scaledMs(50, 200, 100), 50, "a pause shorter than the floor stays as asked");
  assertEquals(scaledMs(0, 200, 100), 0);
  assertThrows(() => scaledMs(1, 0), RangeError);
});
