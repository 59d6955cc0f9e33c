/**
 * The row every `deno task bench` section returns. One module per section under `scripts/bench/`
 * exports `async function (opts: SectionOptions): Promise<BenchRow[]>`; `scripts/bench.ts` runs it,
 * takes the median, min and max of `runs`, and checks `goal` against the median.
 *
 * @module
 */

/** A goal the median must meet, e.g. `{ op: "<=", value: 3 }` for "at most 3 requests per server". */
export interface BenchGoal {
  op: "<=" | "<" | "==";
  value: number;
}

/** One measured figure: one reading per run (a deterministic count repeats the same reading). */
export interface BenchRow {
  /** The section's name, as given to `--only` (e.g. "startup", "apply", "reapply"). */
  section: string;
  /** What was measured, e.g. "hetzner requests (mutating)". */
  metric: string;
  /** "ms", "s", "requests", "requests/h", "MiB", "ratio", "processes", ... */
  unit: string;
  /** One reading per run, in run order. */
  runs: number[];
  goal?: BenchGoal;
  /** Short context: what the figure is compared with, or why a goal is missed. */
  note?: string;
}

/** What bench.ts passes to every section. */
export interface SectionOptions {
  /** How many runs a section should make of each measurement (`--runs N`). */
  runs: number;
  /** `--quick`: a section may shrink its scenario (fewer servers, shorter simulated time) and say so in `note`. */
  quick: boolean;
  /**
   * Simulated hours the idle operator is watched (`--idle-hours`, default 1): its clock runs scaled
   * (`K8ZNER_OPERATOR_CLOCK_SCALE`), so an hour takes about a real minute. 6 include the 6-hourly
   * infrastructure check.
   */
  idleHours: number;
  /** Progress lines go to stderr so `--json` stdout stays one JSON object. */
  log: (line: string) => void;
}

/** A section module's face: its name (for `--only`) and its measurement. */
export interface BenchSection {
  name: string;
  run: (opts: SectionOptions) => Promise<BenchRow[]>;
}
