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
  type RetryOptions,
} from "../hcloud/mod.ts";
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
  });
}
