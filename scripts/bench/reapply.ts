/**
 * Section "reapply": the Hetzner requests of a converged re-`apply` (goal: none mutating). One dev
 * cluster applied by the real CLI in a local cloud and brought to converged by the real operator
 * (workers created, addons installed), then `apply` again `runs` times; only the CLI's requests count
 * (the operator, still running, is told apart by its User-Agent).
 *
 * @module
 */
import { startLocalCloud } from "../../tests/local_cloud/mod.ts";
import { byMethod, k8zner, mutating } from "../../tests/e2e/apply_harness.ts";
import { applyCluster } from "../../tests/e2e/operator_runtime_harness.ts";
import { untilConverged } from "./operator.ts";
import type { BenchRow, SectionOptions } from "./types.ts";

const NAME = "benchre";
const WORKERS = 2;

/** Converged re-apply: requests, of which mutating, and wall time. */
export async function reapply(opts: SectionOptions): Promise<BenchRow[]> {
  await using cloud = await startLocalCloud({ speed: 200 });
  const cluster = await applyCluster(cloud, NAME, "dev", WORKERS);
  try {
    // Converged means the whole cluster: the workers the operator creates and the addons it installs.
    await untilConverged(cloud, cluster.store, NAME, WORKERS);
    const total: number[] = [];
    const gets: number[] = [];
    const changes: number[] = [];
    const ms: number[] = [];
    for (let i = 0; i < opts.runs; i++) {
      const r = await k8zner(cloud, cluster.dir, ["apply"]);
      if (r.code !== 0) throw new Error(`re-apply failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
      const m = mutating(r.requests);
      total.push(r.requests.length);
      gets.push(r.requests.filter((q) => q.method === "GET").length);
      changes.push(m.length);
      ms.push(r.ms);
      opts.log(
        `reapply run ${i + 1}: ${r.requests.length} requests ${JSON.stringify(byMethod(r.requests))}, ` +
          `${m.length} mutating` +
          (m.length ? ` (${m.map((q) => `${q.method} ${q.path}`).join(", ")})` : ""),
      );
    }
    const section = "reapply";
    return [
      { section, metric: "hetzner requests", unit: "requests", runs: total, note: "dev, 1 cp + 2 workers" },
      { section, metric: "hetzner requests GET", unit: "requests", runs: gets },
      { section, metric: "hetzner requests mutating", unit: "requests", runs: changes, goal: { op: "==", value: 0 } },
      { section, metric: "wall time", unit: "ms", runs: ms, note: "real CLI process, local cloud at speed 200" },
    ];
  } finally {
    await Deno.remove(cluster.dir, { recursive: true });
  }
}
