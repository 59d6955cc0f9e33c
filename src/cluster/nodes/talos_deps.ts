/**
 * What the Talos bootstrap steps need from the outside world, injected: a clock, a sleep, and factories for the
 * two Talos clients (authenticated with the cluster's talosconfig credentials, and the maintenance-mode one).
 * Plus the polling loop they share: retry transient failures until a deadline, then fail naming what was awaited.
 *
 * @module
 */
import {
  createMaintenanceClient,
  createTalosClient,
  isTalosError,
  type MaintenanceClient,
  NodeError,
  type TalosClient,
  TalosError,
} from "../../talos/api_client.ts";
import { UserFacingError } from "../../lib/errors.ts";
import { classifyNetworkError } from "../../lib/network_error.ts";
import { sleep as realSleep } from "../../lib/sleep.ts";
import { scaledMs } from "../../lib/timers.ts";

/** Injected dependencies of the Talos steps. */
export interface TalosDeps {
  /** Waits `ms`; rejects when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Milliseconds clock. */
  now(): number;
  /** A mutual-TLS client for `endpoint` (`host` or `host:port`) with the cluster's admin credentials. */
  talosClient(endpoint: string): TalosClient;
  /** A maintenance-mode client for `endpoint` (no client certificate, server not verified). */
  maintenanceClient(endpoint: string): MaintenanceClient;
  /**
   * How many times faster than real time the nodes boot and reboot (a simulator; the action waiter's
   * `timeScale`, as the local cloud runs its servers and Talos nodes on one clock): every pause of a
   * Talos poll is divided by it, so a node is probed as often per boot as a real one. Deadlines stay on
   * the real clock (a loaded test machine is slow in real time). Default 1.
   */
  timeScale?: number;
}

/** The talosconfig credentials the authenticated client uses (PEM; key in any form Talos writes). */
export interface TalosCredentialsPem {
  caPem: string;
  certPem: string;
  keyPem: string;
}

/** Real dependencies: timers, `Date.now` and the gRPC clients of `src/talos/`. */
export function createTalosDeps(credentials: TalosCredentialsPem, overrides: Partial<TalosDeps> = {}): TalosDeps {
  return {
    sleep: realSleep,
    now: Date.now,
    talosClient: (endpoint) => createTalosClient({ endpoint, ...credentials }),
    maintenanceClient: (endpoint) => createMaintenanceClient({ endpoint }),
    ...overrides,
  };
}

/** A Talos step that did not finish before its deadline. Exit code 1; apply can simply be run again. */
export class TalosWaitTimeout extends UserFacingError {
  override name = "TalosWaitTimeout";
}

/** The shortest real pause between Talos probes on a scaled clock ({@linkcode TalosDeps.timeScale}). */
export const MIN_SCALED_PAUSE_MS = 100;

/** Timing of a polling loop: the pauses in the nodes' time (see {@linkcode TalosDeps.timeScale}). */
export interface PollOptions {
  timeoutMs: number;
  /** Pause between attempts. */
  intervalMs: number;
  /** Pause before the first attempt: when what is awaited usually is done (default 0, at once). */
  firstMs?: number;
  signal?: AbortSignal;
}

/** One attempt's answer: finished with a value, or not yet (with the reason shown in progress and timeouts). */
export type Attempt<T> = { done: true; value: T } | { done: false; reason: string };

/**
 * Calls `attempt` until it reports done, sleeping `firstMs` before the first and `intervalMs` between attempts
 * (both divided by `deps.timeScale`, at least {@linkcode MIN_SCALED_PAUSE_MS}); errors it throws end the loop.
 * After `timeoutMs` (real) throws {@linkcode TalosWaitTimeout} "Cannot <what> within N s: <last reason>".
 */
export async function pollUntil<T>(
  deps: Pick<TalosDeps, "sleep" | "now" | "timeScale">,
  what: string,
  options: PollOptions,
  attempt: () => Promise<Attempt<T>>,
  onWaiting?: (reason: string) => void,
): Promise<T> {
  const deadline = deps.now() + options.timeoutMs;
  const scale = deps.timeScale ?? 1;
  // A probe is a real connection whatever the nodes' speed: a scaled pause stays at least MIN_SCALED_PAUSE_MS
  // (or what was asked, when shorter), or a fast simulator's rebooting nodes are probed thousands of times a
  // second and the CPU that costs slows the nodes down.
  const firstMs = scaledMs(options.firstMs ?? 0, scale, MIN_SCALED_PAUSE_MS);
  const intervalMs = scaledMs(options.intervalMs, scale, MIN_SCALED_PAUSE_MS);
  let last = "no attempt finished";
  if (firstMs > 0) await deps.sleep(firstMs, options.signal);
  for (;;) {
    options.signal?.throwIfAborted();
    const result = await attempt();
    if (result.done) return result.value;
    last = result.reason;
    onWaiting?.(result.reason);
    if (deps.now() + intervalMs > deadline) {
      throw new TalosWaitTimeout(
        `Cannot ${what} within ${Math.round(options.timeoutMs / 1000)} s: ${last}`,
        { hint: "Nothing was torn down: run apply again to continue from here" },
      );
    }
    await deps.sleep(intervalMs, options.signal);
  }
}

/** Failures worth retrying: the node is not reachable (yet), rebooting, or slow. */
export function isTransientTalosError(err: unknown): boolean {
  return isTalosError(err, "UNAVAILABLE", "DEADLINE_EXCEEDED", "ABORTED", "RESOURCE_EXHAUSTED");
}

/** A short, secret-free reason for progress lines and timeouts: the gRPC code and the first line of the details. */
export function reasonOf(err: unknown): string {
  const talos = err instanceof TalosError ? err : err instanceof NodeError ? err.cause : undefined;
  const text = talos ? `${talos.codeName}: ${talos.details}` : err instanceof Error ? err.message : String(err);
  return text.split("\n")[0]!.slice(0, 200);
}

/**
 * The reason progress shows while waiting out a transient failure: what a booting or rebooting node looks like
 * from outside (`connection refused`, `connection closed`, `no answer yet`), so the line reads as waiting, not as
 * an error. Any other failure keeps its gRPC code and details ({@linkcode reasonOf}).
 */
export function waitReasonOf(err: unknown): string {
  if (!isTransientTalosError(err)) return reasonOf(err);
  if (isTalosError(err, "DEADLINE_EXCEEDED")) return "no answer yet";
  switch (classifyNetworkError(err).kind) {
    case "refused":
      return "connection refused";
    case "reset":
      return "connection closed";
    case "timeout":
      return "no answer yet";
    default:
      return reasonOf(err);
  }
}
