/**
 * Version facts stamped into release builds. `scripts/compile.ts` (and the release workflow)
 * rewrite the three values before bundling; a source checkout reports a development build.
 *
 * @module
 */
export const BUILD_INFO = {
  version: "0.1.0-dev",
  commit: "unknown",
  date: "unknown",
} as const;
