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
import { type BuildStamp, resolveBuildStamp, runCommand, writeStampedImportMap } from "./build_stamp.ts";

/** What a bundle run produced. */
export interface BundleResult {
  output: string;
  bytes: number;
  milliseconds: number;
}

/** Bundles `main.ts` with the given stamp into `output`; throws with Deno's message on failure. */
export async function bundleCli(output: string, stamp: BuildStamp): Promise<BundleResult> {
  const stampDir = await Deno.makeTempDir({ prefix: "k8zner-stamp-" });
  try {
    const importMap = await writeStampedImportMap(stampDir, stamp);
    const started = performance.now();
    const result = await new Deno.Command(Deno.execPath(), {
      args: [
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
      ],
      stdout: "piped",
      stderr: "piped",
      env: { RUST_BACKTRACE: "0", NO_COLOR: "1" },
    }).output();
    const milliseconds = Math.round(performance.now() - started);
    if (!result.success) {
      const stderr = new TextDecoder().decode(result.stderr).replace(/\n*Stack backtrace:[\s\S]*$/, "").trim();
      throw new Error(`Cannot bundle the CLI into "${output}": deno bundle failed:\n${stderr}`);
    }
    const { size } = await Deno.stat(output);
    return { output, bytes: size, milliseconds };
  } finally {
    await Deno.remove(stampDir, { recursive: true });
  }
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
  let stamp: BuildStamp;
  try {
    stamp = await resolveBuildStamp({
      version: values.version ?? Deno.env.get("K8ZNER_VERSION"),
      sourceDateEpoch: Deno.env.get("SOURCE_DATE_EPOCH"),
      run: runCommand,
      now: () => new Date(),
    });
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    console.error(`error: ${err.message}`);
    return 2;
  }
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
