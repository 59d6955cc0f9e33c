import assert from "node:assert/strict";
import { ALONE_FILES, END_TO_END_PATHS, planTestRuns } from "./test_tiers.ts";

Deno.test("the whole suite runs the parallel files first, then each alone file by itself", () => {
  const runs = planTestRuns([]);
  assert.deepEqual(runs.map((r) => r.args), [
    [`--ignore=${ALONE_FILES.join(",")}`],
    ...ALONE_FILES.map((f) => [f]),
  ]);
  assert.ok(ALONE_FILES.includes("tests/e2e/demo_test.ts"));
});

Deno.test("--quick leaves out the end-to-end tier and passes other flags through", () => {
  const runs = planTestRuns(["--quick", "--fail-fast"]);
  assert.deepEqual(runs, [{
    label: "quick tier (no end-to-end files)",
    args: ["--fail-fast", `--ignore=${END_TO_END_PATHS.join(",")}`],
  }]);
});

Deno.test("given files run as given, in one run; --quick with files is refused", () => {
  assert.deepEqual(planTestRuns(["tests/e2e/demo_test.ts", "--fail-fast"]), [{
    label: "the given files",
    args: ["tests/e2e/demo_test.ts", "--fail-fast"],
  }]);
  assert.throws(() => planTestRuns(["--quick", "tests/x_test.ts"]), /either --quick or test files/);
});

Deno.test("every tier path exists, so a rename cannot silently put a file back in the wrong tier", async () => {
  for (const path of [...ALONE_FILES, ...END_TO_END_PATHS]) {
    await Deno.stat(new URL(`../${path}`, import.meta.url));
  }
});
