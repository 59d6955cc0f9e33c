/**
 * What `k8zner cost [-c k8zner.yaml] [--json]` does (loaded only when the command runs): monthly cost of the configured cluster from live Hetzner
 * prices, the cost of what already exists with the cluster's labels, and the difference.
 *
 * @module
 */
import { type CostLine, type CostReport, estimateCost, type Money } from "../cluster/cost/cost.ts";
import { expandSpec } from "../config/mod.ts";
import { type LoadBalancer, selectorFor } from "../hcloud/mod.ts";
import type { CliContext } from "./context.ts";
import { hcloudClientFromEnv, type HcloudDeps } from "./hcloud_env.ts";
import { loadConfig } from "./load_config.ts";

/** Flags of `k8zner cost`. */
export interface CostFlags {
  config?: string;
  json?: boolean;
}

/** Runs `k8zner cost`. */
export async function runCost(ctx: CliContext, flags: CostFlags, deps: HcloudDeps = {}): Promise<CostReport> {
  const { spec } = await loadConfig({ config: flags.config, cwd: ctx.cwd, env: ctx.env });
  const desired = expandSpec(spec);
  const client = hcloudClientFromEnv(ctx, deps);
  const ingressName = desired.addons.traefik.loadBalancer.name;
  // One after another: five small reads, and a predictable order for traces and tests.
  const pricing = await client.pricing.get();
  const servers = await client.servers.listAll({ labelSelector: desired.selector });
  const labelledLbs = await client.loadBalancers.listAll({ labelSelector: desired.selector });
  const ingressLb = await client.loadBalancers.findByName(ingressName);
  const snapshots = await client.images.listSnapshots(selectorFor(desired.talos.snapshotLabels));
  const lbs = new Map<number, LoadBalancer>(labelledLbs.map((lb) => [lb.id, lb]));
  if (ingressLb) lbs.set(ingressLb.id, ingressLb);
  const report = estimateCost(desired, pricing, { servers, loadBalancers: [...lbs.values()], snapshots });
  ctx.io.out(flags.json ? renderCostJson(report) : renderCostTable(report, spec.name));
  return report;
}

/** The `--json` output: amounts as numbers rounded to cents. */
export function renderCostJson(report: CostReport): string {
  const cents = (m: Money) => ({ net: toCents(m.net), gross: toCents(m.gross) });
  const lines = (ls: CostLine[]) =>
    ls.map((l) => ({
      resource: l.resource,
      detail: l.detail,
      count: l.count,
      unit: { net: round4(l.unit.net), gross: round4(l.unit.gross) },
      monthly: cents(l.monthly),
    }));
  return JSON.stringify(
    {
      currency: report.currency,
      vat_rate: report.vatRate,
      planned: lines(report.planned),
      current: lines(report.current),
      totals: {
        planned: cents(report.totals.planned),
        current: cents(report.totals.current),
        delta: cents(report.totals.delta),
      },
      notes: report.notes,
    },
    null,
    2,
  );
}

function toCents(n: number): number {
  return Math.round(n * 100) / 100;
}

function round4(n: number): number {
  return Math.round(n * 10_000) / 10_000;
}

function fmt(n: number): string {
  return n.toFixed(2);
}

function signed(n: number): string {
  const r = toCents(n);
  return r > 0 ? `+${fmt(r)}` : r < 0 ? `-${fmt(-r)}` : fmt(0);
}

function table(rows: string[][], rightAligned: number[]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) =>
    r.map((cell, i) => rightAligned.includes(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)).join("  ")
      .trimEnd()
  );
}

/** The table output (plain text, no colour, so it reads the same in a pipe). */
export function renderCostTable(report: CostReport, clusterName: string): string {
  const c = report.currency;
  const section = (title: string, ls: CostLine[], total: Money): string[] => {
    if (ls.length === 0) return [title, "  (nothing)", ""];
    const rows = [
      ["Resource", "For", "Qty", `Unit net`, `Monthly net`, `Monthly gross`],
      ...ls.map((
        l,
      ) => [l.resource, l.detail, String(l.count), fmt(l.unit.net), fmt(l.monthly.net), fmt(l.monthly.gross)]),
      ["Total", "", "", "", fmt(total.net), fmt(total.gross)],
    ];
    return [title, ...table(rows, [2, 3, 4, 5]).map((l) => `  ${l}`), ""];
  };
  const out = [
    `Monthly cost of cluster "${clusterName}" in ${c} (live prices from the Hetzner API, VAT ${
      report.vatRate.toFixed(2)
    } %)`,
    "",
    ...section("Planned (from the config)", report.planned, report.totals.planned),
    ...section("Current (resources with the cluster's labels)", report.current, report.totals.current),
    ...table([
      ["Summary", `net ${c}`, `gross ${c}`],
      ["Planned", fmt(report.totals.planned.net), fmt(report.totals.planned.gross)],
      ["Current", fmt(report.totals.current.net), fmt(report.totals.current.gross)],
      ["Delta", signed(report.totals.delta.net), signed(report.totals.delta.gross)],
    ], [1, 2]),
  ];
  if (report.notes.length > 0) out.push("", ...report.notes.map((n) => `note: ${n}`));
  return out.join("\n");
}
