import { assertEquals, assertOk, assertThrows } from "../../tests/assert.ts";
import { UsageError } from "../lib/errors.ts";
import { MAX_SLEEP_ENV, realSleep, sleepFromEnv } from "./hcloud_env.ts";

const envOf = (value: string | undefined) => ({ env: (name: string) => (name === MAX_SLEEP_ENV ? value : undefined) });

Deno.test("sleepFromEnv() is the real sleep when K8ZNER_MAX_SLEEP_MS is unset or blank", () => {
  assertEquals(sleepFromEnv(envOf(undefined)), realSleep);
  assertEquals(sleepFromEnv(envOf(" ")), realSleep);
});

Deno.test("sleepFromEnv() caps every wait at K8ZNER_MAX_SLEEP_MS and keeps shorter ones", async () => {
  const sleep = sleepFromEnv(envOf("20"));
  let start = performance.now();
  await sleep(30_000);
  const capped = performance.now() - start;
  assertOk(capped >= 15 && capped < 5_000, `a 30 s wait took ${capped.toFixed(0)} ms`);
  start = performance.now();
  await sleep(1);
  assertOk(performance.now() - start < 5_000);
  const aborted = AbortSignal.abort(new Error("stop"));
  let reason: unknown;
  await sleep(30_000, aborted).catch((err) => (reason = err));
  assertEquals((reason as Error).message, "stop");
});

Deno.test("sleepFromEnv() rejects a value that is not whole milliseconds from 1 to 60000, naming the variable", () => {
  for (const bad of ["0", "1.5", "fast", "60001"]) {
    assertThrows(
      () => sleepFromEnv(envOf(bad)),
      (err: unknown) => err instanceof UsageError && err.message.startsWith(`K8ZNER_MAX_SLEEP_MS="${bad}" is not`),
    );
  }
});
