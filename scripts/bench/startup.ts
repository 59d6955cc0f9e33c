/**
 * Bench section: `k8zner --help` start-up, of the shipping form (the `bundle` task's output; `deno
 * compile` cannot download its runtime base here) and of `deno run main.ts`, each against Deno's own
 * start-up on an empty module measured in the same run, interleaved, so load on the shared machine
 * hits both alike. The figure is the ratio of medians; min and max show the spread.
 *
 * @module
 */
import { bundleCli } from "../bundle.ts";
import { RUNTIME_PERMISSIONS } from "../compile.ts";

/** Milliseconds of several runs of one command. */
export interface Timing {
  median: number;
  min: number;
  max: number;
}

/** One measured form: its timings, the empty module's in the same run, and the ratio of medians. */
export interface StartupForm {
  command: string;
  help: Timing;
  version: Timing;
  empty: Timing;
  /** help median / empty median. */
  ratio: number;
}

/** The section's result. */
export interface StartupBench {
  name: "startup";
  runs: number;
  shipping: StartupForm;
  source: StartupForm;
  /** Goal: the shipping form's `--help` under 100 ms total (on an idle machine, where empty ≈ 65 ms). */
  goalMs: number;
}

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

/** Median, min and max of `values` (not empty). */
export function summarize(values: number[]): Timing {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]! };
}

async function timeOnce(args: string[]): Promise<number> {
  const start = performance.now();
  const r = await new Deno.Command(Deno.execPath(), { args, stdout: "null", stderr: "null" }).output();
  const ms = performance.now() - start;
  if (!r.success) throw new Error(`deno ${args.join(" ")} exited with ${r.code}`);
  return ms;
}

/** Times the commands round-robin (`runs` rounds after one warm-up round), so load hits all alike. */
async function interleaved(commands: string[][], runs: number): Promise<Timing[]> {
  for (const c of commands) await timeOnce(c);
  const samples: number[][] = commands.map(() => []);
  for (let i = 0; i < runs; i++) {
    for (const [j, c] of commands.entries()) samples[j]!.push(await timeOnce(c));
  }
  return samples.map(summarize);
}

async function measureForm(command: string, prefix: string[], empty: string, runs: number): Promise<StartupForm> {
  const [help, version, base] = await interleaved(
    [[...prefix, "--help"], [...prefix, "--version"], ["run", empty]],
    runs,
  );
  return { command, help: help!, version: version!, empty: base!, ratio: help!.median / base!.median };
}

/** Builds the shipping form into a temporary directory and measures both forms. */
export async function benchStartup(runs = 15): Promise<StartupBench> {
  const dir = await Deno.makeTempDir({ prefix: "k8zner-bench-startup-" });
  try {
    const empty = `${dir}/empty.ts`;
    await Deno.writeTextFile(empty, "export {};\n");
    const entry = `${dir}/k8zner.js`;
    await bundleCli(entry, { version: "0.0.0-bench", commit: "bench", date: new Date().toISOString() });
    const shippingRun = ["run", ...RUNTIME_PERMISSIONS, "--no-config", entry];
    const shipping = await measureForm("deno run dist/k8zner.js", shippingRun, empty, runs);
    const source = await measureForm("deno run main.ts", ["run", "-A", MAIN], empty, runs);
    return { name: "startup", runs, shipping, source, goalMs: 100 };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Table lines for the section. */
export function renderStartup(b: StartupBench): string[] {
  const t = (x: Timing) => `${x.median.toFixed(0)} ms (${x.min.toFixed(0)}-${x.max.toFixed(0)})`;
  return [b.shipping, b.source].map((f) =>
    `${f.command} --help ${t(f.help)}, --version ${t(f.version)}; empty module ${t(f.empty)}; ` +
    `ratio ${f.ratio.toFixed(2)} [median (min-max) of ${b.runs}]`
  );
}
