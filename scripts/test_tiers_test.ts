import assert from "node:assert/strict";
import {
  ALONE_FILES,
  END_TO_END_PATHS,
  isTestFileName,
  LONGEST_FIRST,
  planTestRuns,
  shardModule,
  shardUnitFiles,
  UNIT_SHARDS,
} from "./test_tiers.ts";

const FILES = [
  "scripts/a_test.ts",
  "src/b/c_test.ts",
  "src/d_test.ts",
  "tests/e2e/apply_locked_test.ts",
  "tests/e2e/apply_dev_test.ts",
  "tests/e2e/demo_test.ts",
  "tests/distribution/bundle_test.ts",
  "tests/distribution/install_test.ts",
  "tests/local_cloud/charts_install_test.ts",
  "tests/x_test.ts",
  "tests/y_test.ts",
];
const UNIT = FILES.filter((f) => !f.startsWith("tests/e2e/") && !f.endsWith("bundle_test.ts") && !f.includes("charts"));

Deno.test("the whole suite runs end-to-end files first (the known long ones first), then the unit shards, then each alone file by itself", () => {
  const runs = planTestRuns(["--fail-fast"], FILES);
  const shardPaths = runs[0]!.shards!.map((s) => s.path);
  assert.deepEqual(runs.map((r) => r.args), [
    [
      "--fail-fast",
      "tests/distribution/bundle_test.ts",
      "tests/e2e/apply_dev_test.ts",
      "tests/e2e/apply_locked_test.ts",
      "tests/local_cloud/charts_install_test.ts",
      ...shardPaths,
    ],
    ["--fail-fast", "tests/e2e/demo_test.ts"],
  ]);
  assert.deepEqual(runs[0]!.shards!.flatMap((s) => s.files).sort(), UNIT);
  assert.ok(ALONE_FILES.includes("tests/e2e/demo_test.ts"));
});

Deno.test("--quick runs only the unit shards and passes other flags through", () => {
  const [run, ...others] = planTestRuns(["--quick", "--fail-fast"], FILES);
  assert.equal(others.length, 0);
  assert.equal(run!.label, "quick tier (no end-to-end files)");
  assert.deepEqual(run!.args, ["--fail-fast", ...run!.shards!.map((s) => s.path)]);
  assert.deepEqual(run!.shards!.flatMap((s) => s.files).sort(), UNIT);
});

Deno.test("given files run as given, in one run, unsharded; --quick with files is refused", () => {
  assert.deepEqual(planTestRuns(["tests/e2e/demo_test.ts", "--fail-fast"], FILES), [{
    label: "the given files",
    args: ["tests/e2e/demo_test.ts", "--fail-fast"],
  }]);
  assert.throws(() => planTestRuns(["--quick", "tests/x_test.ts"], FILES), /either --quick or test files/);
});

Deno.test("unit files are spread round robin over the shards, each file in exactly one", () => {
  const files = Array.from({ length: 10 }, (_, i) => `t/f${i}_test.ts`);
  const shards = shardUnitFiles(files);
  assert.equal(shards.length, UNIT_SHARDS);
  assert.deepEqual(shards[0]!.files, ["t/f0_test.ts", "t/f4_test.ts", "t/f8_test.ts"]);
  assert.deepEqual(shards.flatMap((s) => s.files).sort(), files);
  assert.deepEqual(shardUnitFiles(["t/only_test.ts"]).length, 1);
  assert.deepEqual(shardUnitFiles([]), []);
});

Deno.test("a shard module imports its files relative to itself, formatted as deno fmt leaves it", async () => {
  const text = shardModule({ path: ".test-results/shards/unit_1.ts", files: ["src/d_test.ts", "tests/x_test.ts"] });
  assert.deepEqual(text.split("\n").slice(1), ['import "../../src/d_test.ts";', 'import "../../tests/x_test.ts";', ""]);
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/shard.ts`, text);
    const fmt = await new Deno.Command(Deno.execPath(), {
      args: ["fmt", "--check", "--line-width=120", `${dir}/shard.ts`],
      stderr: "null",
      stdout: "null",
    }).output();
    assert.ok(fmt.success, "deno fmt --check accepts the shard module");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("test file names are the ones Deno's discovery takes", () => {
  for (const name of ["a_test.ts", "a.test.ts", "test.ts", "a_test.mjs"]) assert.ok(isTestFileName(name), name);
  for (const name of ["a.ts", "latest.ts", "contest.ts", "a_test.ts.orig", "test_a.ts"]) {
    assert.ok(!isTestFileName(name), name);
  }
});

Deno.test("every tier path exists, so a rename cannot silently put a file back in the wrong tier", async () => {
  for (const path of [...ALONE_FILES, ...END_TO_END_PATHS, ...LONGEST_FIRST]) {
    await Deno.stat(new URL(`../${path}`, import.meta.url));
  }
});
