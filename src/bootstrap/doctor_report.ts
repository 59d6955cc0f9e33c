/**
 * What `k8zner doctor` found, and how it is shown: ✔/✖ lines for people (colour only when asked),
 * one JSON document for scripts. Pure: the checks produce a {@link DoctorReport}, these functions
 * only render it.
 *
 * @module
 */
import type { DestroyItem } from "../cluster/destroy/plan.ts";
import type { ResourceKind } from "../cluster/infra/observed.ts";
import type { DoctorAddon } from "./doctor_cluster.ts";
import type { EndpointReport } from "./doctor_endpoints.ts";

/** Human names of the resource kinds, singular. */
export const KIND_LABEL: Record<ResourceKind, string> = {
  server: "server",
  volume: "volume",
  load_balancer: "load balancer",
  primary_ip: "primary IP",
  firewall: "firewall",
  network: "network",
  placement_group: "placement group",
  ssh_key: "SSH key",
};

/** Outcome of one check. `fail` makes doctor exit 1; `warn` and `skip` do not. */
export type CheckStatus = "ok" | "warn" | "fail" | "skip";

/** One check, e.g. "Hetzner API token" ✔ "accepted, 6 locations visible". */
export interface DoctorCheck {
  /** Stable identifier for scripts, e.g. `hcloud.token`, `cluster.condition.Ready`. */
  id: string;
  /** Section the check belongs to, e.g. `Hetzner project`, `Nodes`. */
  section: string;
  title: string;
  status: CheckStatus;
  detail: string;
  /** What to do about a failure or warning. */
  hint?: string;
}

/** A node as the K8znerCluster status reports it. */
export interface DoctorNode {
  name: string;
  role: "control-plane" | "worker";
  phase?: string;
  /**
   * Doctor's verdict on the node, decided once ({@link nodeHealth}) so the text and `--json` cannot
   * disagree: `fail` when the operator marks it unhealthy, `ok` when Ready, `warn` otherwise.
   */
  health: Exclude<CheckStatus, "skip">;
  privateIP?: string;
  publicIP?: string;
}

/** The whole report. */
export interface DoctorReport {
  cluster: string;
  region: string;
  /** `pre-cluster` before a kubeconfig exists; `cluster` once it does. */
  stage: "pre-cluster" | "cluster";
  /**
   * The cluster's phase: `status.phase` of the K8znerCluster, or, before there is one,
   * `Not created` / `Partially created` (from the Hetzner inventory) / `Unknown`; `Unreachable` when the
   * Kubernetes API does not answer, `Not found` when it does not and nothing in the project has the
   * cluster's label (destroyed, kubeconfig left behind).
   */
  phase: string;
  /** The kubeconfig used (cluster stage). */
  kubeconfig?: string;
  checks: DoctorCheck[];
  nodes: DoctorNode[];
  /** Objects with the cluster's labels in the Hetzner project; undefined when not looked up. */
  inventory: DestroyItem[] | undefined;
  /** Each addon's phase from the K8znerCluster status (cluster stage). */
  addons?: DoctorAddon[];
  /** The public endpoints probed (cluster stage, with a domain). */
  endpoints?: EndpointReport[];
  /** When the checks ran (ISO 8601). */
  checkedAt: string;
}

/** A node's health from the operator's `healthy` flag and its phase. */
export function nodeHealth(node: { phase?: string | undefined; healthy?: boolean | undefined }): DoctorNode["health"] {
  if (node.healthy === false) return "fail";
  return node.phase === "Ready" ? "ok" : "warn";
}

/** True when no check failed and no node is unhealthy. */
export function isHealthy(report: DoctorReport): boolean {
  return !report.checks.some((c) => c.status === "fail") && !report.nodes.some((n) => n.health === "fail");
}

/** What makes the report unhealthy: failed checks by title, unhealthy nodes by name. */
export function failures(report: DoctorReport): string[] {
  return [
    ...report.checks.filter((c) => c.status === "fail").map((c) => c.title),
    ...report.nodes.filter((n) => n.health === "fail").map((n) => `node ${n.name}`),
  ];
}

const ICON: Record<CheckStatus, string> = { ok: "✔", warn: "!", fail: "✖", skip: "-" };
const COLOR: Record<CheckStatus, string> = { ok: "\x1b[32m", warn: "\x1b[33m", fail: "\x1b[31m", skip: "\x1b[2m" };
const RESET = "\x1b[0m";
const BOLD = "\x1b[1m";

/** Renders the report for a person: sections of ✔/✖ lines, nodes, the Hetzner inventory, a verdict. */
export function renderDoctorText(report: DoctorReport, color: boolean): string {
  const paint = (status: CheckStatus, text: string) => color ? `${COLOR[status]}${text}${RESET}` : text;
  const bold = (text: string) => color ? `${BOLD}${text}${RESET}` : text;
  const out: string[] = [
    bold(`k8zner doctor: cluster "${report.cluster}" (${report.region}), phase ${report.phase}`),
  ];
  if (report.kubeconfig) out.push(`kubeconfig: ${report.kubeconfig}`);
  const sections = [...new Set(report.checks.map((c) => c.section))];
  for (const section of sections) {
    out.push("", bold(section));
    for (const c of report.checks.filter((x) => x.section === section)) {
      out.push(paint(c.status, `  ${ICON[c.status]} ${c.title}${c.detail ? `: ${c.detail}` : ""}`));
      if (c.hint && (c.status === "fail" || c.status === "warn")) out.push(`      hint: ${c.hint}`);
    }
  }
  if (report.nodes.length > 0) {
    out.push("", bold("Nodes"));
    const width = Math.max(...report.nodes.map((n) => n.name.length));
    for (const n of report.nodes) {
      const status = n.health;
      const ips = [n.privateIP, n.publicIP].filter(Boolean).join(", ");
      out.push(paint(
        status,
        `  ${ICON[status]} ${n.name.padEnd(width)}  ${n.role.padEnd(13)}  ${n.phase ?? "unknown"}${
          ips ? `  ${ips}` : ""
        }`,
      ));
    }
  }
  if (report.inventory !== undefined) {
    out.push("", bold(`Hetzner resources labelled k8zner.io/cluster=${report.cluster}`));
    if (report.inventory.length === 0) out.push("  (none)");
    for (const r of report.inventory) {
      out.push(`  ${KIND_LABEL[r.kind]} ${r.name} (id ${r.id})${r.detail ? `: ${r.detail}` : ""}`);
    }
  }
  const failed = report.checks.filter((c) => c.status === "fail").length;
  const badNodes = report.nodes.filter((n) => n.health === "fail").length;
  const warned = report.checks.filter((c) => c.status === "warn").length;
  const problems = [
    ...(failed > 0 ? [`${failed} check(s) failed`] : []),
    ...(badNodes > 0 ? [`${badNodes} node(s) unhealthy`] : []),
  ];
  out.push(
    "",
    problems.length > 0
      ? paint("fail", `✖ ${problems.join(", ")}${warned ? `, ${warned} warning(s)` : ""}`)
      : paint("ok", `✔ all checks passed${warned ? ` (${warned} warning(s))` : ""}`),
  );
  return out.join("\n");
}

/** The `--json` document (stable key order as declared in {@link DoctorReport}). */
export function renderDoctorJson(report: DoctorReport, options: { compact?: boolean } = {}): string {
  const doc = { healthy: isHealthy(report), ...report };
  return options.compact ? JSON.stringify(doc) : JSON.stringify(doc, null, 2);
}
