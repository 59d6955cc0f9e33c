/**
 * Bench section "apply": dev and ha `apply --wait` from nothing to Running (operator and addons
 * included) against a fresh local cloud each, through the real CLI. Per run: wall time, simulated time
 * (wall × speed), the critical path of the same shape from the latency model, their ratio, and the
 * Hetzner requests by method, told apart by User-Agent into CLI, operator and cloud controller.
 *
 * The ratio uses the model as the local cloud simulates it (`simulatedModel`: Helm installs and Node
 * Ready take no simulated time there), so it measures our overhead over what the run had to wait for;
 * `realBoundMs` is the bound with every step of the model, for the real-world estimate.
 *
 * @module
 */
import { startLocalCloud } from "../../tests/local_cloud/mod.ts";
import { LATENCY_MODEL, simulatedModel } from "../../tests/local_cloud/latency_model.ts";
import { applyCriticalPath, type ClusterShape } from "../../tests/local_cloud/critical_path.ts";
import {
  byMethod,
  cloudEnv,
  isCcmRequest,
  isCliRequest,
  isOperatorRequest,
  k8zner,
  makeWorkdir,
  renderConfig,
} from "../../tests/e2e/apply_harness.ts";

/** The local cloud's speed for the bench (the suite's). */
export const APPLY_BENCH_SPEED = 200;
/** Workers in both shapes (the e2e harness's default). */
const WORKERS = 2;

/** One `apply --wait` run. */
export interface ApplyRun {
  mode: "dev" | "ha";
  ok: boolean;
  wallMs: number;
  /** wall × speed: the simulated time the run took. */
  simulatedMs: number;
  /** The critical path of the shape under the model as simulated. */
  boundMs: number;
  /** simulatedMs / boundMs (goal: at most 1.15). */
  ratio: number;
  /**
   * Real milliseconds the model does not explain: wall − bound / speed. It does not shrink with the
   * speed (process start-ups, Helm, TLS, polling run in real time), so at speed 200 it dominates the
   * ratio; `ratioAtSpeed1` is what the same overhead would give in real Hetzner time.
   */
  overheadMs: number;
  /** 1 + overheadMs / boundMs: the ratio if simulated time ran at real speed. */
  ratioAtSpeed1: number;
  /** The critical path with every step of the real-world model (Helm, Node Ready included). */
  realBoundMs: number;
  /** Helm releases the operator installed (CNI included). */
  releases: number;
  requests: {
    cli: Record<string, number>;
    operator: Record<string, number>;
    ccm: Record<string, number>;
    /** CLI + operator + cloud controller. */
    total: number;
  };
}

/** Release names from the Helm processes the operator ran (`upgrade --install NAME` or `install NAME`). */
function releaseNames(invocations: readonly string[][]): Set<string> {
  const names = new Set<string>();
  for (const args of invocations) {
    const i = args.findIndex((a) => a === "install" || a === "upgrade");
    const name = i < 0 ? undefined : args.slice(i + 1).find((a) => !a.startsWith("-"));
    if (name) names.add(name);
  }
  return names;
}

/** Runs one `apply --wait` of `mode` against a fresh local cloud. */
export async function runApply(mode: "dev" | "ha", speed = APPLY_BENCH_SPEED): Promise<ApplyRun> {
  const cloud = await startLocalCloud({ speed });
  const dir = await makeWorkdir(renderConfig(`bench-${mode}`, mode, WORKERS));
  try {
    const r = await k8zner(cloud, dir, ["apply", "--yes", "--wait", "--timeout", "10m"], cloudEnv(cloud));
    const all = cloud.sim.requests;
    const cli = all.filter(isCliRequest);
    const releases = releaseNames(cloud.helmInvocations()).size;
    const shape: ClusterShape = {
      controlPlanes: mode === "ha" ? 3 : 1,
      workers: WORKERS,
      // The CNI has its own step on the path.
      addonCharts: Math.max(0, releases - 1),
      buildsImage: true,
    };
    const boundMs = applyCriticalPath(simulatedModel(), shape).totalMs;
    const simulatedMs = r.ms * speed;
    const overheadMs = Math.max(0, r.ms - boundMs / speed);
    return {
      mode,
      ok: r.code === 0,
      wallMs: r.ms,
      simulatedMs,
      boundMs,
      ratio: simulatedMs / boundMs,
      overheadMs,
      ratioAtSpeed1: 1 + overheadMs / boundMs,
      realBoundMs: applyCriticalPath(LATENCY_MODEL, shape).totalMs,
      releases,
      requests: {
        cli: byMethod(cli),
        operator: byMethod(all.filter(isOperatorRequest)),
        ccm: byMethod(all.filter(isCcmRequest)),
        total: all.length,
      },
    };
  } finally {
    await cloud.close();
    await Deno.remove(dir, { recursive: true });
  }
}

/** The section: dev then ha (one after the other: they share two cores). */
export async function applyBench(speed = APPLY_BENCH_SPEED): Promise<{ name: "apply"; runs: ApplyRun[] }> {
  return { name: "apply", runs: [await runApply("dev", speed), await runApply("ha", speed)] };
}

/** One line per run, for the table. */
export function formatApplyRun(r: ApplyRun): string {
  const methods = (m: Record<string, number>) => Object.entries(m).map(([k, v]) => `${k} ${v}`).join(", ") || "none";
  return `apply ${r.mode}: ${r.ok ? "Running" : "FAILED"} in ${(r.wallMs / 1000).toFixed(1)} s wall = ` +
    `${(r.simulatedMs / 1000).toFixed(0)} s simulated; critical path ${(r.boundMs / 1000).toFixed(0)} s ` +
    `(ratio ${r.ratio.toFixed(2)} at x${r.simulatedMs / r.wallMs}; ` +
    `${(r.overheadMs / 1000).toFixed(1)} s real overhead, ratio ${
      r.ratioAtSpeed1.toFixed(2)
    } at x1, goal <= 1.15); real-world bound ${(r.realBoundMs / 1000).toFixed(0)} s ` +
    `with ${r.releases} releases; Hetzner requests ${r.requests.total}${r.mode === "ha" ? " (goal <= 60)" : ""} ` +
    `(CLI: ${methods(r.requests.cli)}; operator: ${methods(r.requests.operator)}; CCM: ${methods(r.requests.ccm)})`;
}

if (import.meta.main) {
  const section = await applyBench();
  for (const r of section.runs) console.log(formatApplyRun(r));
}
