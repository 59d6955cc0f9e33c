/**
 * The test task: runs `deno test` over the repository with a JUnit report beside the normal
 * output, then prints the plain closing line CI reads: `N passed, N failed`, counting tests, not
 * their steps (Deno's own summary line is not in that form). Before it, it lists the tests skipped
 * because something outside the repository is missing (see `tests/requirements.ts`), with the
 * reason. Extra arguments are passed to `deno test` (e.g. a file filter).
 *
 * Before the tests it fills Deno's caches (the npm packages of the imports map, main.ts's module
 * graph): on a cold machine the CLI subprocesses of the tests otherwise download them while tests
 * run in parallel and print `Download …` where a test reads the CLI's output.
 *
 * Test files run {@link DEFAULT_JOBS} at a time (`DENO_JOBS` overrides it), not one per core: most
 * of the suite's wall time is end-to-end files waiting on subprocesses and simulated time.
 *
 * @module
 */
import { countJunit, type JunitTest } from "./junit_counts.ts";

const reportDir = ".test-results";
const junitPath = `${reportDir}/junit.xml`;
const skipsPath = `${Deno.cwd()}/${reportDir}/skips.jsonl`;
/** Test files at once when `DENO_JOBS` is unset (measured on 2 cores: see the commit that set it). */
const DEFAULT_JOBS = 4;

await Deno.mkdir(reportDir, { recursive: true });
await Deno.remove(junitPath).catch(() => {});
await Deno.remove(skipsPath).catch(() => {});

for (const warm of [["install", "--frozen"], ["cache", "--frozen", "main.ts"]]) {
  const out = await new Deno.Command(Deno.execPath(), { args: warm, stdout: "piped", stderr: "piped" }).output();
  if (!out.success) {
    console.log(new TextDecoder().decode(out.stderr).trim());
    console.log(`deno ${warm.join(" ")} failed (exit ${out.code}): the dependencies cannot be cached`);
    console.log("0 passed, 1 failed");
    Deno.exit(1);
  }
}

const args = [
  "test",
  "--allow-all",
  "--parallel",
  "--reporter=dot",
  `--junit-path=${junitPath}`,
  ...(Deno.args.length > 0 ? Deno.args : []),
];
const child = new Deno.Command(Deno.execPath(), {
  args,
  stdout: "inherit",
  stderr: "inherit",
  env: {
    NO_COLOR: "1",
    RUST_BACKTRACE: "0",
    K8ZNER_TEST_SKIPS: skipsPath,
    DENO_JOBS: Deno.env.get("DENO_JOBS") || String(DEFAULT_JOBS),
  },
}).spawn();
const status = await child.status;

const xml = await Deno.readTextFile(junitPath).catch(() => undefined);
if (xml === undefined) {
  console.log(`deno test exited with code ${status.code} before writing a report (type or load error above)`);
  console.log("0 passed, 1 failed");
  Deno.exit(status.code || 1);
}
const counts = countJunit(xml);
let { passed, failed } = counts;
// A failure Deno reports outside any test case (an uncaught error, a leak) still fails the run.
if (status.code !== 0 && failed === 0) failed = 1;
if (passed + failed === 0) {
  console.log("no tests ran");
  failed = 1;
}
const missing = await skippedForMissing(counts.tests);
if (missing.length > 0) {
  console.log(`\n${missing.length} skipped because something is missing:`);
  for (const line of missing) console.log(`  ${line}`);
}
const otherSkips = counts.skipped - missing.length;
if (otherSkips > 0) console.log(`${otherSkips} ignored by a condition of their own (no reason recorded)`);
console.log(`${passed} passed, ${failed} failed`);
Deno.exit(failed > 0 ? 1 : 0);

/** `<file>: <test>: <reason>` for each skipped test that `tests/requirements.ts` recorded a reason for. */
async function skippedForMissing(tests: JunitTest[]): Promise<string[]> {
  const text = await Deno.readTextFile(skipsPath).catch(() => "");
  const reasons = new Map<string, string>();
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    const record = JSON.parse(line) as { test: string; reasons: string[] };
    reasons.set(record.test, record.reasons.join("; "));
  }
  return tests
    .filter((t) => t.outcome === "skipped" && reasons.has(t.name))
    .map((t) => `${t.file}: ${t.name}: ${reasons.get(t.name)}`);
}
