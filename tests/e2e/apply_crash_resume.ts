/**
 * Crash-resume of `apply` (SIGKILL, then `apply` again): the kill itself and the checks that the
 * cluster converged all the same. Two kinds of test use them:
 *
 * - **The chain** (`apply_crash_resume_chain_test.ts`): in one local cloud, every run of `apply` is
 *   killed right after its first mutating Hetzner request that no earlier run was killed after, and
 *   the next run resumes from what all runs before it left, until a run ends by itself. Each mutating
 *   request of a first apply is so a kill point (the request or its action in flight), resumed from
 *   the state earlier kills left, for the price of one cluster instead of one per point.
 * - **Independent kills** (`apply_crash_resume_machine_config_test.ts`,
 *   `apply_crash_resume_image_write_test.ts`: files apart, so that they run at once under
 *   `--parallel`): a fresh cloud, one first `apply` killed at a moment the chain never kills, since
 *   the chain kills only right after a Hetzner request:
 *   - right after the first control plane took its machine config (Talos `ApplyConfiguration`): no
 *     Hetzner request follows it, so the chain's last run goes through it unharmed; the next run must
 *     not bootstrap etcd twice nor lose the node that is installing.
 *   - mid image build: the build server booted into rescue with the build's SSH key, `dd` of the
 *     Talos image under way over SSH, no snapshot yet. The write is client work between two requests
 *     of one run (after the server's power-on, before its power-off): the chain's run killed after the
 *     power-on dies before the rescue system is up, the next one writes the image unhindered and is
 *     killed after the power-off. So a build server half written, its key and the infrastructure's
 *     actions of the same run in flight beside it, is reached only by a kill of its own. (The chain
 *     does leave the build's server and key behind, killed after each of their requests, but never
 *     with an SSH session cut in the middle of the write.)
 *
 * The old `K8ZNER_E2E_KILL_POINTS` (pick points by request count) is gone: the chain has no points to
 * pick, and each independent kill is a test of its own (`deno test --filter`).
 *
 * Each test ends with the same checks ({@link assertConverged}).
 *
 * @module
 */
import { assertEquals, assertOk } from "../assert.ts";
import type { RequestRecord } from "../hcloud_sim/mod.ts";
import { type LocalCloud, startLocalCloud } from "../local_cloud/mod.ts";
import { findLeaks } from "./cloud_inventory.ts";
import { type K8znerResult, startK8zner } from "./k8zner_process.ts";
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

/** The cluster every crash-resume test applies (`renderConfig(CLUSTER, "dev")`: one control plane, two workers). */
export const CLUSTER = "crash";

/** How often the watcher looks whether the kill point is reached (real ms): the kill lands while the request is in flight. */
const WATCH_MS = 2;

/** A run of `apply` that was meant to be killed. */
export interface KilledRun {
  /** Whether the SIGKILL ended it (false: it ended by itself first). */
  killed: boolean;
  result: K8znerResult;
  /** The CLI's Hetzner requests of this run (the operator's left out). */
  requests: RequestRecord[];
}

/**
 * Starts `apply` in `dir` and SIGKILLs it as soon as `reached` holds, given the CLI's Hetzner requests of
 * this run so far (checked every {@link WATCH_MS} ms); it may read the cloud too. Resolves once the run has
 * ended, killed or not.
 */
export async function applyKilledWhen(
  cloud: LocalCloud,
  dir: string,
  reached: (requests: readonly RequestRecord[]) => boolean,
): Promise<KilledRun> {
  const start = cloud.sim.requests.length;
  const requests = () => cloud.sim.requests.slice(start).filter((r) => !isOperatorRequest(r));
  const run = startK8zner(["apply"], { cwd: dir, env: cloudEnv(cloud) });
  let ended = false;
  run.done.finally(() => ended = true);
  let sent = false;
  while (!ended) {
    if (reached(requests())) {
      run.kill("SIGKILL");
      sent = true;
      break;
    }
    await new Promise((r) => setTimeout(r, WATCH_MS));
  }
  const result = await run.done;
  return { killed: sent && result.signal === "SIGKILL", result, requests: requests() };
}

/**
 * One kill in a fresh local cloud (dev cluster): `apply` is SIGKILLed once `reached` holds, `inspect`
 * checks what the killed run left and returns the history line for failure messages, then the next
 * run must converge ({@link assertConverged}). Cloud and work directory are removed afterwards.
 */
export async function killOnceThenConverge(
  reached: (cloud: LocalCloud) => boolean,
  inspect: (cloud: LocalCloud, first: KilledRun) => string,
): Promise<void> {
  const cloud = await startLocalCloud({ speed: 200 });
  const dir = await makeWorkdir(renderConfig(CLUSTER, "dev"));
  try {
    const first = await applyKilledWhen(cloud, dir, () => reached(cloud));
    assertOk(first.killed, `the first run was killed (exit ${first.result.code})\n${first.result.stderr}`);
    const history = inspect(cloud, first);
    await cloud.idle();
    const second = await k8zner(cloud, dir, ["apply"]);
    await assertConverged(cloud, dir, second, history);
  } finally {
    await cloud.close();
    await Deno.remove(dir, { recursive: true });
  }
}

/** Whether some node of `cloud` took a machine config (a successful Talos `ApplyConfiguration`). */
export function configApplied(cloud: LocalCloud): boolean {
  for (const node of cloud.talosNodes.values()) {
    if (node.state.calls.some((c) => c.method === "ApplyConfiguration" && c.code === 0)) return true;
  }
  return false;
}

/**
 * Checks that `last`, the run after the crashes, converged the cluster as an uninterrupted `apply` would:
 * exit 0, nothing leaked or duplicated (no build server or key left), each planned server exactly once once
 * the operator settled, etcd bootstrapped by a single Bootstrap call over all runs, the hand-over objects in
 * place, and a further `apply` with nothing to change. `history` (what was killed where) goes into every
 * failure message.
 */
export async function assertConverged(
  cloud: LocalCloud,
  dir: string,
  last: K8znerResult,
  history: string,
): Promise<void> {
  assertEquals(last.code, 0, `${history}\nthe run after the crashes failed:\n${last.stdout}\n${last.stderr}`);
  await cloud.idle();
  assertEquals(findLeaks(cloud.sim.state), [], history);
  // The operator (running once the hand-over installed it) adds the workers; once it settles (at the CNI)
  // every planned server exists exactly once.
  await operatorSettled(cloud, CLUSTER);
  assertEquals(findLeaks(cloud.sim.state), [], history);
  const servers = [...cloud.sim.state.servers.values()].map((s) => s.name).sort();
  assertEquals(servers, [`${CLUSTER}-cp-1`, `${CLUSTER}-w-1`, `${CLUSTER}-w-2`], history);
  assertEquals(bootstrapCalls(cloud), 1, `successful etcd Bootstrap calls over all runs\n${history}`);
  assertEquals(bootstrapAttempts(cloud), 1, `Bootstrap calls over all runs\n${history}`);
  const objects = handoverObjects(cloud, CLUSTER);
  assertOk(objects.deployment && objects.cluster, `operator and K8znerCluster present\n${history}`);

  const again = await k8zner(cloud, dir, ["apply"]);
  assertEquals(again.code, 0, `${history}\n${again.stderr}`);
  assertEquals(mutating(again.requests).map((q) => `${q.method} ${q.path}`), [], history);
}
