/**
 * The test task: runs `deno test` over the repository with a JUnit report beside the normal
 * output, then prints the plain closing line CI reads: `N passed, N failed`, counting tests, not
 * their steps (Deno's own summary line is not in that form). Before it, it lists the tests skipped
 * because something outside the repository is missing (see `tests/requirements.ts`), with the
 * reason. Which `deno test` runs it makes is scripts/test_tiers.ts's choice: the whole suite (some
 * files alone, after the others), `--quick` (no end-to-end tier), or the files given; the closing line
 * counts all of them. Other arguments are passed to `deno test`.
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
import { isTestFileName, planTestRuns, shardModule, type TestRun } from "./test_tiers.ts";

const reportDir = ".test-results";
const skipsPath = `${Deno.cwd()}/${reportDir}/skips.jsonl`;
/**
 * A `deno test` run still going after this long is stopped (`K8ZNER_TEST_RUN_LIMIT_MIN` overrides it): the
 * whole suite takes 8-26 minutes on 2 cores (one core: 26), so a run this long waits on a hung test, and CI
 * gives up on everything after 90 minutes. SIGINT first, on which Deno lists the tests still pending.
 */
const RUN_LIMIT_MIN = Number(Deno.env.get("K8ZNER_TEST_RUN_LIMIT_MIN") || 60);

/** Test files at once when `DENO_JOBS` is unset (measured on 2 cores: see the commit that set it). */
const DEFAULT_JOBS = 4;

await Deno.mkdir(reportDir, { recursive: true });
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

let runs: TestRun[];
try {
  runs = planTestRuns(Deno.args, await findTestFiles("."));
} catch (err) {
  console.log((err as Error).message);
  Deno.exit(2);
}

let passed = 0;
let failed = 0;
let skipped = 0;
const tests: JunitTest[] = [];
for (const [i, run] of runs.entries()) {
  const junitPath = `${reportDir}/junit-${i + 1}.xml`;
  await Deno.remove(junitPath).catch(() => {});
  if (runs.length > 1) console.log(`\n== ${run.label}`);
  for (const shard of run.shards ?? []) {
    await Deno.mkdir(shard.path.slice(0, shard.path.lastIndexOf("/")), { recursive: true });
    await Deno.writeTextFile(shard.path, shardModule(shard));
  }
  const child = new Deno.Command(Deno.execPath(), {
    args: ["test", "--allow-all", "--parallel", "--reporter=dot", `--junit-path=${junitPath}`, ...run.args],
    stdout: "inherit",
    stderr: "inherit",
    env: {
      NO_COLOR: "1",
      RUST_BACKTRACE: "0",
      K8ZNER_TEST_SKIPS: skipsPath,
      DENO_JOBS: Deno.env.get("DENO_JOBS") || String(DEFAULT_JOBS),
    },
  }).spawn();
  const watchdog = startWatchdog(child, run.label);
  const status = await child.status;
  clearTimeout(watchdog);
  const xml = await Deno.readTextFile(junitPath).catch(() => undefined);
  if (xml === undefined) {
    console.log(
      `deno test (${run.label}) exited with code ${status.code} before writing a report (type or load error above)`,
    );
    failed += 1;
    continue;
  }
  const counts = countJunit(xml);
  passed += counts.passed;
  skipped += counts.skipped;
  tests.push(...counts.tests);
  // A failure Deno reports outside any test case (an uncaught error, a leak) still fails the run.
  failed += status.code !== 0 && counts.failed === 0 ? 1 : counts.failed;
}
if (passed + failed === 0) {
  console.log("no tests ran");
  failed = 1;
}
const missing = await skippedForMissing(tests);
if (missing.length > 0) {
  console.log(`\n${missing.length} skipped because something is missing:`);
  for (const line of missing) console.log(`  ${line}`);
}
const otherSkips = skipped - missing.length;
if (otherSkips > 0) console.log(`${otherSkips} ignored by a condition of their own (no reason recorded)`);
console.log(`${passed} passed, ${failed} failed`);
Deno.exit(failed > 0 ? 1 : 0);

/** Stops `child` after {@link RUN_LIMIT_MIN} minutes: SIGINT (Deno lists the pending tests), SIGKILL 30 s later. */
function startWatchdog(child: Deno.ChildProcess, label: string): ReturnType<typeof setTimeout> {
  return setTimeout(() => {
    console.log(`\n${label}: still running after ${RUN_LIMIT_MIN} minutes: stopped (the tests still pending follow)`);
    child.kill("SIGINT");
    const kill = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.status.finally(() => clearTimeout(kill));
  }, RUN_LIMIT_MIN * 60_000);
}

/**
 * The repository's test files, relative and sorted, as Deno's discovery finds them: deno.json excludes
 * `dist/` and `node_modules/`; hidden directories (`.git`, `.test-results`) hold none.
 */
async function findTestFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const path = dir === "." ? entry.name : `${dir}/${entry.name}`;
    if (entry.isDirectory) {
      if (entry.name.startsWith(".") || ["dist", "node_modules"].includes(entry.name)) continue;
      found.push(...await findTestFiles(path));
    } else if (entry.isFile && isTestFileName(entry.name)) {
      found.push(path);
    }
  }
  return found.sort();
}

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
