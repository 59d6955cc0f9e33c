/**
 * `deno task bench`: the figures that depend on the machine and its load, kept out of the test suite
 * (the suite keeps the deterministic halves, e.g. `tests/cli/startup_imports_test.ts`). Runs every
 * section of `scripts/bench/sections.ts` (or one, `--only <name>`), `--runs N` times where a section
 * repeats, and prints a table of the median, min and max of each figure with its goal; `--json` prints
 * one JSON object instead (progress always goes to stderr). Exits 1 when a median misses its goal.
 * The method and the latest numbers: BENCHMARKS.md.
 *
 * Usage: deno task bench [--runs 3] [--only reapply] [--quick] [--idle-hours 1] [--json]
 * (`--quick`: no apply section; `--idle-hours`: simulated hours the idle operator is watched, about a
 * real minute each.)
 *
 * @module
 */
import { parseArgs } from "node:util";
import { SECTIONS } from "./bench/sections.ts";
import { renderTable, summarize, type SummarizedRow } from "./bench/stats.ts";

const USAGE = "usage: deno task bench [--runs N] [--only <section>] [--quick] [--idle-hours H] [--json]";

function positive(flag: string, text: string, max: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > max) {
    console.error(`--${flag} "${text}" must be a whole number from 1 to ${max}\n${USAGE}`);
    Deno.exit(2);
  }
  return n;
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      args: Deno.args,
      options: {
        runs: { type: "string", default: "3" },
        only: { type: "string" },
        quick: { type: "boolean", default: false },
        "idle-hours": { type: "string", default: "1" },
        json: { type: "boolean", default: false },
      },
    }));
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    Deno.exit(2);
  }
  const runs = positive("runs", values.runs, 50);
  const quick = values.quick;
  const idleHours = positive("idle-hours", values["idle-hours"], 24);
  const names = SECTIONS.map((s) => s.name);
  if (values.only !== undefined && !names.includes(values.only)) {
    console.error(`--only "${values.only}" is not a section; sections: ${names.join(", ")}`);
    Deno.exit(2);
  }
  // --quick leaves out the apply section (a dev and an ha cluster per run) unless it is asked for by name.
  const chosen = SECTIONS.filter((s) =>
    values.only === undefined ? !(quick && s.name === "apply") : s.name === values.only
  );
  const log = (line: string) => console.error(`${new Date().toISOString().slice(11, 19)} ${line}`);
  const rows: SummarizedRow[] = [];
  const started = new Date();
  for (const section of chosen) {
    log(`section ${section.name}`);
    const t = performance.now();
    rows.push(...(await section.run({ runs, quick, idleHours, log })).map(summarize));
    log(`section ${section.name} took ${((performance.now() - t) / 1000).toFixed(0)} s`);
  }
  const missed = rows.filter((r) => r.met === false);
  if (values.json) {
    console.log(JSON.stringify({
      started: started.toISOString(),
      machine: await machine(),
      options: { runs, quick, idleHours, only: values.only ?? null },
      rows,
      missed: missed.map((r) => `${r.section}: ${r.metric}`),
    }));
  } else {
    console.log(renderTable(rows));
    if (missed.length) console.log(`\nmissed goals: ${missed.map((r) => `${r.section}: ${r.metric}`).join("; ")}`);
  }
  Deno.exit(missed.length ? 1 : 0);
}

/** What the numbers ran on: cores, memory, Deno. */
async function machine(): Promise<Record<string, unknown>> {
  const cpus = (await Deno.readTextFile("/proc/cpuinfo").catch(() => "")).match(/^processor\s*:/gm)?.length;
  const mem = /^MemTotal:\s+(\d+) kB$/m.exec(await Deno.readTextFile("/proc/meminfo").catch(() => ""));
  return {
    cpus: cpus ?? null,
    memoryMiB: mem ? Math.round(Number(mem[1]) / 1024) : null,
    deno: Deno.version.deno,
    os: Deno.build.os,
    arch: Deno.build.arch,
  };
}

if (import.meta.main) await main();
