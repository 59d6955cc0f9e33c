import { assertEquals } from "../tests/assert.ts";
import { countJunit } from "./junit_counts.ts";

/**
 * Written by a real `deno test --reporter=dot --junit-path=…` (Deno 2.9.6) over two files: `a_test.ts`
 * has a passing test, one with nested steps, one with a failing step, an ignored test, a failing
 * test (message with `<&>`), and one with an ignored step; `b_test.ts` one passing test. Deno's own
 * summary said `4 passed (4 steps) | 2 failed (1 step) | 1 ignored (1 step)`.
 */
const SAMPLE = new URL("../tests/fixtures/deno_junit_sample.xml", import.meta.url);

Deno.test("countJunit() counts top-level tests only, as Deno's summary does, not their steps", async () => {
  const counts = countJunit(await Deno.readTextFile(SAMPLE));
  assertEquals({ passed: counts.passed, failed: counts.failed, skipped: counts.skipped }, {
    passed: 4,
    failed: 2,
    skipped: 1,
  });
  assertEquals(counts.tests.map((t) => `${t.file} ${t.name}: ${t.outcome}`), [
    "./a_test.ts plain passes: passed",
    "./a_test.ts has steps: passed",
    "./a_test.ts has a failing step: failed",
    "./a_test.ts ignored: skipped",
    "./a_test.ts fails: failed",
    "./a_test.ts has an ignored step: passed",
    "./b_test.ts other file passes: passed",
  ]);
});

Deno.test("countJunit() keeps a test whose own name contains ' > ' when no test is named like its prefix", () => {
  const xml = `<testsuites><testsuite name="./x_test.ts">
    <testcase name="a &gt; b" classname="./x_test.ts" time="1.500"></testcase>
    <testcase name="a &gt; b &gt; step" classname="./x_test.ts" time="0.1"><failure message="m">m</failure></testcase>
    <testcase name="a" classname="./y_test.ts" time="0"><skipped/></testcase>
  </testsuite></testsuites>`;
  const counts = countJunit(xml);
  assertEquals(counts.tests.map((t) => [t.file, t.name, t.outcome, t.seconds]), [
    ["./x_test.ts", "a > b", "passed", 1.5],
    ["./y_test.ts", "a", "skipped", 0],
  ]);
});
