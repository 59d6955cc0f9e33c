/**
 * Section "startup" until h14-startup's `scripts/bench/startup.ts` replaces it: `deno run main.ts --help`
 * against Deno's own start-up on an empty module in the same run. Each run is the median of several
 * warm starts of each; the figure is what `--help` adds (contention only adds time, so this is noisy
 * upward under load, never downward).
 *
 * @module
 */
import type { BenchRow, SectionOptions } from "./types.ts";
import { median } from "./stats.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;
const STARTS_PER_RUN = 5;

async function medianStartMs(args: string[]): Promise<number> {
  const once = async () => {
    const start = performance.now();
    const r = await new Deno.Command(Deno.execPath(), { args, stdout: "null", stderr: "null" }).output();
    const ms = performance.now() - start;
    if (!r.success) throw new Error(`deno ${args.join(" ")} exited with ${r.code}`);
    return ms;
  };
  await once(); // warm the module cache
  const times: number[] = [];
  for (let i = 0; i < STARTS_PER_RUN; i++) times.push(await once());
  return median(times);
}

/** `deno run main.ts --help`, an empty module, and the difference, one reading per run. */
export async function helpStartup(opts: SectionOptions): Promise<BenchRow[]> {
  const dir = await Deno.makeTempDir({ prefix: "k8zner-bench-" });
  try {
    const empty = `${dir}/empty.ts`;
    await Deno.writeTextFile(empty, "export {};\n");
    const emptyMs: number[] = [];
    const helpMs: number[] = [];
    for (let i = 0; i < opts.runs; i++) {
      emptyMs.push(await medianStartMs(["run", empty]));
      helpMs.push(await medianStartMs(["run", "-A", MAIN, "--help"]));
      opts.log(`startup run ${i + 1}: empty ${emptyMs.at(-1)!.toFixed(0)} ms, --help ${helpMs.at(-1)!.toFixed(0)} ms`);
    }
    const section = "startup";
    return [
      { section, metric: "deno run (empty module)", unit: "ms", runs: emptyMs },
      { section, metric: "deno run main.ts --help", unit: "ms", runs: helpMs },
      {
        section,
        metric: "--help over empty",
        unit: "ms",
        runs: helpMs.map((h, i) => h - emptyMs[i]!),
        goal: { op: "<", value: 100 },
      },
    ];
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
