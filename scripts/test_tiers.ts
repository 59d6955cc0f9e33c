/**
 * Which `deno test` runs the test task makes, and in what order (pure: scripts/run_tests.ts finds the
 * test files, writes the shard modules and runs them).
 *
 * - **The whole suite** (no arguments): every file in one parallel run, except the files of
 *   {@link ALONE_FILES}, which then run one at a time on an otherwise idle machine. The demo is one of
 *   them: it is the README's first command and holds itself to a wall-time budget, so it runs the way a
 *   user runs it, not as one of four end-to-end files sharing two cores (beside three others its
 *   `apply --wait` took 226-350 s against 94-103 s alone, and once ran out of its 5 minutes).
 * - **`--quick`**: the suite without the end-to-end tier ({@link END_TO_END_PATHS}: whole clusters in the
 *   local cloud, driven by the real CLI, operator and Helm), for the edit-test loop. CI always runs the
 *   whole suite.
 * - **File arguments**: those files only, in one parallel run (as `deno test` takes them).
 *
 * In the first two, the unit files (every file outside the end-to-end tier) do not run one by one: they
 * are imported by {@link UNIT_SHARDS} shard modules, so Deno loads the module graph they share once per
 * shard instead of once per file. Deno gives every test file an isolate of its own and evaluates its
 * whole graph (yaml, x509, the Kubernetes client, …) there: measured 2026-12-07 on this 2-core machine,
 * loading the 277 unit files one by one cost 141 CPU-s (72 s wall) before any test ran, in one isolate
 * 5 CPU-s; the quick tier went from 341 to 122 CPU-s. Tests still run one at a time within a file and
 * Deno's report still names each test's own file (it names the caller of `Deno.test`). End-to-end files
 * keep an isolate each: they are few, run for minutes, and run side by side.
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

/**
 * End-to-end files that start first, longest first (wall time in the full run of 2026-12-07, 4 jobs on 2
 * cores): a long file started late would run on alone at the end while the cores idle. The rest follow
 * in path order, then the unit shards, which fill the cores as the end-to-end files finish. A stale
 * entry only changes the order.
 */
export const LONGEST_FIRST: readonly string[] = [
  "tests/e2e/restore_test.ts", // 373 s
  "tests/e2e/upgrade_test.ts", // 265 s
  "tests/e2e/operator_handover_test.ts", // 247 s
  "tests/e2e/operator_runtime_test.ts", // 224 s
  "tests/distribution/bundle_test.ts", // 207 s
  "tests/e2e/operator_workers_test.ts", // 177 s
  "tests/e2e/apply_dev_test.ts", // 147 s
  "tests/e2e/apply_ha_test.ts", // 118 s
];

/** Shard modules the unit files are spread over (see the module comment): one per default test job. */
export const UNIT_SHARDS = 4;

/** Where the runner writes the shard modules (under the report directory, ignored by git). */
export const SHARD_DIR = ".test-results/shards";

/** A generated module that imports a group of unit test files. */
export interface Shard {
  /** Path of the module, relative to the repository. */
  path: string;
  /** The test files it imports, relative to the repository. */
  files: string[];
}

/** One `deno test` invocation. */
export interface TestRun {
  /** What the runner prints before it, e.g. "alone: tests/e2e/demo_test.ts". */
  label: string;
  /** Arguments after `deno test` and the runner's own fixed flags (files, `--ignore=`). */
  args: string[];
  /** Shard modules the run's arguments name, for the runner to write first. */
  shards?: Shard[];
}

/**
 * Plans the runs for the task's arguments (`--quick`, or files and `deno test` flags passed through);
 * `testFiles` is every test file of the repository (relative paths), as Deno would discover them.
 */
export function planTestRuns(args: readonly string[], testFiles: readonly string[]): TestRun[] {
  const quick = args.includes("--quick");
  const rest = args.filter((a) => a !== "--quick");
  if (rest.some((a) => !a.startsWith("-"))) {
    if (quick) throw new Error("--quick picks the files itself: give either --quick or test files, not both");
    return [{ label: "the given files", args: rest }];
  }
  const files = [...testFiles].sort();
  const isEndToEnd = (file: string) => END_TO_END_PATHS.some((p) => p.endsWith("/") ? file.startsWith(p) : file === p);
  const shards = shardUnitFiles(files.filter((f) => !isEndToEnd(f) && !ALONE_FILES.includes(f)));
  const shardPaths = shards.map((s) => s.path);
  if (quick) return [{ label: "quick tier (no end-to-end files)", args: [...rest, ...shardPaths], shards }];
  // End-to-end files first, the longest first (Deno starts files in the order given): see LONGEST_FIRST.
  const endToEnd = files.filter((f) => isEndToEnd(f) && !ALONE_FILES.includes(f))
    .sort((a, b) => rank(a) - rank(b));
  return [
    { label: "every file but the ones that run alone", args: [...rest, ...endToEnd, ...shardPaths], shards },
    ...ALONE_FILES.map((file) => ({ label: `alone: ${file}`, args: [...rest, file] })),
  ];
}

/** Where `file` starts among the end-to-end files: its place in {@link LONGEST_FIRST}, else after them. */
function rank(file: string): number {
  const i = LONGEST_FIRST.indexOf(file);
  return i < 0 ? LONGEST_FIRST.length : i;
}

/** Spreads `files` (sorted) over {@link UNIT_SHARDS} shards, round robin, so each gets a mix of directories. */
export function shardUnitFiles(files: readonly string[]): Shard[] {
  const shards: Shard[] = Array.from({ length: Math.min(UNIT_SHARDS, files.length) }, (_, i) => ({
    path: `${SHARD_DIR}/unit_${i + 1}.ts`,
    files: [],
  }));
  files.forEach((file, i) => shards[i % shards.length]!.files.push(file));
  return shards;
}

/** The text of a shard module: one side-effect import per test file, formatted as `deno fmt` would. */
export function shardModule(shard: Shard): string {
  const up = "../".repeat(shard.path.split("/").length - 1);
  return [
    "// Generated by scripts/run_tests.ts: loads these test files in one isolate (see scripts/test_tiers.ts).",
    ...shard.files.map((file) => `import "${up}${file}";`),
    "",
  ].join("\n");
}

/** Whether Deno's test discovery takes `name` for a test file (`*_test.ts`, `*.test.ts`, `test.ts`, and JS forms). */
export function isTestFileName(name: string): boolean {
  return /^(.*[_.])?test\.(ts|tsx|mts|js|mjs|jsx)$/.test(name);
}
