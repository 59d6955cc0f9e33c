/**
 * A Hetzner simulator plus the real client and the cluster steps' dependencies, for end-to-end
 * tests of `src/cluster/` over real HTTP. Simulated time runs fast; polls are short.
 *
 * @module
 */
import { createHcloudClient, type HcloudClient } from "../src/hcloud/mod.ts";
import { type ActionWaiter, createActionWaiter } from "../src/cluster/infra/action_waiter.ts";
import type { ClusterDeps } from "../src/cluster/infra/deps.ts";
import { discoverCluster } from "../src/cluster/infra/discover.ts";
import { ensureInfrastructure, type InfrastructureResult } from "../src/cluster/infra/ensure_infrastructure.ts";
import { ensureServers } from "../src/cluster/nodes/ensure_servers.ts";
import { type DesiredState, expandSpec } from "../src/config/mod.ts";
import type { Server } from "../src/hcloud/mod.ts";
import { recordingProgress } from "../src/lib/progress.ts";
import { type HcloudSimulator, startHcloudSimulator } from "./hcloud_sim/mod.ts";
import { fakeEd25519Key } from "./hcloud_sim/test_client.ts";

/** A running simulator with a client and deps over it. */
export interface ClusterEnv extends AsyncDisposable {
  sim: HcloudSimulator;
  hc: HcloudClient;
  deps: ClusterDeps;
  actions: ActionWaiter;
  /** Requests sent so far whose method is not GET. */
  mutatingRequests(): string[];
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Starts the simulator (speed 2000: a 12 s server create takes 6 ms). */
export async function startClusterEnv(options: { speed?: number; keySeed?: number } = {}): Promise<ClusterEnv> {
  const sim = await startHcloudSimulator({ speed: options.speed ?? 2000, rateLimit: false });
  // Client retries back off in real time; keep them short so fault tests stay fast.
  const hc = createHcloudClient({
    token: "test-token",
    endpoint: sim.url,
    fetch,
    sleep: (ms) => realSleep(Math.min(ms, 5)),
  });
  const actions = createActionWaiter(hc, { sleep: realSleep, pollIntervalMs: 5 });
  let seed = options.keySeed ?? 1;
  const deps: ClusterDeps = {
    hc,
    actions,
    sleep: (ms) => realSleep(Math.min(ms, 5)),
    clock: () => Date.now(),
    generatePublicKey: () => Promise.resolve(fakeEd25519Key(seed++)),
  };
  return {
    sim,
    hc,
    deps,
    actions,
    mutatingRequests: () => sim.requests.filter((r) => r.method !== "GET").map((r) => `${r.method} ${r.path}`),
    [Symbol.asyncDispose]: () => sim.close(),
  };
}

/**
 * Provisions a small dev cluster `name` (1 control plane, 1 cx33 worker, allowlist 198.51.100.0/24)
 * through the real ensure steps, with servers from snapshot `imageId`.
 */
export async function provisionTestCluster(
  env: ClusterEnv,
  name: string,
  imageId: number,
): Promise<{ desired: DesiredState; infra: InfrastructureResult; servers: Server[] }> {
  const desired = expandSpec({
    name,
    region: "fsn1",
    mode: "dev",
    workers: { count: 1, size: "cx33" },
    api_allowlist: ["198.51.100.0/24"],
  });
  const observed = await discoverCluster(env.hc, name, { desired });
  const infra = await ensureInfrastructure(env.deps, desired, observed, recordingProgress());
  const servers = await ensureServers(
    env.deps,
    desired,
    observed,
    infra,
    { imageId },
    recordingProgress().task("servers"),
  );
  return { desired, infra, servers };
}
