/**
 * Retry timing of a failing release: 10 s, 30 s, 60 s, then every 5 min (issue 12). Kept in the
 * operator's per-cluster memory, so a restart retries at once (the status keeps the attempt count).
 *
 * @module
 */

/** Delays after the 1st, 2nd, 3rd and every later consecutive failure. */
export const RELEASE_BACKOFF_MS = [10_000, 30_000, 60_000, 300_000] as const;

/** Consecutive failures of one release and when it may run again. */
export interface ReleaseBackoff {
  failures: number;
  retryAtMs: number;
}

/** The backoff after one more failure at `nowMs`. */
export function nextBackoff(previous: ReleaseBackoff | undefined, nowMs: number): ReleaseBackoff {
  const failures = (previous?.failures ?? 0) + 1;
  const delay = RELEASE_BACKOFF_MS[Math.min(failures, RELEASE_BACKOFF_MS.length) - 1]!;
  return { failures, retryAtMs: nowMs + delay };
}

/** Milliseconds until the release may run again; 0 when it may now. */
export function waitMs(backoff: ReleaseBackoff | undefined, nowMs: number): number {
  return backoff ? Math.max(0, backoff.retryAtMs - nowMs) : 0;
}
