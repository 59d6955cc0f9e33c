/**
 * The `bundle` task: `deno bundle --platform=deno` of the CLI into one JavaScript file
 * (`dist/k8zner.js`), stamped like the compiled binaries. It works offline (esbuild comes from npm)
 * and proves what `deno compile` would embed: the bundle runs from an empty directory with
 * `deno run -A dist/k8zner.js`.
 *
 * Usage: `deno task bundle [--version 1.2.3] [--out dist/k8zner.js]`
 *
 * @module
 */
import { parseArgs } from "node:util";
import type { BuildStamp } from "./build_stamp.ts";
import { cleanDenoError, resolveTaskStamp, runDeno, withStampedImportMap } from "./deno_build.ts";

/** What a bundle run produced. */
export interface BundleResult {
  output: string;
  bytes: number;
  milliseconds: number;
}

/** Bundles `main.ts` with the given stamp into `output`; throws with Deno's message on failure. */
export async function bundleCli(output: string, stamp: BuildStamp): Promise<BundleResult> {
  return await withStampedImportMap(stamp, async (importMap) => {
    const started = performance.now();
    const result = await runDeno([
      "bundle",
      "--platform=deno",
      // ssh2 and cpu-features try to load optional native addons inside try/catch and fall back
      // to pure JavaScript; the bundle leaves them out rather than failing to resolve them.
      "--external=*.node",
      "--import-map",
      importMap,
      "-o",
      output,
      new URL("../main.ts", import.meta.url).pathname,
    ]);
    const milliseconds = Math.round(performance.now() - started);
    if (!result.success) {
      throw new Error(`Cannot bundle the CLI into "${output}": deno bundle failed:\n${cleanDenoError(result.stderr)}`);
    }
    const { size } = await Deno.stat(output);
    return { output, bytes: size, milliseconds };
  });
}

async function main(args: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: { version: { type: "string" }, out: { type: "string", default: "dist/k8zner.js" } },
      strict: true,
    }));
  } catch (err) {
    console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
    return 2;
  }
  const stamp = await resolveTaskStamp(values.version);
  if (!stamp) return 2;
  const output = values.out ?? "dist/k8zner.js";
  const dir = output.includes("/") ? output.slice(0, output.lastIndexOf("/")) : ".";
  await Deno.mkdir(dir, { recursive: true });
  try {
    const result = await bundleCli(output, stamp);
    console.error(
      `bundled k8zner ${stamp.version} into ${output} (${
        (result.bytes / 1024).toFixed(0)
      } KiB, ${result.milliseconds} ms)`,
    );
    return 0;
  } catch (err) {
    console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
