/**
 * Section "scale": workers 3 -> 50 through the operator (as the issue asks; `MAX_WORKERS` if lower). A
 * dev cluster with 3 workers applied by the real CLI converges; then `spec.workers.count` is raised and
 * the real operator adds the servers. Measured: its Hetzner requests per added server (goal at most 3), of which
 * mutating, and the wall time until every new worker is ready (real ms; simulated time runs 200 times
 * faster for the fakes, the operator process itself on the real clock), against the scale-up's critical
 * path (`scaleUpCriticalPath`: every server at once, one server's chain) as the apply section does it:
 * the ratio at speed 200, and 1 + overhead / bound, what the same real-time overhead gives at speed 1.
 *
 * @module
 */
import { startLocalCloud } from "../../tests/local_cloud/mod.ts";
import { scaleUpCriticalPath } from "../../tests/local_cloud/critical_path.ts";
import { LATENCY_MODEL, simulatedModel } from "../../tests/local_cloud/latency_model.ts";
import {
  applyCluster,
  conditionOf,
  mutatingOnly,
  operatorOutput,
  operatorRequests,
  setWorkers,
  timeUntil,
} from "../../tests/e2e/operator_runtime_harness.ts";
import { byMethod } from "../../tests/e2e/apply_harness.ts";
import { workersReady } from "./operator.ts";
import { MAX_WORKERS } from "../../src/config/spec.ts";
import type { BenchRow, SectionOptions } from "./types.ts";

const NAME = "benchsc";
const SPEED = 200;
const FROM = 3;
/**
 * The 3 -> 50; `--quick` stops at 13 (10 added servers, into a second worker placement group):
 * every fake node runs in this process, and on a shared 2-core machine 47 of them take half an hour.
 */
const TO = Math.min(50, MAX_WORKERS);
const QUICK_TO = Math.min(13, MAX_WORKERS);

/** "3 GET /servers, 10 POST /servers/{id}/actions/poweron, …": the requests counted per endpoint. */
function byEndpoint(requests: readonly { method: string; path: string }[]): string {
  const counts = new Map<string, number>();
  for (const r of requests) {
    const key = `${r.method} ${r.path.replace(/\/\d+/g, "/{id}")}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => `${n} ${k}`).join(", ");
}

/** One scale-up per run, each in a fresh local cloud. */
export async function scaleUp(opts: SectionOptions): Promise<BenchRow[]> {
  const to = opts.quick ? QUICK_TO : TO;
  const perServer: number[] = [];
  const mutatingPerServer: number[] = [];
  const wallMs: number[] = [];
  const ratios: number[] = [];
  const ratiosAtSpeed1: number[] = [];
  // The bound as the local cloud simulates it (Node Ready takes no simulated time there), and the real one.
  const bound = scaleUpCriticalPath(simulatedModel(), FROM, to);
  const realBoundMs = scaleUpCriticalPath(LATENCY_MODEL, FROM, to).totalMs;
  for (let i = 0; i < opts.runs; i++) {
    await using cloud = await startLocalCloud({ speed: SPEED });
    const cluster = await applyCluster(cloud, NAME, "dev", FROM);
    try {
      await timeUntil(
        `AddonsReady and ${FROM} workers ready`,
        () =>
          conditionOf(cluster.store, NAME, "AddonsReady")?.status === "True" &&
          workersReady(cluster.store, NAME) === FROM,
        600_000,
        200,
      ).catch((err) => {
        throw new Error(`${err.message}\n${operatorOutput(cloud)}`);
      });
      opts.log(`scale run ${i + 1}: ${FROM} workers ready; raising to ${to}`);
      await new Promise((r) => setTimeout(r, 10_000));
      const before = cloud.sim.requests.length;
      const started = performance.now();
      setWorkers(cluster.store, NAME, to);
      const progress = setInterval(() => {
        const servers = [...cloud.sim.state.servers.values()].filter((s) => s.name.startsWith(`${NAME}-`)).length;
        opts.log(
          `scale run ${i + 1}: ${((performance.now() - started) / 1000).toFixed(0)} s: ${servers} servers, ` +
            `${workersReady(cluster.store, NAME)} workers ready, ${operatorRequests(cloud, before).length} requests`,
        );
      }, 30_000);
      await timeUntil(`${to} workers ready`, () => workersReady(cluster.store, NAME) === to, 1_800_000, 200).catch(
        (err) => {
          throw new Error(`${err.message}\n${operatorOutput(cloud)}`);
        },
      ).finally(() => clearInterval(progress));
      const ms = performance.now() - started;
      const requests = operatorRequests(cloud, before);
      const added = to - FROM;
      perServer.push(requests.length / added);
      mutatingPerServer.push(mutatingOnly(requests).length / added);
      wallMs.push(ms);
      const overheadMs = Math.max(0, ms - bound.totalMs / SPEED);
      ratios.push(ms * SPEED / bound.totalMs);
      ratiosAtSpeed1.push(1 + overheadMs / bound.totalMs);
      opts.log(
        `scale run ${i + 1}: ${FROM} -> ${to} in ${(ms / 1000).toFixed(1)} s, ${requests.length} Hetzner requests ` +
          JSON.stringify(byMethod(requests)) + `: ${byEndpoint(requests)}; critical path ` +
          `${bound.totalMs / 1000} s simulated (${bound.steps.map((s) => s.name).join(", ")}), ` +
          `${realBoundMs / 1000} s real-world; ratio ${ratios.at(-1)!.toFixed(2)} at x${SPEED}, ` +
          `${ratiosAtSpeed1.at(-1)!.toFixed(2)} at x1 (${(overheadMs / 1000).toFixed(1)} s real overhead); ` +
          `load ${(await Deno.readTextFile("/proc/loadavg").catch(() => "?")).trim()}`,
      );
    } finally {
      await Deno.remove(cluster.dir, { recursive: true });
    }
  }
  const section = "scale";
  const what = `workers ${FROM} -> ${to}`;
  return [
    {
      section,
      metric: "hetzner requests per added server",
      unit: "requests",
      runs: perServer,
      goal: { op: "<=", value: 3 },
      note: what,
    },
    { section, metric: "mutating requests per added server", unit: "requests", runs: mutatingPerServer, note: what },
    { section, metric: "wall time to all ready", unit: "s", runs: wallMs.map((m) => m / 1000), note: what },
    {
      section,
      metric: "ratio to critical path",
      unit: "ratio",
      runs: ratios,
      // The goal is held at speed 1 (next row): at the cloud's speed this is mostly real-time overhead.
      note: `simulated time / ${bound.totalMs / 1000} s (one server's chain; all at once)`,
    },
    {
      section,
      metric: "ratio at speed 1",
      unit: "ratio",
      runs: ratiosAtSpeed1,
      goal: { op: "<=", value: 1.15 },
      note: "1 + real overhead / bound",
    },
  ];
}
