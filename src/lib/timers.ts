/**
 * A clock with timers, injected wherever code waits or schedules (work queue delays, lease renewals,
 * watch watchdogs) so tests can move time by hand instead of sleeping.
 *
 * @module
 */

/** Wall-clock milliseconds plus one-shot timers. */
export interface Timers {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Calls `fn` once after `ms`; returns a handle for {@link Timers.clearTimeout}. */
  setTimeout(fn: () => void, ms: number): unknown;
  /** Cancels a timer; a handle that already fired or was cleared is ignored. */
  clearTimeout(handle: unknown): void;
}

/** The real clock and timers. */
export const realTimers: Timers = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as number),
};

/** Waits `ms` on `timers`; rejects with the signal's reason as soon as it aborts. */
export function sleepOn(timers: Timers, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      timers.clearTimeout(handle);
      reject(signal!.reason);
    };
    const handle = timers.setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Test-only: `base` run `scale` times faster, as the local cloud's simulated time runs. `now()` starts
 * at `base.now()` when created and advances `scale` ms per base ms; a timer of `ms` fires after
 * `ms / scale` base ms. Lets a benchmark watch an operator's idle hour in a real minute with every
 * schedule (resync, lease, watch restarts, hourly listing) as designed. `scale` 1 returns `base`.
 */
export function scaledTimers(base: Timers, scale: number): Timers {
  checkScale(scale);
  if (scale === 1) return base;
  const start = base.now();
  return {
    now: () => start + (base.now() - start) * scale,
    setTimeout: (fn, ms) => base.setTimeout(fn, ms / scale),
    clearTimeout: (handle) => base.clearTimeout(handle),
  };
}

/**
 * `ms` of a clock `scale` times faster, in base ms: `ms / scale`, but not below `minMs` (nor below `ms`
 * itself when that is shorter), for a pause that stands for real work (a connection) whatever the scale.
 */
export function scaledMs(ms: number, scale: number, minMs = 0): number {
  checkScale(scale);
  return scale === 1 ? ms : Math.max(ms / scale, Math.min(ms, minMs));
}

/** `sleep` on a clock `scale` times faster: waits `ms / scale` (see {@link scaledTimers}). */
export function scaledSleep(
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>,
  scale: number,
): (ms: number, signal?: AbortSignal) => Promise<void> {
  checkScale(scale);
  if (scale === 1) return sleep;
  return (ms, signal) => sleep(ms / scale, signal);
}

function checkScale(scale: number): void {
  if (!Number.isFinite(scale) || !(scale > 0)) {
    throw new RangeError(`Cannot scale a clock by ${scale}: must be a finite number above 0`);
  }
}
