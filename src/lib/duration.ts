/**
 * Human durations for progress lines and messages.
 *
 * @module
 */

/** Formats milliseconds as `4.2s` or `1m05s`. */
export function formatElapsed(ms: number): string {
  const s = Math.max(0, ms) / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  return `${m}m${String(Math.floor(s % 60)).padStart(2, "0")}s`;
}

const GO_DURATION_UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  "µs": 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};
const GO_DURATION = /^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$/;
const GO_DURATION_PART = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g;

/**
 * Milliseconds of a Go-style duration as Kubernetes fields carry them (`5m`, `1h30m`, `90s`, `1.5h`, `0`),
 * or undefined when `text` is not one. Negative durations are not accepted: no field of ours wants one.
 */
export function parseGoDuration(text: string): number | undefined {
  if (text === "0") return 0;
  if (!GO_DURATION.test(text)) return undefined;
  let ms = 0;
  for (const [, value, unit] of text.matchAll(GO_DURATION_PART)) ms += Number(value) * GO_DURATION_UNIT_MS[unit!]!;
  return ms;
}
