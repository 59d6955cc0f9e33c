/**
 * Simulated time: runs `speed` times faster than the injected real clock and can be advanced
 * by hand, so action durations stay realistic (server create ~15 s) while tests take milliseconds.
 *
 * @module
 */

/** The simulator's clock. */
export interface SimClock {
  /** Simulated wall time in epoch milliseconds. */
  now(): number;
  /** Real milliseconds until `simMs` of simulated time have passed. */
  realDelay(simMs: number): number;
  /** Jumps simulated time forward. */
  advance(simMs: number): void;
  readonly speed: number;
}

/** Creates a clock that starts at `start` (simulated) and runs `speed`× the real clock. */
export function createSimClock(opts: { speed?: number; start?: number; realNow?: () => number } = {}): SimClock {
  const speed = opts.speed ?? 1;
  if (!(speed > 0)) throw new RangeError(`Cannot create a simulator clock with speed ${speed}: must be > 0`);
  const realNow = opts.realNow ?? (() => Date.now());
  const realStart = realNow();
  const simStart = opts.start ?? realStart;
  let offset = 0;
  return {
    speed,
    now: () => Math.floor(simStart + (realNow() - realStart) * speed + offset),
    realDelay: (simMs) => Math.max(0, Math.ceil(simMs / speed)),
    advance: (simMs) => {
      offset += simMs;
    },
  };
}

/** Hetzner's timestamp form: `2016-01-30T23:55:00+00:00`. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "+00:00");
}
