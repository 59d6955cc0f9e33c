/**
 * Rendering an {@link ApplyPlan}: text for people (what `plan` prints and `apply` shows before it
 * asks) and a stable JSON document for `plan --json`. Pure; no secrets ever reach a plan.
 *
 * @module
 */
import type { CostReport } from "../cluster/cost/cost.ts";
import { formatSpecChanges } from "../cluster/handover/diff.ts";
import { renderImagePlan } from "../cluster/image/plan_image.ts";
import { planToJson, renderPlan, summarizeChanges } from "../cluster/infra/render_plan.ts";
import type { ApplyPlan } from "./apply_plan.ts";
import { describeStep, type RolloutPlan } from "../cluster/upgrade/rollout.ts";
import { describeVersionChange } from "./version_gate.ts";

/** The plan as text. */
export function renderApplyPlan(plan: ApplyPlan, clusterName: string, costs?: CostReport): string {
  const lines = [`Infrastructure (Hetzner Cloud):`, indent(renderPlan(plan.infrastructure))];
  if (plan.image) lines.push("", "Talos image (a Hetzner snapshot):", ...renderImagePlan(plan.image));
  if (plan.operator.length > 0) {
    lines.push("", "Servers the operator creates or changes after the hand-over (not done by apply):");
    const width = Math.max(...plan.operator.map((c) => c.name.length));
    for (const c of plan.operator) lines.push(`    ${c.name.padEnd(width)}  ${c.action}: ${c.detail}`);
  }
  lines.push("", `Cluster spec (K8znerCluster ${clusterName} in k8zner-system):`);
  const cluster = plan.cluster;
  if (cluster.state === "create") {
    lines.push(`  + create it with the full spec and hand the cluster over to the operator`);
    if (cluster.note) lines.push(`    (${cluster.note})`);
  } else if (cluster.state === "unchanged") {
    lines.push("  No changes: the spec matches the configuration.");
  } else {
    for (const line of formatSpecChanges(cluster.changes)) lines.push(`  ~ ${line}`);
    if (cluster.upgrade) lines.push(`  Upgrade: ${describeVersionChange(cluster.upgrade)}.`);
  }
  if (plan.rollout && plan.rollout.steps.length > 0) lines.push("", ...renderRollout(plan.rollout));
  if (plan.backup) {
    const b = plan.backup;
    lines.push(
      "",
      "etcd backups (Hetzner Object Storage):",
      `  bucket ${b.bucket} in ${b.region}: created if missing (checked at apply, never deleted by k8zner); ` +
        `snapshots expire after ${b.retentionDays} days`,
    );
  }
  if (costs) {
    const t = costs.totals;
    const c = costs.currency;
    const sign = t.delta.net >= 0 ? "+" : "-";
    lines.push(
      "",
      `Monthly cost (net, live prices): now ${c} ${t.current.net.toFixed(2)}, planned ${c} ${
        t.planned.net.toFixed(2)
      } (${sign}${c} ${Math.abs(t.delta.net).toFixed(2)}).`,
    );
  }
  lines.push("", plan.pending ? summaryLine(plan) : "Nothing to do: apply would change nothing.");
  return lines.join("\n");
}

/**
 * The operator's rollout, one numbered line per step in the order it runs them, e.g.
 * `  1. Talos v1.12.6 -> v1.13.9 on control-plane demo-cp-1`.
 */
export function renderRollout(rollout: RolloutPlan): string[] {
  const width = String(rollout.steps.length).length;
  return [
    `Rolling upgrade the operator does, one step at a time, each after every node is Ready and etcd healthy ` +
    `(to Talos ${rollout.talos.to}, Kubernetes ${rollout.kubernetes.to}):`,
    ...rollout.steps.map((step, i) => `  ${String(i + 1).padStart(width)}. ${describeStep(step)}`),
  ];
}

function summaryLine(plan: ApplyPlan): string {
  const n = summarizeChanges(plan.infrastructure);
  const parts = [`${n.create} to create`, `${n.update} to update`];
  if (n.conflict > 0) parts.push(`${n.conflict} conflict${n.conflict > 1 ? "s" : ""} to resolve first`);
  if (plan.image?.action === "build") parts.push("a Talos snapshot to build");
  const spec = plan.cluster.state === "create"
    ? "cluster spec to create"
    : plan.cluster.state === "update"
    ? `cluster spec to update (${plan.cluster.changes.length} field${plan.cluster.changes.length > 1 ? "s" : ""})`
    : "cluster spec unchanged";
  return `Plan: ${parts.join(", ")} in Hetzner Cloud; ${spec}.`;
}

function indent(text: string): string {
  return text.split("\n").map((l) => (l === "" ? l : l.startsWith("  ") ? l : `  ${l}`)).join("\n");
}

/** The `plan --json` document. */
export function applyPlanToJson(plan: ApplyPlan, costs?: CostReport): Record<string, unknown> {
  return {
    pending: plan.pending,
    infrastructure: planToJson(plan.infrastructure, costs),
    ...(plan.image ? { image: plan.image } : {}),
    operator: plan.operator.map((c) => ({ action: c.action, kind: c.kind, name: c.name, detail: c.detail })),
    cluster: {
      state: plan.cluster.state,
      changes: plan.cluster.changes.map((c) => ({ path: c.path, from: c.from ?? null, to: c.to ?? null })),
      ...(plan.cluster.note ? { note: plan.cluster.note } : {}),
      ...(plan.cluster.upgrade ? { upgrade: plan.cluster.upgrade } : {}),
    },
    ...(plan.rollout ? { rollout: plan.rollout } : {}),
    ...(plan.backup ? { backup: { ...plan.backup, action: "ensure" } } : {}),
  };
}
