/**
 * Version facts stamped into release builds. `scripts/compile.ts` (and the release workflow)
 * rewrite the values before bundling; a source checkout reports a development build.
 * `operatorImageDigest` is the pushed operator image's `sha256:…` when the release stamps one
 * (then the CLI installs the image by digest), else empty.
 *
 * @module
 */
export const BUILD_INFO = {
  version: "0.1.0-dev",
  commit: "unknown",
  date: "unknown",
  operatorImageDigest: "",
} as const;
