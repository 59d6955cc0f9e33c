/**
 * Crash-resume, chained: one cluster, one local cloud, and `apply` SIGKILLed ten times in a row,
 * each run resuming from whatever the killed run before it left behind, at ten milestones spread
 * over the whole pipeline (the image build, the first control plane, its machine config, the etcd
 * bootstrap, the credentials and the hand-over). The eleventh run converges: no duplicate resource,
 * nothing leaked (no build server or key, nothing unlabelled), etcd bootstrapped exactly once over
 * all runs, the operator installed; a further run changes nothing.
 *
 * (`apply_crash_resume_chain_test.ts` kills every run right after one of its Hetzner requests; this one
 * stacks crashes at milestones of the Talos and Kubernetes steps too.)
 *
 * @module
 */
import { assertEquals, assertOk } from "../assert.ts";
import type { RequestRecord } from "../hcloud_sim/mod.ts";
import { type LocalCloud, startLocalCloud } from "../local_cloud/mod.ts";
import { countByKind, findLeaks, listClusterResources } from "./cloud_inventory.ts";
import { startK8zner } from "./k8zner_process.ts";
import {
  bootstrapAttempts,
  bootstrapCalls,
  cloudEnv,
  handoverObjects,
  k8zner,
  makeWorkdir,
  mutating,
  operatorSettled,
  renderConfig,
} from "./apply_harness.ts";
import { withFakes } from "../fake_contracts.ts";

const CLUSTER = "resume";

/** What one run has done so far, read from the fakes (counts since the run started). */
interface RunView {
  /** Hetzner requests of this run. */
  requests: RequestRecord[];
  /** Talos calls of this run by method (successful ones). */
  talos: (method: string) => number;
  /** Mutating requests this run sent to the cluster's Kubernetes API. */
  kubeMutating: number;
  cloud: LocalCloud;
}

const posted = (v: RunView, path: RegExp) =>
  v.requests.some((r) => r.method === "POST" && path.test(r.path) && r.status < 300);

/** The ten kill points, in pipeline order; each must be reached by the run it kills. */
const KILL_POINTS: { name: string; reached: (v: RunView) => boolean }[] = [
  { name: "after the first mutating request", reached: (v) => mutating(v.requests).length >= 1 },
  { name: "after a server was created (image build server)", reached: (v) => posted(v, /^\/servers$/) },
  { name: "after rescue mode was enabled", reached: (v) => posted(v, /^\/servers\/\d+\/actions\/enable_rescue$/) },
  {
    name: "after the build server was powered off",
    reached: (v) => posted(v, /^\/servers\/\d+\/actions\/(poweroff|shutdown)$/),
  },
  { name: "after the snapshot was requested", reached: (v) => posted(v, /^\/servers\/\d+\/actions\/create_image$/) },
  {
    name: "after the first control plane server exists",
    reached: (v) => [...v.cloud.sim.state.servers.values()].some((s) => s.name === `${CLUSTER}-cp-1`),
  },
  { name: "after the machine config was applied", reached: (v) => v.talos("ApplyConfiguration") >= 1 },
  { name: "right after the etcd bootstrap", reached: (v) => v.talos("Bootstrap") >= 1 },
  { name: "after the kubeconfig was fetched", reached: (v) => v.talos("Kubeconfig") >= 1 },
  { name: "during the hand-over (first write to the Kubernetes API)", reached: (v) => v.kubeMutating >= 1 },
];

function talosCalls(cloud: LocalCloud, method: string): number {
  let n = 0;
  for (const node of cloud.talosNodes.values()) {
    n += node.state.calls.filter((c) => c.method === method && c.code === 0).length;
  }
  return n;
}

function kubeMutating(cloud: LocalCloud): number {
  let n = 0;
  for (const api of cloud.kubeApis.values()) n += api.requests.filter((r) => r.method !== "GET").length;
  return n;
}

