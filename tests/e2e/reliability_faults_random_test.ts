/**
 * Apply under a flaky Hetzner API: ten runs, each in a fresh local cloud whose API fails 5 % of all
 * requests at random (seeds 1-10) with 5xx (some after carrying the request out, like a lost
 * response), 429, slow gateway timeouts and 423 locked. Every run must converge in one go, thanks to
 * the client's retries and the lookup-before-retry of creates: exit 0, one control plane, one
 * Bootstrap, the operator handed over, nothing duplicated or leaked.
 *
 * Random faults hit each request with small odds, so a passing set of seeds may just have missed a
 * weak spot: `reliability_faults_lost_response_test.ts` aims at one.
 *
 * @module
 */
import { assertEquals, assertOk } from "../assert.ts";
import { applyWithFaults, type Outcome, PARALLEL, RANDOM_FAULT_RATE as RATE } from "./reliability_faults.ts";
import { withFakes } from "../fake_contracts.ts";

const RUNS = 10;

Deno.test(withFakes(
  `apply converges in ${RUNS} of ${RUNS} runs with ${
    RATE * 100
  } % injected Hetzner faults (5xx, 429, timeouts, locked)`,
  async () => {
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
  },
));
