import { assertEquals, assertOk, assertThrows } from "../../../tests/assert.ts";
import { flush, ManualTimers } from "../../../tests/manual_timers.ts";
import { runWorkers, WorkQueue } from "./work_queue.ts";

Deno.test("WorkQueue de-duplicates a key added many times before a worker takes it", async () => {
  const queue = new WorkQueue({ timers: new ManualTimers() });
  queue.add("ns/a");
  queue.add("ns/b");
  queue.add("ns/a");
  queue.add("ns/a");
  assertEquals(queue.length, 2);
  assertEquals([await queue.get(), await queue.get()], ["ns/a", "ns/b"]);
  assertEquals(queue.length, 0);
});

Deno.test("WorkQueue never hands out a key being processed; an add meanwhile runs it once more after done()", async () => {
  const queue = new WorkQueue({ timers: new ManualTimers() });
  queue.add("ns/a");
  const key = await queue.get();
  assertEquals(key, "ns/a");
  queue.add("ns/a");
  queue.add("ns/a");
  assertEquals(queue.length, 0, "a processing key must not be queued for a second worker");
  let second: string | undefined;
  const waiting = queue.get().then((k) => second = k);
  await flush();
  assertEquals(second, undefined);
  queue.done("ns/a");
  await waiting;
  assertEquals(second, "ns/a");
  queue.done("ns/a");
  assertEquals(queue.length, 0, "the two adds during processing give one more pass, not two");
});

Deno.test("WorkQueue backs off each key on its own from 1 s doubling to 5 min, and forget() resets it", () => {
  const queue = new WorkQueue({ timers: new ManualTimers() });
  const delays = Array.from({ length: 11 }, () => queue.addRateLimited("ns/a"));
  assertEquals(delays, [1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 64_000, 128_000, 256_000, 300_000, 300_000]);
  assertEquals(queue.addRateLimited("ns/b"), 1_000, "another key starts at 1 s");
  queue.forget("ns/a");
  assertEquals(queue.addRateLimited("ns/a"), 1_000);
});

Deno.test("WorkQueue.addAfter() queues when due, and the earlier of two delayed adds wins", async () => {
  const timers = new ManualTimers();
  const queue = new WorkQueue({ timers });
  queue.addAfter("ns/a", 30_000);
  queue.addAfter("ns/a", 5_000);
  queue.addAfter("ns/a", 60_000);
  await timers.advance(4_999);
  assertEquals(queue.length, 0);
  await timers.advance(1);
  assertEquals(queue.length, 1);
  await timers.advance(60_000);
  assertEquals(queue.length, 1, "the later delayed adds were dropped");
});

Deno.test("runWorkers() requeues successes level-triggered and failures with growing backoff", async () => {
  const timers = new ManualTimers();
  const queue = new WorkQueue({ timers });
  const runs: [string, number][] = [];
  let failuresLeft = 3;
  const errors: number[] = [];
  const running = runWorkers(queue, (key) => {
    runs.push([key, timers.now() - Date.UTC(2026, 0, 1)]);
    if (key === "ns/bad" && failuresLeft-- > 0) return Promise.reject(new Error("hcloud 503"));
    return Promise.resolve(key === "ns/scaling" ? { requeueAfterMs: 5_000 } : undefined);
  }, { onError: (_key, _err, retryIn) => errors.push(retryIn) });
  queue.add("ns/good");
  queue.add("ns/scaling");
  queue.add("ns/bad");
  await timers.advance(31_000);
  queue.shutDown();
  await running;
  const at = (key: string) => runs.filter(([k]) => k === key).map(([, t]) => t);
  assertEquals(at("ns/good"), [0, 30_000]);
  assertEquals(at("ns/scaling"), [0, 5_000, 10_000, 15_000, 20_000, 25_000, 30_000]);
  assertEquals(at("ns/bad"), [0, 1_000, 3_000, 7_000], "1 s, 2 s, 4 s apart, then success");
  assertEquals(errors, [1_000, 2_000, 4_000]);
  assertEquals(queue.failures("ns/bad"), 0, "a success resets the backoff");
});

Deno.test("runWorkers() with several workers never runs one key twice at once", async () => {
  const queue = new WorkQueue({ timers: new ManualTimers() });
  const active = new Set<string>();
  let overlaps = 0;
  let passes = 0;
  const running = runWorkers(queue, async (key) => {
    if (active.has(key)) overlaps++;
    active.add(key);
    passes++;
    await new Promise((r) => setTimeout(r, 2));
    queue.add(key); // an event for the same key arrives mid-pass
    await new Promise((r) => setTimeout(r, 2));
    active.delete(key);
    return { requeueAfterMs: 60_000 };
  }, { concurrency: 4 });
  queue.add("ns/a");
  queue.add("ns/b");
  while (passes < 10) await new Promise((r) => setTimeout(r, 5));
  queue.shutDown();
  await running;
  assertEquals(overlaps, 0);
  assertOk(passes >= 10);
});

Deno.test("WorkQueue refuses a maximum delay below the base delay", () => {
  assertThrows(() => new WorkQueue({ baseDelayMs: 10, maxDelayMs: 5 }), RangeError);
});
