/**
 * The `compile` task: builds one self-contained executable per platform with `deno compile`,
 * named `k8zner-<os>-<arch>` (the names `scripts/install.sh` downloads), with version, commit and
 * build date stamped in (see `build_stamp.ts`).
 *
 * `deno compile` downloads its runtime base (`denort-<target>.zip` from dl.deno.land); when it
 * cannot, the task says so in two lines and exits 1 instead of showing Deno's backtrace.
 *
 * Usage: `deno task compile [--version 1.2.3] [--image-digest sha256:…] [--target linux-x86_64 …] [--out dist]`
 *
 * @module
 */
import { parseArgs } from "node:util";
import { cleanDenoError, resolveTaskStamp, runDeno, stripAnsi, withStampedImportMap } from "./deno_build.ts";
import { IMAGE_HELM_PATH } from "./release_assets.ts";

/** A platform we publish a binary for: our asset name and Deno's target triple. */
export interface CompileTarget {
  /** `<os>-<arch>`, with os as `uname -s` lowercased and arch as `uname -m` on Linux. */
  name: string;
  triple: string;
  /** Windows executables need `.exe`. */
  extension: string;
}

/** Every platform `deno compile` can target, in release order. */
export const TARGETS: readonly CompileTarget[] = [
  { name: "linux-x86_64", triple: "x86_64-unknown-linux-gnu", extension: "" },
  { name: "linux-aarch64", triple: "aarch64-unknown-linux-gnu", extension: "" },
  { name: "darwin-x86_64", triple: "x86_64-apple-darwin", extension: "" },
  { name: "darwin-aarch64", triple: "aarch64-apple-darwin", extension: "" },
  { name: "windows-x86_64", triple: "x86_64-pc-windows-msvc", extension: ".exe" },
];

/**
 * The permissions baked into the binary: the same set as the `k8zner` task in deno.json (the bundle
 * test runs every command with exactly these). The one subprocess is Helm, run by `k8zner operator`
 * from the path the operator image puts it at, so `--allow-run` names that path and nothing else:
 * Deno then refuses any other program, a Helm at another `--helm-binary` included (ADR 0001,
 * addendum). Nothing reads system information, so there is no `--allow-sys`. Read, write, network
 * and environment stay unrestricted: ADR 0001 says what each would need and why a list fixed at
 * build time cannot hold it.
 */
export const RUNTIME_PERMISSIONS = [
  "--allow-env",
  "--allow-read",
  "--allow-write",
  "--allow-net",
  `--allow-run=${IMAGE_HELM_PATH}`,
] as const;

/** The file name of a target's binary, e.g. `k8zner-linux-x86_64`. */
export function assetName(target: CompileTarget): string {
  return `k8zner-${target.name}${target.extension}`;
}

/** Parsed command line of the task. */
export interface CompileOptions {
  version: string | undefined;
  /** The pushed operator image's digest, stamped so the CLI installs the image by digest. */
  imageDigest: string | undefined;
  targets: CompileTarget[];
  outDir: string;
}

/** A bad flag: the task prints the message and exits 2. */
export class CompileUsageError extends Error {
  override name = "CompileUsageError";
}

/** Parses the task's flags; unknown flags and unknown target names are usage errors. */
export function parseCompileArgs(args: string[]): CompileOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: {
        version: { type: "string" },
        "image-digest": { type: "string" },
        target: { type: "string", multiple: true },
        out: { type: "string", default: "dist" },
      },
      allowPositionals: false,
      strict: true,
    });
  } catch (err) {
    throw new CompileUsageError(err instanceof Error ? err.message : String(err));
  }
  const names = parsed.values.target ?? [];
  const targets = names.length === 0 ? [...TARGETS] : names.map((name) => {
    const target = TARGETS.find((t) => t.name === name);
    if (target === undefined) {
      throw new CompileUsageError(
        `Cannot compile for target "${name}": expected one of ${TARGETS.map((t) => t.name).join(", ")}`,
      );
    }
    return target;
  });
  return {
    version: parsed.values.version,
    imageDigest: parsed.values["image-digest"],
    targets,
    outDir: parsed.values.out ?? "dist",
  };
}

/**
 * True when `deno compile` failed because it could not download its runtime base binary
 * (`denort-<triple>.zip`), as opposed to a type error or a bad flag.
 */
export function isRuntimeDownloadFailure(stderr: string): boolean {
  return /denort-[\w-]+\.zip/.test(stderr) &&
    /Setting up base binary|error sending request|dns error|Connect|timed out|connection refused/i.test(stderr);
}

/** The last "caused by" line Deno gives for a download failure, e.g. `dns error: failed to lookup …`. */
function innermostCause(stderr: string): string {
  const causes = [...stripAnsi(stderr).matchAll(/^\s+\d+: (.+)$/gm)].map((m) => m[1]!.trim());
  const useful = causes.filter((c) => c !== "<unknown>");
  return useful.at(-1) ?? "network error";
}

/** Renders the plain message for a runtime download failure (no backtrace). */
export function renderRuntimeDownloadFailure(target: CompileTarget, stderr: string): string {
  return [
    `error: cannot compile k8zner for ${target.name}: deno compile needs its runtime base binary ` +
    `(denort-${target.triple}.zip from dl.deno.land) and could not download it (${innermostCause(stderr)}).`,
    "hint: run `deno task compile` where dl.deno.land is reachable (the release workflow does), or set DENORT_BIN " +
    "to a denort binary for this target; `deno task bundle` builds a runnable dist/k8zner.js offline.",
  ].join("\n");
}

async function main(args: string[]): Promise<number> {
  let options: CompileOptions;
  try {
    options = parseCompileArgs(args);
  } catch (err) {
    if (!(err instanceof CompileUsageError)) throw err;
    console.error(`error: ${err.message}`);
    return 2;
  }
  const stamp = await resolveTaskStamp(options.version, options.imageDigest);
  if (!stamp) return 2;
  const entry = new URL("../main.ts", import.meta.url).pathname;
  await Deno.mkdir(options.outDir, { recursive: true });
  return await withStampedImportMap(stamp, async (importMap) => {
    const image = stamp.operatorImageDigest ? `, operator image ${stamp.operatorImageDigest}` : "";
    console.error(`compiling k8zner ${stamp.version} (commit ${stamp.commit}, built ${stamp.date}${image})`);
    for (const target of options.targets) {
      const output = `${options.outDir}/${assetName(target)}`;
      const started = performance.now();
      const result = await runDeno([
        "compile",
        "--frozen",
        "--target",
        target.triple,
        "--output",
        output,
        "--import-map",
        importMap,
        ...RUNTIME_PERMISSIONS,
        entry,
      ]);
      const stderr = result.stderr;
      if (!result.success) {
        console.error(
          isRuntimeDownloadFailure(stderr)
            ? renderRuntimeDownloadFailure(target, stderr)
            : `error: deno compile failed for ${target.name}:\n${cleanDenoError(stderr)}`,
        );
        return 1;
      }
      const { size } = await Deno.stat(output);
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      console.error(`built ${output} (${(size / 1024 / 1024).toFixed(1)} MiB, ${seconds}s)`);
    }
    return 0;
  });
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
