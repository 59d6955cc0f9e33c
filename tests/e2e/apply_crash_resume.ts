/**
 * Crash-resume: `apply` is killed with SIGKILL at different points (after N mutating Hetzner
 * requests, and once right after the first control plane took its machine config) and run again.
 * Each time the second run converges with no duplicate and no leaked resource (build server and key
 * gone), etcd bootstrapped exactly once, and the operator handed over.
 *
 * Every point starts from an empty local cloud so that kills land in the image build too. The
 * points are spread over three test files (`apply_crash_resume_*_test.ts`) so that they run at once
 * under `deno test --parallel`: each point mostly waits on the CLI and the local cloud's simulated
 * time. `K8ZNER_E2E_KILL_POINTS=3,9` picks some of them.
 *
 * @module
 */
import { assertEquals, assertOk } from "../assert.ts";
import { type LocalCloud, startLocalCloud } from "../local_cloud/mod.ts";
import { findLeaks } from "./cloud_inventory.ts";
import { startK8zner } from "./k8zner_process.ts";
import {
  bootstrapAttempts,
  bootstrapCalls,
  cloudEnv,
  handoverObjects,
  isOperatorRequest,
  k8zner,
  makeWorkdir,
  mutating,
  operatorSettled,
  renderConfig,
} from "./apply_harness.ts";
import { withFakes } from "../fake_contracts.ts";

function configApplied(cloud: LocalCloud): boolean {
  for (const node of cloud.talosNodes.values()) {
    if (node.state.calls.some((c) => c.method === "ApplyConfiguration" && c.code === 0)) return true;
  }
  return false;
}

/**
 * Registers one test per kill point of `points` (those `K8ZNER_E2E_KILL_POINTS` names, when it is
 * set): kill after this many mutating requests; 0 means right after the first ApplyConfiguration.
 */
export function crashResumeTests(points: readonly number[]): void {
  const chosen = Deno.env.get("K8ZNER_E2E_KILL_POINTS")?.split(",").map(Number);
  for (const point of chosen ? points.filter((p) => chosen.includes(p)) : points) crashResumeTest(point);
}

function crashResumeTest(point: number): void {
  const where = point === 0 ? "right after the machine config was applied" : `after ${point} mutating requests`;
  Deno.test(withFakes(
    `apply killed ${where} converges on the next run without duplicates, leaks or a second bootstrap`,
    async () => {
      const cloud = await startLocalCloud({ speed: 200 });
      const dir = await makeWorkdir(renderConfig("crash", "dev"));
      try {
        const start = cloud.sim.requests.length;
        const run = startK8zner(["apply"], { cwd: dir, env: cloudEnv(cloud) });
        let killed = false;
        let finished = false;
        const watcher = (async () => {
          for (;;) {
            const reached = point === 0
              ? configApplied(cloud)
              : mutating(cloud.sim.requests.slice(start).filter((r) => !isOperatorRequest(r))).length >= point;
            if (reached) {
              run.kill("SIGKILL");
              killed = true;
              return;
            }
            await new Promise((r) => setTimeout(r, 2));
            if (finished) return;
          }
        })();
        const first = await run.done;
        finished = true;
        await watcher;
        assertOk(killed && first.signal === "SIGKILL", `the first run was killed (exit ${first.code})`);
        await cloud.idle();

        const second = await k8zner(cloud, dir, ["apply"]);
        assertEquals(second.code, 0, `${second.stdout}\n${second.stderr}`);
        await cloud.idle();
        assertEquals(findLeaks(cloud.sim.state), []);
        // The operator (running once the hand-over installed it) adds the workers; once it settles (at the CNI)
        // every planned server exists exactly once.
        await operatorSettled(cloud, "crash");
        assertEquals(findLeaks(cloud.sim.state), []);
        const servers = [...cloud.sim.state.servers.values()].map((s) => s.name).sort();
        assertEquals(servers, ["crash-cp-1", "crash-w-1", "crash-w-2"]);
        assertEquals(bootstrapCalls(cloud), 1);
        assertEquals(bootstrapAttempts(cloud), 1);
        const objects = handoverObjects(cloud, "crash");
        assertOk(objects.deployment && objects.cluster, "operator and K8znerCluster present");

        const third = await k8zner(cloud, dir, ["apply"]);
        assertEquals(third.code, 0, third.stderr);
        assertEquals(mutating(third.requests).map((q) => `${q.method} ${q.path}`), []);
      } finally {
        await cloud.close();
        await Deno.remove(dir, { recursive: true });
      }
    },
  ));
}
