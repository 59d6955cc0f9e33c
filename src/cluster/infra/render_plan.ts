/**
 * Rendering a plan: aligned text for people (`+` create, `~` update, `-` delete, `!` conflict)
 * and a stable JSON document for `plan --json`. Pure.
 *
 * @module
 */
import type { Change, ChangeAction } from "./change.ts";
import type { CostReport, Money } from "../cost/cost.ts";

const SYMBOL: Record<ChangeAction, string> = { create: "+", update: "~", delete: "-", conflict: "!" };

/** Counts per action. */
export function summarizeChanges(changes: readonly Change[]): Record<ChangeAction, number> {
  const counts: Record<ChangeAction, number> = { create: 0, update: 0, delete: 0, conflict: 0 };
  for (const c of changes) counts[c.action]++;
  return counts;
}

function amount(m: Money, currency: string): string {
  return `${currency} ${m.net.toFixed(2)}`;
}

function signed(m: Money, currency: string): string {
  return `${m.net >= 0 ? "+" : "-"}${currency} ${Math.abs(m.net).toFixed(2)}`;
}

/** The plan as text; with costs, a monthly summary line (net prices). */
export function renderPlan(changes: readonly Change[], costs?: CostReport): string {
  const lines: string[] = [];
  if (changes.length === 0) {
    lines.push("No changes: the infrastructure matches the configuration.");
  } else {
    const width = Math.max(...changes.map((c) => `${c.kind} ${c.name}`.length));
    for (const c of changes) {
      lines.push(`  ${SYMBOL[c.action]} ${`${c.kind} ${c.name}`.padEnd(width)}  ${c.detail}`);
    }
    const n = summarizeChanges(changes);
    lines.push(
      "",
      `Plan: ${n.create} to create, ${n.update} to update, ${n.delete} to delete` +
        (n.conflict > 0 ? `, ${n.conflict} conflict${n.conflict > 1 ? "s" : ""} to resolve first.` : "."),
    );
  }
  if (costs) {
    const t = costs.totals;
    lines.push(
      `Monthly cost (net): now ${amount(t.current, costs.currency)}, planned ${amount(t.planned, costs.currency)} ` +
        `(${signed(t.delta, costs.currency)}).`,
    );
  }
  return lines.join("\n");
}

/** The `plan --json` document. */
export function planToJson(changes: readonly Change[], costs?: CostReport): Record<string, unknown> {
  return {
    changes: changes.map((c) => ({ action: c.action, kind: c.kind, name: c.name, detail: c.detail })),
    summary: summarizeChanges(changes),
    ...(costs
      ? {
        cost: {
          currency: costs.currency,
          current: costs.totals.current,
          planned: costs.totals.planned,
          delta: costs.totals.delta,
        },
      }
      : {}),
  };
}
