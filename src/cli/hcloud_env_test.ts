import { assertEquals, assertMatch, assertOk, assertThrows } from "../../tests/assert.ts";
import { exitCodeFor, formatError, UsageError } from "../lib/errors.ts";
import type { CliContext } from "./context.ts";
import {
  createRetryReporter,
  hcloudClientFromEnv,
  MAX_SLEEP_ENV,
  realSleep,
  renderRetryLine,
  sleepFromEnv,
  TIME_SCALE_ENV,
  timeScaleFromEnv,
} from "./hcloud_env.ts";

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

Deno.test("timeScaleFromEnv() reads the simulator's speed, undefined when unset, and refuses nonsense naming the variable", () => {
  const scaleEnv = (value: string | undefined) => ({
    env: (name: string) => (name === TIME_SCALE_ENV ? value : undefined),
  });
  assertEquals(timeScaleFromEnv(scaleEnv(undefined)), undefined);
  assertEquals(timeScaleFromEnv(scaleEnv(" 200 ")), 200);
  for (const bad of ["0", "0.5", "fast", "100001"]) {
    assertThrows(
      () => timeScaleFromEnv(scaleEnv(bad)),
      (err: unknown) => err instanceof UsageError && err.message.startsWith(`K8ZNER_TIME_SCALE="${bad}" is not`),
    );
  }
});

function context(env: Record<string, string>) {
  const err: string[] = [];
  const ctx: CliContext = {
    io: { out: () => {}, err: (t) => err.push(t), stdoutIsTty: false, stdinIsTty: false },
    env: (n) => env[n],
    cwd: "/nonexistent",
    color: false,
  };
  return { ctx, err };
}

const SECRET = "Kq7mW2pXzR9tL4vB8nC3dF6gH1jY5sA0eU2iO7kM9wQ3xZ6rT8yP4bN1cV5fG0Lh";

Deno.test("a non-ASCII HCLOUD_TOKEN gets its own message with the position, never the token", () => {
  const token = `${SECRET.slice(0, 10)}é${SECRET.slice(11)}`;
  const { ctx } = context({ HCLOUD_TOKEN: token });
  let thrown: unknown;
  try {
    hcloudClientFromEnv(ctx);
  } catch (err) {
    thrown = err;
  }
  const text = formatError(thrown, true);
  assertEquals(
    text.split("\n")[0],
    "error: HCLOUD_TOKEN contains a non-ASCII character at position 11 (tokens are 64 ASCII letters and digits)",
  );
  assertEquals(exitCodeFor(thrown), 1);
  assertOk(!text.includes(SECRET.slice(0, 10)) && !text.includes(SECRET.slice(11)), "the token is not echoed");
});

Deno.test("a space or a control character in HCLOUD_TOKEN is named as such", () => {
  const cases: [string, string][] = [
    [`${SECRET} `, "a space at position 65"],
    [`${SECRET}\n`, "a control character at position 65"],
  ];
  for (const [token, what] of cases) {
    const { ctx } = context({ HCLOUD_TOKEN: token });
    let message = "";
    try {
      hcloudClientFromEnv(ctx);
    } catch (err) {
      message = (err as Error).message;
    }
    assertMatch(message, new RegExp(`^HCLOUD_TOKEN contains ${what} `));
  }
});

Deno.test("retries against a closed port are shown as they happen, then one error names URL and cause", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const endpoint = `http://127.0.0.1:${port}/v1`;
  const { ctx, err } = context({ HCLOUD_TOKEN: SECRET, HCLOUD_ENDPOINT: endpoint });
  let now = 0;
  const client = hcloudClientFromEnv(ctx, {
    sleep: (ms) => {
      now += ms;
      return Promise.resolve();
    },
    clock: () => now,
  });
  const failure = await client.pricing.get().catch((e) => e);
  assertEquals(err.length, 2);
  assertMatch(err[0]!, /^Hetzner API GET \/pricing: retrying in \d\.\ds \(attempt 2 of 3\): connection refused$/);
  assertMatch(err[1]!, /^Hetzner API GET \/pricing: retrying in \d\.\ds \(attempt 3 of 3\): connection refused$/);
  assertEquals(
    formatError(failure, false).split("\n").slice(0, 2),
    [
      `error: Cannot reach the Hetzner API at ${endpoint}/pricing: connection refused`,
      "hint: Check the network connection and HCLOUD_ENDPOINT.",
    ],
  );
});

Deno.test("renderRetryLine() says what is retried, when, which attempt and why", () => {
  assertEquals(
    renderRetryLine({ request: "GET /servers", attempt: 2, maxAttempts: 5, delayMs: 2000, reason: "timed out" }),
    "Hetzner API GET /servers: retrying in 2.0s (attempt 2 of 5): timed out",
  );
});

Deno.test("createRetryReporter() shows each round of parallel retries once, and every new reason", () => {
  const lines: string[] = [];
  const report = createRetryReporter((line) => lines.push(line));
  const event = (request: string, attempt: number, reason: string) => ({
    request,
    attempt,
    maxAttempts: 3,
    delayMs: 1000,
    reason,
  });
  report(event("GET /servers", 2, "connection refused"));
  report(event("GET /networks", 2, "connection refused"));
  report(event("GET /servers", 3, "connection refused"));
  report(event("GET /networks", 3, "connection refused"));
  report(event("GET /images", 2, "timed out"));
  assertEquals(lines, [
    "Hetzner API GET /servers: retrying in 1.0s (attempt 2 of 3): connection refused",
    "Hetzner API GET /servers: retrying in 1.0s (attempt 3 of 3): connection refused",
    "Hetzner API GET /images: retrying in 1.0s (attempt 2 of 3): timed out",
  ]);
});
