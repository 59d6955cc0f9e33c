/**
 * Builds the Hetzner Cloud client the way the hcloud CLI's users expect: `HCLOUD_TOKEN`,
 * `HCLOUD_ENDPOINT` for another API base URL, and the debug trace from `HCLOUD_DEBUG` /
 * `HCLOUD_DEBUG_FILE`. Every command that talks to Hetzner uses this.
 *
 * @module
 */
import {
  createHcloudClient,
  createTraceWriter,
  type HcloudClient,
  type RateBudget,
  type RetryEvent,
  type RetryOptions,
  tokenCharacterProblem,
} from "../hcloud/mod.ts";
import { formatElapsed } from "../lib/duration.ts";
import { UsageError, UserFacingError } from "../lib/errors.ts";
import type { CliContext } from "./context.ts";
import { checkEndpointUrl } from "./endpoint_url.ts";
import { sleep as realSleep } from "../lib/sleep.ts";

/** Real-world dependencies; tests pass their own. */
export interface HcloudDeps {
  fetch?: typeof fetch;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  clock?: () => number;
  /** Appends one line to the `HCLOUD_DEBUG_FILE`. */
  appendLine?: (path: string, line: string) => Promise<void>;
  budget?: RateBudget;
  /** Overrides of the retry policy (e.g. fewer attempts for a lookup the user is waiting on). */
  retry?: Partial<RetryOptions>;
  /** Shows a retry as it happens; default: a line on stderr (apply and destroy route it to their progress view). */
  onRetry?: (event: RetryEvent) => void;
}

/**
 * Shows retries without flooding: commands list a dozen resources in parallel, and against a dead
 * endpoint every one of them retries at the same time. A retry whose attempt number and reason
 * match the one shown last is left out, so each round appears once.
 */
export function createRetryReporter(write: (line: string) => void): (event: RetryEvent) => void {
  let last = "";
  return (event) => {
    const key = `${event.attempt}/${event.maxAttempts} ${event.reason}`;
    if (key === last) return;
    last = key;
    write(renderRetryLine(event));
  };
}

/** The line a retry is shown as: `Hetzner API GET /servers: retrying in 2.0s (attempt 2 of 3): connection refused`. */
export function renderRetryLine(event: RetryEvent): string {
  return `Hetzner API ${event.request}: retrying in ${formatElapsed(event.delayMs)} ` +
    `(attempt ${event.attempt} of ${event.maxAttempts}): ${event.reason}`;
}

/** A sleep on a real timer that stops early (rejecting) when the signal aborts. */
export { realSleep };

/**
 * Test-only: no single wait of the CLI (retry backoff, the pause between apply passes, a poll)
 * lasts longer than this many milliseconds. A local cloud answers in milliseconds and runs its
 * simulated time fast, so backoff sized for Hetzner only slows its tests (five apply passes of real
 * backoff took 3 minutes). Unset, waits are as designed.
 */
export const MAX_SLEEP_ENV = "K8ZNER_MAX_SLEEP_MS";

/**
 * Test-only: Hetzner's actions run this many times faster than real time (the local cloud's speed),
 * so the action waiter divides its schedule by it and polls each action as often as it would the
 * real API (request counts stay comparable). Unset: 1.
 */
export const TIME_SCALE_ENV = "K8ZNER_TIME_SCALE";

/** {@link TIME_SCALE_ENV}, or undefined when unset; a usage error when it is not a number from 1 to 100000. */
export function timeScaleFromEnv(ctx: Pick<CliContext, "env">): number | undefined {
  return scaleFromEnv(ctx.env, TIME_SCALE_ENV, 100_000);
}

/**
 * A speed factor from environment variable `name`: undefined when unset or blank, a usage error naming
 * the variable when it is not a number from 1 to `max`.
 */
export function scaleFromEnv(env: (name: string) => string | undefined, name: string, max: number): number | undefined {
  const text = env(name)?.trim();
  if (!text) return undefined;
  const scale = Number(text);
  if (!Number.isFinite(scale) || scale < 1 || scale > max) {
    throw new UsageError(`${name}="${text}" is not a number from 1 to ${max}`);
  }
  return scale;
}

/** The real sleep, capped by {@link MAX_SLEEP_ENV} when it is set. */
export function sleepFromEnv(ctx: Pick<CliContext, "env">): (ms: number, signal?: AbortSignal) => Promise<void> {
  const text = ctx.env(MAX_SLEEP_ENV)?.trim();
  if (!text) return realSleep;
  const cap = Number(text);
  if (!Number.isInteger(cap) || cap < 1 || cap > 60_000) {
    throw new UsageError(`${MAX_SLEEP_ENV}="${text}" is not a whole number of milliseconds from 1 to 60000`);
  }
  return (ms, signal) => realSleep(Math.min(ms, cap), signal);
}

async function appendTraceLine(path: string, line: string): Promise<void> {
  // The trace is redacted, but still describes the project: keep it private like other credentials.
  await Deno.writeTextFile(path, line, { append: true, mode: 0o600 });
}

/**
 * Creates the client from `HCLOUD_TOKEN` and `HCLOUD_ENDPOINT`; a missing token is a clear error
 * (exit 1), an endpoint that is not https (plain http only to loopback) a usage error (exit 2).
 */
export function hcloudClientFromEnv(ctx: CliContext, deps: HcloudDeps = {}): HcloudClient {
  const token = ctx.env("HCLOUD_TOKEN");
  if (token === undefined || token.trim() === "") {
    throw new UserFacingError("HCLOUD_TOKEN is not set", {
      hint: "Export an API token of your Hetzner Cloud project: Console > Security > API tokens.",
    });
  }
  const problem = tokenCharacterProblem(token);
  if (problem !== undefined) {
    throw new UserFacingError(`HCLOUD_TOKEN contains ${problem}`, {
      hint: "Copy the token again from Console > Security > API tokens, without quotes or line breaks.",
    });
  }
  const raw = ctx.env("HCLOUD_ENDPOINT")?.trim() || undefined;
  // The token goes with every request: https, or plain http only to a local simulator.
  const endpoint = raw === undefined ? undefined : checkEndpointUrl("HCLOUD_ENDPOINT", raw);
  const trace = createTraceWriter(ctx.env, {
    err: (text) => ctx.io.err(text),
    appendLine: deps.appendLine ?? appendTraceLine,
  });
  return createHcloudClient({
    token,
    endpoint,
    fetch: deps.fetch ?? globalThis.fetch,
    sleep: deps.sleep ?? sleepFromEnv(ctx),
    clock: deps.clock,
    trace,
    budget: deps.budget,
    retry: deps.retry,
    onRetry: deps.onRetry ?? createRetryReporter((line) => ctx.io.err(line)),
  });
}
