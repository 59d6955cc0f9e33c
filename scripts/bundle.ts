/**
 * The `bundle` task: `deno bundle --platform=deno` of the CLI into one JavaScript file
 * (`dist/k8zner.cli.js`), stamped like the compiled binaries, behind a small entry (`dist/k8zner.js`,
 * see `fast_entry.ts`) that answers `--help` and `--version` without parsing the 17 MB bundle. It works offline (esbuild comes from npm)
 * and proves what `deno compile` would embed: the bundle runs from an empty directory with
 * `deno run -A dist/k8zner.js`.
 *
 * Usage: `deno task bundle [--version 1.2.3] [--image-digest sha256:…] [--out dist/k8zner.js]`
 *
 * @module
 */
import { parseArgs } from "node:util";
import type { BuildStamp } from "./build_stamp.ts";
import { cleanDenoError, resolveTaskStamp, runDeno, withStampedImportMap } from "./deno_build.ts";
import { renderFastEntry } from "./fast_entry.ts";

/** What a bundle run produced. */
export interface BundleResult {
  /** The entry to run. */
  output: string;
  /** The full CLI bundle beside it, which the entry imports for every real command. */
  cli: string;
  bytes: number;
  milliseconds: number;
}

/**
 * Lines put before the bundled code. esbuild emits ESM, where CommonJS's `__dirname` and
 * `__filename` do not exist, but bundled CommonJS packages still name them: ssh2's Poly1305
 * (an Emscripten module whose WebAssembly is inlined, so the directory is only a prefix it never
 * reads) and its Pageant agent (Windows only, never used by k8zner). Without these, every command
 * that loads ssh2 (`plan`, `apply`, …) dies with `__dirname is not defined`.
 * `deno bundle` has no banner option, so the task prepends them; declarations above the
 * (hoisted) imports are valid ESM.
 */
export const BUNDLE_PRELUDE = [
  "// Added by scripts/bundle.ts: CommonJS names that bundled npm packages expect.",
  'var __filename = import.meta.filename ?? "/k8zner.js";',
  'var __dirname = import.meta.dirname ?? "/";',
  "",
].join("\n");

/** The full CLI's path beside the entry: `dist/k8zner.js` -> `dist/k8zner.cli.js`. */
export function cliPathFor(output: string): string {
  return output.endsWith(".js") ? `${output.slice(0, -3)}.cli.js` : `${output}.cli.js`;
}

/** Runs the built full CLI with `args` (stdout piped, so not a terminal) and returns its stdout. */
async function capture(cli: string, args: string[]): Promise<string> {
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-config", "--no-npm", "--no-remote", "--allow-env", "--allow-read", cli, ...args],
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  if (!r.success) {
    throw new Error(`the built CLI failed "${args.join(" ")}" (exit ${r.code}):\n${decode(r.stderr)}`);
  }
  return decode(r.stdout);
}

/**
 * Bundles `main.ts` with the given stamp into the full CLI beside `output`, then writes the entry
 * at `output` with the full CLI's own `--help` and `--version` answers; throws with Deno's message
 * on failure.
 */
export async function bundleCli(output: string, stamp: BuildStamp): Promise<BundleResult> {
  const started = performance.now();
  const cli = cliPathFor(output);
  await bundleFullCli(cli, stamp);
  const [help, version] = [await capture(cli, ["--help"]), await capture(cli, ["--version"])];
  const cliFile = cli.slice(cli.lastIndexOf("/") + 1);
  await Deno.writeTextFile(output, renderFastEntry({ help, version, cliFile }));
  const milliseconds = Math.round(performance.now() - started);
  const bytes = (await Deno.stat(output)).size + (await Deno.stat(cli)).size;
  return { output, cli, bytes, milliseconds };
}

async function bundleFullCli(output: string, stamp: BuildStamp): Promise<void> {
  await withStampedImportMap(stamp, async (importMap) => {
    const result = await runDeno([
      "bundle",
      "--frozen",
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
    if (!result.success) {
      throw new Error(`Cannot bundle the CLI into "${output}": deno bundle failed:\n${cleanDenoError(result.stderr)}`);
    }
    await Deno.writeTextFile(output, BUNDLE_PRELUDE + await Deno.readTextFile(output));
  });
}

async function main(args: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        version: { type: "string" },
        "image-digest": { type: "string" },
        out: { type: "string", default: "dist/k8zner.js" },
      },
      strict: true,
    }));
  } catch (err) {
    console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
    return 2;
  }
  const stamp = await resolveTaskStamp(values.version, values["image-digest"]);
  if (!stamp) return 2;
  const output = values.out ?? "dist/k8zner.js";
  const dir = output.includes("/") ? output.slice(0, output.lastIndexOf("/")) : ".";
  await Deno.mkdir(dir, { recursive: true });
  try {
    const result = await bundleCli(output, stamp);
    console.error(
      `bundled k8zner ${stamp.version} into ${output} and ${result.cli} (${
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
