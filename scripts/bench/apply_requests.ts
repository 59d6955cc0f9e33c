/**
 * Per-endpoint breakdown of the Hetzner requests of one `apply --wait` (dev or ha) against a fresh
 * local cloud: method and path (IDs folded to `{id}`), grouped by caller (CLI, operator, cloud
 * controller), in the order they were first sent. For tracing where requests go; the bench's
 * `apply` section gives the totals.
 *
 * `deno run -A scripts/bench/apply_requests.ts ha [--log]` (`--log` also prints every request in order).
 *
 * @module
 */
import { startLocalCloud } from "../../tests/local_cloud/mod.ts";
import type { RequestRecord } from "../../tests/hcloud_sim/mod.ts";
import {
  cloudEnv,
  endpointOf,
  isCcmRequest,
  isOperatorRequest,
  k8zner,
  makeWorkdir,
  renderConfig,
} from "../../tests/e2e/apply_harness.ts";
import { APPLY_BENCH_SPEED } from "./apply.ts";

/** The caller of a request, told apart by User-Agent. */
export function callerOf(r: RequestRecord): "cli" | "operator" | "ccm" {
  return isOperatorRequest(r) ? "operator" : isCcmRequest(r) ? "ccm" : "cli";
}

/** Counts per caller and endpoint, in first-seen order. */
export function endpointBreakdown(requests: readonly RequestRecord[]): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>();
  for (const r of requests) {
    const caller = callerOf(r);
    const m = out.get(caller) ?? new Map<string, number>();
    out.set(caller, m);
    const e = endpointOf(r);
    m.set(e, (m.get(e) ?? 0) + 1);
  }
  return out;
}

if (import.meta.main) {
  const mode = Deno.args[0] === "dev" ? "dev" : "ha";
  const cloud = await startLocalCloud({ speed: APPLY_BENCH_SPEED });
  const dir = await makeWorkdir(renderConfig(`req-${mode}`, mode, 2));
  try {
    const r = await k8zner(cloud, dir, ["apply", "--yes", "--wait", "--timeout", "10m"], cloudEnv(cloud));
    console.log(`apply ${mode}: exit ${r.code}, ${cloud.sim.requests.length} requests`);
    if (Deno.args.includes("--log")) {
      for (const q of cloud.sim.requests) {
        console.log(
          `${callerOf(q).padEnd(8)} ${q.method.padEnd(6)} ${q.path}${
            q.query ? `?${decodeURIComponent(q.query)}` : ""
          } ${q.status}`,
        );
      }
    }
    for (const [caller, m] of endpointBreakdown(cloud.sim.requests)) {
      const total = [...m.values()].reduce((a, b) => a + b, 0);
      console.log(`\n${caller}: ${total}`);
      for (const [e, n] of m) console.log(`  ${String(n).padStart(3)}  ${e}`);
    }
    if (r.code !== 0) console.log(r.stderr.slice(-3000));
  } finally {
    await cloud.close();
    await Deno.remove(dir, { recursive: true });
  }
}
