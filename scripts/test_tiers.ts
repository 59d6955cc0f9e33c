/**
 * Which `deno test` runs the test task makes, and in what order (pure: scripts/run_tests.ts runs them).
 *
 * - **The whole suite** (no arguments): every file, the runner's jobs at a time, except the
 *   files of {@link ALONE_FILES}, which then run one at a time on an otherwise idle machine. The demo is
 *   one of them: it is the README's first command and holds itself to a wall-time budget, so it runs the
 *   way a user runs it, not as one of four end-to-end files sharing two cores (beside three others its
 *   `apply --wait` took 226-350 s against 94-103 s alone, and once ran out of its 5 minutes).
 * - **`--quick`**: the suite without the end-to-end tier ({@link END_TO_END_PATHS}: whole clusters in the
 *   local cloud, driven by the real CLI, operator and Helm), for the edit-test loop. CI always runs the
 *   whole suite.
 * - **File arguments**: those files only, in one parallel run (as `deno test` takes them).
 *
 * @module
 */

/** Run alone, after the parallel files, one at a time: see the module comment. */
export const ALONE_FILES: readonly string[] = ["tests/e2e/demo_test.ts"];

/**
 * The end-to-end tier, left out by `--quick`: each file builds whole clusters in the local cloud with the
 * real CLI, operator or Helm processes (tens of seconds to minutes each, most of the suite's time).
 */
export const END_TO_END_PATHS: readonly string[] = [
  "tests/e2e/",
  "tests/distribution/bundle_test.ts",
  "tests/local_cloud/charts_install_test.ts",
];

/** One `deno test` invocation. */
export interface TestRun {
  /** What the runner prints before it, e.g. "alone: tests/e2e/demo_test.ts". */
  label: string;
  /** Arguments after `deno test` and the runner's own fixed flags (files, `--ignore=`). */
  args: string[];
}

/** Plans the runs for the task's arguments (`--quick`, or files and `deno test` flags passed through). */
export function planTestRuns(args: readonly string[]): TestRun[] {
  const quick = args.includes("--quick");
  const rest = args.filter((a) => a !== "--quick");
  if (rest.some((a) => !a.startsWith("-"))) {
    if (quick) throw new Error("--quick picks the files itself: give either --quick or test files, not both");
    return [{ label: "the given files", args: rest }];
  }
  if (quick) {
    return [{ label: "quick tier (no end-to-end files)", args: [...rest, ignoreFlag(END_TO_END_PATHS)] }];
  }
  return [
    { label: "every file but the ones that run alone", args: [...rest, ignoreFlag(ALONE_FILES)] },
    ...ALONE_FILES.map((file) => ({ label: `alone: ${file}`, args: [...rest, file] })),
  ];
}

function ignoreFlag(paths: readonly string[]): string {
  return `--ignore=${paths.join(",")}`;
}
