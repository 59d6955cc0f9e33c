/**
 * The arithmetic and rendering of `deno task bench`: the median, min and max of a row's runs, whether
 * the median meets the row's goal, and the table. Pure, so it is tested without running a benchmark.
 *
 * @module
 */
import type { BenchGoal, BenchRow } from "./types.ts";

/** A row with its summary. `met` is undefined when the row has no goal. */
export interface SummarizedRow extends BenchRow {
  median: number;
  min: number;
  max: number;
  met?: boolean;
}

/** The median of `values` (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError("Cannot take the median of no values");
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Whether `value` meets `goal`. */
export function meets(value: number, goal: BenchGoal): boolean {
  switch (goal.op) {
    case "<=":
      return value <= goal.value;
    case "<":
      return value < goal.value;
    case "==":
      return value === goal.value;
  }
}

/** Median, min, max and the goal check of one row. */
export function summarize(row: BenchRow): SummarizedRow {
  const m = median(row.runs);
  return {
    ...row,
    median: m,
    min: Math.min(...row.runs),
    max: Math.max(...row.runs),
    ...(row.goal ? { met: meets(m, row.goal) } : {}),
  };
}

function num(n: number): string {
  if (Number.isInteger(n)) return String(n);
  return Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 10 ? n.toFixed(1) : n.toFixed(2);
}

/** The table: one line per row, columns padded; goal column says `ok` or `MISS`. */
export function renderTable(rows: readonly SummarizedRow[]): string {
  const header = ["section", "metric", "median", "min", "max", "unit", "runs", "goal", ""];
  const lines = rows.map((r) => [
    r.section,
    r.metric,
    num(r.median),
    num(r.min),
    num(r.max),
    r.unit,
    String(r.runs.length),
    r.goal ? `${r.goal.op} ${r.goal.value} ${r.met ? "ok" : "MISS"}` : "",
    r.note ?? "",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => i === 8 ? 0 : l[i]!.length)));
  const pad = (cells: string[]) => cells.map((c, i) => i === 8 ? c : c.padEnd(widths[i]!)).join("  ").trimEnd();
  return [pad(header), ...lines.map(pad)].join("\n");
}
