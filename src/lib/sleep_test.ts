import { assertEquals, assertRejects } from "../../tests/assert.ts";
import { sleep } from "./sleep.ts";

Deno.test("sleep() resolves after the delay and rejects at once when aborted", async () => {
  const started = performance.now();
  await sleep(20);
  assertEquals(performance.now() - started >= 15, true);
  const controller = new AbortController();
  const pending = sleep(60_000, controller.signal);
  controller.abort(new Error("stop"));
  await assertRejects(pending, /stop/);
  await assertRejects(sleep(1, AbortSignal.abort(new Error("already"))), /already/);
});