/** Starts apply, SIGKILLs it once `reached` holds; returns whether it was killed (false: it ended first). */
async function applyUntil(cloud: LocalCloud, dir: string, reached: (v: RunView) => boolean) {
  const start = cloud.sim.requests.length;
  const talosStart = new Map<string, number>();
  const talos = (method: string) => {
    if (!talosStart.has(method)) talosStart.set(method, 0);
    return talosCalls(cloud, method) - talosStart.get(method)!;
  };
  for (const m of ["ApplyConfiguration", "Bootstrap", "Kubeconfig"]) talosStart.set(m, talosCalls(cloud, m));
  const kubeStart = kubeMutating(cloud);
  const view = (): RunView => ({
    requests: cloud.sim.requests.slice(start),
    talos,
    kubeMutating: kubeMutating(cloud) - kubeStart,
    cloud,
  });
  const run = startK8zner(["apply"], { cwd: dir, env: cloudEnv(cloud) });
  let killed = false;
  let ended = false;
  run.done.then(() => ended = true, () => ended = true);
  while (!ended) {
    if (reached(view())) {
      run.kill("SIGKILL");
      killed = true;
      break;
    }
    await new Promise((r) => setTimeout(r, 3));
  }
  const result = await run.done;
  return { killed: killed && result.signal === "SIGKILL", result, requests: cloud.sim.requests.length - start };
}

Deno.test(withFakes(
  "apply killed at ten points in a row, each run resuming the last, converges once with no duplicate, no leak and one etcd bootstrap",
  async () => {
    const cloud = await startLocalCloud({ speed: 200 });
    const dir = await makeWorkdir(renderConfig(CLUSTER, "dev"));
    try {
      const log: string[] = [];
      for (const [i, point] of KILL_POINTS.entries()) {
        const { killed, result, requests } = await applyUntil(cloud, dir, point.reached);
        log.push(
          `run ${i + 1}: ${killed ? "killed" : `ended (exit ${result.code})`} ${point.name}, ${requests} requests`,
        );
        assertOk(
          killed,
          `run ${i + 1} should be killed ${point.name}\n${log.join("\n")}\n${result.stdout}\n${result.stderr}`,
        );
        await cloud.idle();
      }
      const final = await k8zner(cloud, dir, ["apply"]);
      assertEquals(final.code, 0, `${log.join("\n")}\n${final.stdout}\n${final.stderr}`);
      await cloud.idle();

      // The operator adds the workers after the hand-over; once it settles (at the CNI) the cloud is complete.
      await operatorSettled(cloud, CLUSTER);
      assertEquals(findLeaks(cloud.sim.state), [], log.join("\n"));
      assertEquals(countByKind(listClusterResources(cloud.sim.state, CLUSTER)), {
        servers: 3,
        networks: 1,
        firewalls: 1,
        load_balancers: 1,
        placement_groups: 2,
        ssh_keys: 1,
      });
      assertEquals([...cloud.sim.state.servers.values()].map((s) => s.name).sort(), [
        `${CLUSTER}-cp-1`,
        `${CLUSTER}-w-1`,
        `${CLUSTER}-w-2`,
      ]);
      assertEquals([...cloud.sim.state.images.values()].filter((i) => i.type === "snapshot").length, 1);
      assertEquals(bootstrapCalls(cloud), 1, "successful etcd Bootstrap calls over all runs");
      assertEquals(bootstrapAttempts(cloud), 1, "Bootstrap calls over all runs");
      const objects = handoverObjects(cloud, CLUSTER);
      assertOk(
        objects.crd && objects.deployment && objects.cloudSecret && objects.talosSecret && objects.cluster,
        "operator and K8znerCluster present",
      );

      const again = await k8zner(cloud, dir, ["apply"]);
      assertEquals(again.code, 0, again.stderr);
      assertEquals(mutating(again.requests).map((q) => `${q.method} ${q.path}`), []);
      console.log(log.join("\n"));
    } finally {
      await cloud.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
));
