/**
 * Runs the real `deno task compile` for one target. Where dl.deno.land is reachable the binary
 * must run and report the stamped version; where it is not (our build machines), the task must
 * fail with the plain two-line message, no backtrace, and leave no binary behind.
 */
import { assertEquals, assertIncludes, assertNotMatch } from "../assert.ts";

const repo = new URL("../../", import.meta.url).pathname;

Deno.test("deno task compile builds a stamped binary or says plainly that denort is unreachable", async () => {
  const buildInfoBefore = await Deno.readTextFile(`${repo}src/build_info.ts`);
  const out = await Deno.makeTempDir({ prefix: "k8zner-compile-test-" });
  try {
    const started = performance.now();
    const result = await new Deno.Command(Deno.execPath(), {
      args: ["task", "--quiet", "compile", "--target", "linux-x86_64", "--version", "7.8.9", "--out", out],
      cwd: repo,
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).output();
    const stderr = new TextDecoder().decode(result.stderr);
    console.log(`compile task: exit ${result.code} in ${Math.round(performance.now() - started)} ms`);
    const files = [...Deno.readDirSync(out)].map((e) => e.name);
    if (result.code === 0) {
      assertEquals(files, ["k8zner-linux-x86_64"]);
      if (Deno.build.os === "linux" && Deno.build.arch === "x86_64") {
        const version = await new Deno.Command(`${out}/k8zner-linux-x86_64`, { args: ["version"], cwd: out })
          .output();
        assertIncludes(new TextDecoder().decode(version.stdout), "k8zner 7.8.9");
      }
    } else {
      assertEquals(result.code, 1, `unexpected exit code; stderr:\n${stderr}`);
      assertIncludes(stderr, "error: cannot compile k8zner for linux-x86_64");
      assertIncludes(stderr, "denort-x86_64-unknown-linux-gnu.zip");
      assertNotMatch(stderr, /Stack backtrace|<unknown>/);
      assertEquals(files.filter((f) => f.startsWith("k8zner-linux-x86_64")), []);
    }
    assertEquals(await Deno.readTextFile(`${repo}src/build_info.ts`), buildInfoBefore);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});
