import { DEFAULT_HELM_BINARY } from "../src/cli/operator_config.ts";
import { IMAGE_HELM_PATH } from "./release_assets.ts";
import { assertEquals, assertIncludes, assertNotMatch, assertThrows } from "../tests/assert.ts";
import {
  assetName,
  CompileUsageError,
  isRuntimeDownloadFailure,
  parseCompileArgs,
  renderRuntimeDownloadFailure,
  RUNTIME_PERMISSIONS,
  TARGETS,
} from "./compile.ts";
import { cleanDenoError } from "./deno_build.ts";

/** What deno 2.9.6 printed here when dl.deno.land was unreachable (NO_COLOR). */
const OFFLINE_STDERR = `Check main.ts
Compile main.ts to dist/k8zner-linux-x86_64
Download https://dl.deno.land/release/v2.9.6/denort-x86_64-unknown-linux-gnu.zip
error: Writing deno compile executable to temporary file 'dist/k8zner-linux-x86_64.tmp-a303f92e7ad1bca5'

Caused by:
    0: Setting up base binary.
    1: error sending request for url (https://dl.deno.land/release/v2.9.6/denort-x86_64-unknown-linux-gnu.zip): client error (Connect): dns error: failed to lookup address information: Name or service not known
    2: client error (Connect)
    3: dns error
    4: failed to lookup address information: Name or service not known

Stack backtrace:
   0: <unknown>
`;

const TYPE_ERROR_STDERR = `Check main.ts
TS2322 [ERROR]: Type 'string' is not assignable to type 'number'.
    at file:///work/main/main.ts:3:7

error: Type checking failed.

Stack backtrace:
   0: <unknown>
`;

Deno.test("parseCompileArgs() builds every platform into dist by default", () => {
  const opts = parseCompileArgs([]);
  assertEquals(opts.targets.map(assetName), [
    "k8zner-linux-x86_64",
    "k8zner-linux-aarch64",
    "k8zner-darwin-x86_64",
    "k8zner-darwin-aarch64",
    "k8zner-windows-x86_64.exe",
  ]);
  assertEquals(opts.outDir, "dist");
  assertEquals(opts.version, undefined);
});

Deno.test("parseCompileArgs() takes repeated --target, --version and --out", () => {
  const opts = parseCompileArgs(["--target", "linux-aarch64", "--target", "darwin-aarch64", "--version", "1.2.3"]);
  assertEquals(opts.targets.map((t) => t.triple), ["aarch64-unknown-linux-gnu", "aarch64-apple-darwin"]);
  assertEquals(opts.version, "1.2.3");
  assertEquals(parseCompileArgs(["--out", "/tmp/x"]).outDir, "/tmp/x");
});

Deno.test("parseCompileArgs() rejects an unknown target, listing the allowed ones", () => {
  assertThrows(
    () => parseCompileArgs(["--target", "linux-armv7"]),
    (err: unknown) =>
      err instanceof CompileUsageError && err.message.includes(`"linux-armv7"`) &&
      err.message.includes(TARGETS.map((t) => t.name).join(", ")),
  );
  assertThrows(() => parseCompileArgs(["--frobnicate"]), CompileUsageError);
});

Deno.test("isRuntimeDownloadFailure() recognises the denort download failure and not a type error", () => {
  assertEquals(isRuntimeDownloadFailure(OFFLINE_STDERR), true);
  assertEquals(isRuntimeDownloadFailure(TYPE_ERROR_STDERR), false);
});

Deno.test("renderRuntimeDownloadFailure() names the target and the cause without a backtrace", () => {
  const text = renderRuntimeDownloadFailure(TARGETS[0]!, OFFLINE_STDERR);
  assertIncludes(text, "cannot compile k8zner for linux-x86_64");
  assertIncludes(text, "denort-x86_64-unknown-linux-gnu.zip");
  assertIncludes(text, "failed to lookup address information");
  assertIncludes(text, "deno task bundle");
  assertNotMatch(text, /backtrace|<unknown>/i);
  assertEquals(text.split("\n").length, 2);
});

Deno.test("cleanDenoError() keeps the type error and drops the backtrace", () => {
  const text = cleanDenoError(`\x1b[31merror\x1b[0m: ${TYPE_ERROR_STDERR}`);
  assertIncludes(text, "TS2322 [ERROR]");
  assertNotMatch(text, /Stack backtrace/);
  assertEquals(text.includes("\x1b"), false);
});

Deno.test("the compiled binary gets the same permissions as the k8zner task", async () => {
  const deno = JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url)));
  const taskFlags = (deno.tasks.k8zner as string).split(" ").filter((w) => w.startsWith("--allow-"));
  assertEquals([...RUNTIME_PERMISSIONS].sort(), taskFlags.sort());
});

Deno.test("the operator's default --helm-binary is the Helm path the binary may run", () => {
  assertEquals(DEFAULT_HELM_BINARY, IMAGE_HELM_PATH);
});

Deno.test("with the binary's permissions Deno runs the image's Helm path and refuses a Helm anywhere else", async () => {
  const dir = await Deno.makeTempDir({ prefix: "k8zner-allow-run-" });
  try {
    // A runnable `helm` outside /usr/local/bin, as `--helm-binary` could name it during development.
    await Deno.writeTextFile(`${dir}/helm`, "#!/bin/sh\necho ran\n", { mode: 0o755 });
    await Deno.chmod(`${dir}/helm`, 0o755);
    await Deno.writeTextFile(
      `${dir}/probe.ts`,
      `const image = (await Deno.permissions.query({ name: "run", command: "/usr/local/bin/helm" })).state;
let other;
try {
  other = "exit " + (await new Deno.Command(${JSON.stringify(`${dir}/helm`)}).output()).code;
} catch (err) {
  other = (err as Error).name; // output() throws before any process starts
}
console.log(JSON.stringify({ image, other }));`,
    );
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--no-prompt", "--no-config", ...RUNTIME_PERMISSIONS, `${dir}/probe.ts`],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
    assertEquals(JSON.parse(new TextDecoder().decode(out.stdout)), { image: "granted", other: "NotCapable" });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
