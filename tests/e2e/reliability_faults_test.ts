/**
 * Apply under a flaky Hetzner API: ten runs, each in a fresh local cloud whose API fails 5 % of all
 * requests at random (seeds 1-10) with 5xx (some after carrying the request out, like a lost
 * response), 429, slow gateway timeouts and 423 locked. Every run must converge in one go, thanks to
 * the client's retries and the lookup-before-retry of creates: exit 0, one control plane, one
 * Bootstrap, the operator handed over, nothing duplicated or leaked.
 *
 * Random faults hit each request with small odds, so a passing set of seeds may just have missed a
 * weak spot. The second test aims at one: every kind of action request a clean apply sends (power
 * on, rescue, attach to network, add target, …) gets, in a run of its own, a 5xx answered after the
 * API carried it out (a lost response), and apply must still converge in that run.
 *
 * @module
 */
import { assertEquals, assertOk } from "../assert.ts";
import type { FaultKind, FaultSpec } from "../hcloud_sim/mod.ts";
import { type LocalCloud, startLocalCloud } from "../local_cloud/mod.ts";
import { findLeaks } from "./cloud_inventory.ts";
import { bootstrapCalls, handoverObjects, k8zner, makeWorkdir, mutating, renderConfig } from "./apply_harness.ts";

const RUNS = 10;
const RATE = 0.05;
/** Runs at once: each is a local cloud here plus a CLI process; the machine has 2 cores. */
const PARALLEL = 5;
const KINDS: FaultSpec[] = [
  { kind: "5xx" },
  { kind: "5xx", processed: true },
  { kind: "429" },
  { kind: "timeout", delayMs: 1_000 },
  { kind: "timeout", delayMs: 1_000, processed: true },
  { kind: "locked" },
];

interface Outcome {
  seed: number;
  problems: string[];
  faults: number;
  requests: number;
  ms: number;
}

/** Applies cluster `faults<seed>` in a fresh local cloud, after `prepare` set up its faults; judges the result. */
async function applyWithFaults(
  seed: number,
  prepare: (cloud: LocalCloud) => void = (cloud) => cloud.sim.faults.setRandom({ rate: RATE, kinds: KINDS, seed }),
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

Deno.test(`apply converges in ${RUNS} of ${RUNS} runs with ${RATE * 100} % injected Hetzner faults (5xx, 429, timeouts, locked)`, async () => {
  const outcomes: Outcome[] = [];
  const seeds = Array.from({ length: RUNS }, (_, i) => i + 1);
  for (let i = 0; i < seeds.length; i += PARALLEL) {
    outcomes.push(...await Promise.all(seeds.slice(i, i + PARALLEL).map((seed) => applyWithFaults(seed))));
  }
  const report = outcomes.map((o) =>
    `seed ${o.seed}: ${
      o.problems.length === 0 ? "converged" : "FAILED"
    } (${o.faults} faults in ${o.requests} requests, ${(o.ms / 1000).toFixed(1)} s)${
      o.problems.length ? `: ${o.problems.join("; ")}` : ""
    }`
  ).join("\n");
  console.log(report);
  assertOk(
    outcomes.reduce((n, o) => n + o.faults, 0) >= RUNS,
    `too few faults were injected to mean anything\n${report}`,
  );
  assertEquals(outcomes.filter((o) => o.problems.length === 0).length, RUNS, report);
});

/** `/servers/42/actions/poweron` -> `/servers/{id}/actions/poweron`. */
const pattern = (path: string) => path.replace(/\/\d+/g, "/{id}");

Deno.test("apply converges when any one of its action requests loses its response after a 5xx", async () => {
  const reference = await startLocalCloud({ speed: 200 });
  const dir = await makeWorkdir(renderConfig("reference", "dev"));
  let actions: string[];
  try {
    const run = await k8zner(reference, dir, ["apply"]);
    assertEquals(run.code, 0, run.stderr);
    actions = [
      ...new Set(mutating(run.requests).filter((r) => r.path.includes("/actions/")).map((r) => pattern(r.path))),
    ];
  } finally {
    await reference.close();
    await Deno.remove(dir, { recursive: true });
  }
  assertOk(actions.length >= 4, `a clean apply sends a handful of action kinds: ${actions.join(", ")}`);
  const kinds: FaultKind[] = ["500", "502", "503", "504"];
  const outcomes: (Outcome & { action: string })[] = [];
  for (let i = 0; i < actions.length; i += PARALLEL) {
    outcomes.push(
      ...await Promise.all(
        actions.slice(i, i + PARALLEL).map(async (action, j) => {
          const path = new RegExp(`^${action.replaceAll("{id}", "\\d+")}$`);
          const kind = kinds[(i + j) % kinds.length]!;
          const outcome = await applyWithFaults(
            100 + i + j,
            (cloud) => cloud.sim.faults.failNext({ method: "POST", path }, { kind, processed: true }),
          );
          return { ...outcome, action: `${kind} after POST ${action}` };
        }),
      ),
    );
  }
  const report = outcomes.map((o) =>
    `${o.action}: ${
      o.problems.length === 0
        ? "converged"
        : `FAILED: ${o.problems[0]!.split("\n").find((l) => l.startsWith("error:")) ?? o.problems[0]}`
    }`
  ).join("\n");
  console.log(report);
  assertOk(outcomes.every((o) => o.faults === 1), `each run met its one fault\n${report}`);
  assertEquals(outcomes.filter((o) => o.problems.length > 0).map((o) => o.action), [], report);
});
