import { assertEquals, assertOk } from "../../../tests/assert.ts";
import { startClusterEnv } from "../../../tests/cluster_env.ts";
import { expandSpec } from "../../config/mod.ts";
import { recordingProgress } from "../../lib/progress.ts";
import { discoverCluster } from "./discover.ts";
import { ensureInfrastructure } from "./ensure_infrastructure.ts";
import { ensureServers } from "../nodes/ensure_servers.ts";
import { planInfrastructure } from "./plan.ts";

const desired = expandSpec({
  name: "demo",
  region: "fsn1",
  mode: "ha",
  workers: { count: 2, size: "cx33" },
  api_allowlist: ["198.51.100.0/24"],
});

for (const seed of [1, 2, 3]) {
  Deno.test(`with 5% injected faults (seed ${seed}) re-running the steps converges with no duplicate or leaked object`, async () => {
    await using env = await startClusterEnv();
    const image = env.sim.addSnapshot({ description: "talos", labels: desired.talos.snapshotLabels });
    env.sim.faults.setRandom({
      rate: 0.05,
      seed,
      kinds: ["5xx", "429", "conflict", "locked", { kind: "500", processed: true }, { kind: "502", processed: true }],
    });
    let runs = 0;
    for (; runs < 10; runs++) {
      try {
        const observed = await discoverCluster(env.hc, "demo", { desired, sleep: env.deps.sleep });
        const infra = await ensureInfrastructure(env.deps, desired, observed, recordingProgress());
        await ensureServers(env.deps, desired, observed, infra, { imageId: image.id }, recordingProgress().task("s"));
        break;
      } catch {
        // A failed run leaves everything in place; the next one resumes from what it finds.
        await env.sim.settle();
      }
    }
    assertOk(runs < 10, "converged within 10 runs");
    assertOk(env.sim.faults.injected.length > 0, "faults were injected");
    env.sim.faults.clear();
    await env.sim.settle();
    const s = env.sim.state;
    const names = (m: Map<number, { name: string }>) => [...m.values()].map((x) => x.name).sort();
    assertEquals(names(s.servers), desired.servers.map((p) => p.name).sort());
    assertEquals([names(s.networks), names(s.firewalls), names(s.loadBalancers), names(s.sshKeys)], [
      ["demo"],
      ["demo"],
      ["demo-kube"],
      ["demo-default"],
    ]);
    assertEquals(names(s.placementGroups), ["demo-cp-pg", "demo-w-pg-1"]);
    assertEquals(planInfrastructure(desired, await discoverCluster(env.hc, "demo", { desired })), []);
  });
}
