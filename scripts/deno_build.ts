/**
 * What the `compile` and `bundle` tasks share: resolving the build stamp from the task's flags and
 * environment, a stamped import map in a temporary directory, and running `deno` quietly with its
 * error output cleaned up for a human.
 *
 * @module
 */
import { type BuildStamp, resolveBuildStamp, runCommand, writeStampedImportMap } from "./build_stamp.ts";

/**
 * The stamp of a build task: `version` (the `--version` flag, else `K8ZNER_VERSION`), the
 * operator image digest (`--image-digest`, else `K8ZNER_OPERATOR_IMAGE_DIGEST`),
 * `SOURCE_DATE_EPOCH`, git and the clock. A bad value is printed as `error: …` and gives
 * undefined: the task then exits 2.
 */
export async function resolveTaskStamp(
  version: string | undefined,
  imageDigest?: string | undefined,
): Promise<BuildStamp | undefined> {
  try {
    return await resolveBuildStamp({
      version: version ?? Deno.env.get("K8ZNER_VERSION"),
      operatorImageDigest: imageDigest ?? Deno.env.get("K8ZNER_OPERATOR_IMAGE_DIGEST"),
      sourceDateEpoch: Deno.env.get("SOURCE_DATE_EPOCH"),
      run: runCommand,
      now: () => new Date(),
    });
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    console.error(`error: ${err.message}`);
    return undefined;
  }
}

/** Runs `fn` with the path of a stamped import map, in a temporary directory removed afterwards. */
export async function withStampedImportMap<T>(stamp: BuildStamp, fn: (importMap: string) => Promise<T>): Promise<T> {
  const stampDir = await Deno.makeTempDir({ prefix: "k8zner-stamp-" });
  try {
    return await fn(await writeStampedImportMap(stampDir, stamp));
  } finally {
    await Deno.remove(stampDir, { recursive: true });
  }
}

/** Runs this Deno binary with `args`, without colours or a Rust backtrace; stdout is discarded. */
export async function runDeno(args: string[]): Promise<{ success: boolean; stderr: string }> {
  const result = await new Deno.Command(Deno.execPath(), {
    args,
    stdout: "piped",
    stderr: "piped",
    env: { RUST_BACKTRACE: "0", NO_COLOR: "1" },
  }).output();
  return { success: result.success, stderr: new TextDecoder().decode(result.stderr) };
}

/** Deno's error output without colours and without the Rust backtrace block. */
export function cleanDenoError(stderr: string): string {
  return stripAnsi(stderr).replace(/\n*Stack backtrace:[\s\S]*$/, "").trim();
}

/** The text without ANSI colour codes. */
export function stripAnsi(text: string): string {
  // deno-lint-ignore no-control-regex
  return text.replace(/\x1b\[[0-9;]*m/g, "");
}
