/**
 * Apply under a flaky Hetzner API (the harness of `reliability_faults_*_test.ts`): a run of apply in
 * a fresh local cloud with faults set up first, judged by its outcome: exit 0, one control plane,
 * one Bootstrap, the operator handed over, nothing duplicated or leaked.
 *
 * @module
 */
import type { FaultSpec } from "../hcloud_sim/mod.ts";
import { type LocalCloud, startLocalCloud } from "../local_cloud/mod.ts";
import { findLeaks } from "./cloud_inventory.ts";
import { bootstrapCalls, handoverObjects, k8zner, makeWorkdir, renderConfig } from "./apply_harness.ts";

/** Runs at once: each is a local cloud here plus a CLI process; the machine has 2 cores. */
export const PARALLEL = 5;
/** Share of requests the random runs fail. */
export const RANDOM_FAULT_RATE = 0.05;
/** The faults the random runs draw from. */
export const KINDS: FaultSpec[] = [
  { kind: "5xx" },
  { kind: "5xx", processed: true },
  { kind: "429" },
  { kind: "timeout", delayMs: 1_000 },
  { kind: "timeout", delayMs: 1_000, processed: true },
  { kind: "locked" },
];

/** How one run went; `problems` is empty when it converged. */
export interface Outcome {
  seed: number;
  problems: string[];
  faults: number;
  requests: number;
  ms: number;
}

/** Applies cluster `faults<seed>` in a fresh local cloud, after `prepare` set up its faults; judges the result. */
export async function applyWithFaults(
  seed: number,
  prepare: (cloud: LocalCloud) => void = (cloud) =>
    cloud.sim.faults.setRandom({ rate: RANDOM_FAULT_RATE, kinds: KINDS, seed }),
): Promise<Outcome> {
  const cluster = `faults${seed}`;
  const cloud = await startLocalCloud({ speed: 200, seed });
  prepare(cloud);
  const dir = await makeWorkdir(renderConfig(cluster, "dev"));
  try {
    const run = await k8zner(cloud, dir, ["apply", "--verbose"]);
    await cloud.idle();
    const problems: string[] = [];
    if (run.code !== 0) {
      const injected = cloud.sim.faults.injected.map((f) => `${f.kind} ${f.method} ${f.path}`).join(", ");
      problems.push(`exit ${run.code} after faults [${injected}]:\n${run.stderr.trim()}`);
    } else {
      problems.push(...findLeaks(cloud.sim.state));
      const servers = [...cloud.sim.state.servers.values()].map((s) => s.name);
      if (servers.join() !== `${cluster}-cp-1`) problems.push(`servers: ${servers.join(", ")}`);
      if (bootstrapCalls(cloud) !== 1) problems.push(`${bootstrapCalls(cloud)} successful Bootstrap calls`);
      const objects = handoverObjects(cloud, cluster);
      if (!objects.deployment || !objects.cluster) problems.push("operator or K8znerCluster missing");
    }
    return {
      seed,
      problems,
      faults: cloud.sim.faults.injected.length,
      requests: run.requests.length,
      ms: run.ms,
    };
  } finally {
    await cloud.close();
    await Deno.remove(dir, { recursive: true });
  }
}
