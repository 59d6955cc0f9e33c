/**
 * The start-up and apply sections (`startup.ts`, `apply.ts`) return their own result shapes; these
 * adapters turn them into {@link BenchRow}s for the table and `--json`. Start-up summarizes its many
 * starts itself, so its rows carry `[min, median, max]` as readings (median, min and max survive).
 *
 * @module
 */
import { type ApplyRun, runApply } from "./apply.ts";
import { benchStartup, type StartupForm, type Timing } from "./startup.ts";
import type { BenchRow, SectionOptions } from "./types.ts";

/** Deno's empty start-up on an idle machine (ms): the `--help` goal of 100 ms total as a ratio to it. */
const IDLE_EMPTY_MS = 67;

function spread(t: Timing): number[] {
  return [t.min, t.median, t.max];
}

/** Section "startup": the shipping form and `deno run main.ts`, each against an empty module. */
export async function startupRows(opts: SectionOptions): Promise<BenchRow[]> {
  const b = await benchStartup();
  const section = "startup";
  const note = `[min, median, max] of ${b.runs} starts`;
  const form = (label: string, f: StartupForm, goal: boolean): BenchRow[] => [
    { section, metric: `${label} --help`, unit: "ms", runs: spread(f.help), note: `${f.command}; ${note}` },
    { section, metric: `${label} empty module`, unit: "ms", runs: spread(f.empty), note },
    {
      section,
      metric: `${label} --help / empty`,
      unit: "ratio",
      runs: [f.ratio],
      ...(goal ? { goal: { op: "<=" as const, value: Math.round(b.goalMs / IDLE_EMPTY_MS * 100) / 100 } } : {}),
      note: goal ? `${b.goalMs} ms total where empty is ${IDLE_EMPTY_MS} ms` : "ratio of medians",
    },
  ];
  opts.log(`startup: shipping ratio ${b.shipping.ratio.toFixed(2)}, source ratio ${b.source.ratio.toFixed(2)}`);
  return [...form("shipping", b.shipping, true), ...form("deno run main.ts", b.source, false)];
}

/** Section "apply": dev and ha `apply --wait` to Running, `runs` times each, each in a fresh local cloud. */
export async function applyRows(opts: SectionOptions): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const mode of ["dev", "ha"] as const) {
    const runs: ApplyRun[] = [];
    for (let i = 0; i < opts.runs; i++) {
      const r = await runApply(mode);
      if (!r.ok) throw new Error(`apply --wait (${mode}) did not reach Running`);
      runs.push(r);
      opts.log(`apply ${mode} run ${i + 1}: ${(r.wallMs / 1000).toFixed(1)} s, ratio ${r.ratio.toFixed(2)}`);
    }
    const section = "apply";
    const of = (f: (r: ApplyRun) => number) => runs.map(f);
    rows.push(
      { section, metric: `${mode} wall time`, unit: "s", runs: of((r) => r.wallMs / 1000) },
      {
        section,
        metric: `${mode} ratio to critical path`,
        unit: "ratio",
        runs: of((r) => r.ratio),
        note: "at the local cloud's speed: mostly real-time overhead (processes, Helm) over ~1 s of steps",
      },
      // The goal is held here: the same real-time overhead over the bound at real Hetzner speed. At speed
      // 200 the 1-2 s of simulated steps are swamped by tens of seconds no speed factor shrinks.
      {
        section,
        metric: `${mode} ratio at speed 1`,
        unit: "ratio",
        runs: of((r) => r.ratioAtSpeed1),
        goal: { op: "<=", value: 1.15 },
        note: "1 + real overhead / bound",
      },
      {
        section,
        metric: `${mode} hetzner requests`,
        unit: "requests",
        runs: of((r) => r.requests.total),
        ...(mode === "ha" ? { goal: { op: "<=" as const, value: 60 } } : {}),
        note: "CLI + operator + cloud controller",
      },
    );
    for (const who of ["cli", "operator", "ccm"] as const) {
      const methods = [...new Set(runs.flatMap((r) => Object.keys(r.requests[who])))].sort();
      for (const m of methods) {
        rows.push({
          section,
          metric: `${mode} ${who} ${m}`,
          unit: "requests",
          runs: of((r) => r.requests[who][m] ?? 0),
        });
      }
    }
  }
  return rows;
}
