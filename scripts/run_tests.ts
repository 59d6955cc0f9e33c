/**
 * The test task: runs `deno test` over the repository with a JUnit report beside the normal
 * output, then prints the plain closing line CI reads: `N passed, N failed` (Deno's own summary
 * line is not in that form). Extra arguments are passed to `deno test` (e.g. a file filter).
 *
 * @module
 */
const reportDir = ".test-results";
const junitPath = `${reportDir}/junit.xml`;
await Deno.mkdir(reportDir, { recursive: true });
await Deno.remove(junitPath).catch(() => {});

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
  env: { NO_COLOR: "1", RUST_BACKTRACE: "0" },
}).spawn();
const status = await child.status;

const counts = await countResults(junitPath);
if (counts === undefined) {
  console.log(`deno test exited with code ${status.code} before writing a report (type or load error above)`);
  console.log("0 passed, 1 failed");
  Deno.exit(status.code || 1);
}
let { passed, failed } = counts;
// A failure Deno reports outside any test case (an uncaught error, a leak) still fails the run.
if (status.code !== 0 && failed === 0) failed = 1;
if (passed + failed === 0) {
  console.log("no tests ran");
  failed = 1;
}
console.log(`${passed} passed, ${failed} failed${counts.skipped ? `, ${counts.skipped} skipped` : ""}`);
Deno.exit(failed > 0 ? 1 : 0);

/** Counts top-level test cases in Deno's JUnit report; steps are reported inside their test. */
async function countResults(path: string) {
  let xml: string;
  try {
    xml = await Deno.readTextFile(path);
  } catch {
    return undefined;
  }
  let passed = 0, failed = 0, skipped = 0;
  for (const match of xml.matchAll(/<testcase\b[^>]*?(\/>|>([\s\S]*?)<\/testcase>)/g)) {
    const body = match[2] ?? "";
    if (/<failure\b|<error\b/.test(body)) failed++;
    else if (/<skipped\b/.test(body)) skipped++;
    else passed++;
  }
  return { passed, failed, skipped };
}
