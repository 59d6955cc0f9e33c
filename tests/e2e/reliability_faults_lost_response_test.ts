/**
 * Apply under a flaky Hetzner API, aimed at one weak spot: every kind of action request a clean
 * apply sends (power on, rescue, attach to network, add target, …) gets, in a run of its own, a 5xx
 * answered after the API carried it out (a lost response), and apply must still converge in that
 * run. (`reliability_faults_random_test.ts` fails requests at random.)
 *
 * @module
 */
import { assertEquals, assertOk } from "../assert.ts";
import type { FaultKind } from "../hcloud_sim/mod.ts";
import { startLocalCloud } from "../local_cloud/mod.ts";
import { k8zner, makeWorkdir, mutating, renderConfig } from "./apply_harness.ts";
import { applyWithFaults, type Outcome, PARALLEL } from "./reliability_faults.ts";
import { withFakes } from "../fake_contracts.ts";

/** `/servers/42/actions/poweron` -> `/servers/{id}/actions/poweron`. */
const pattern = (path: string) => path.replace(/\/\d+/g, "/{id}");

Deno.test(withFakes("apply converges when any one of its action requests loses its response after a 5xx", async () => {
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
  // A failure's whole story (apply's verbose stderr) goes with it: one in hundreds of runs under heavy load has failed.
  const details = outcomes.filter((o) => o.problems.length > 0).map((o) =>
    `\n--- ${o.action}:\n${o.problems.join("\n")}`
  );
  assertEquals(outcomes.filter((o) => o.problems.length > 0).map((o) => o.action), [], report + details.join(""));
}));
