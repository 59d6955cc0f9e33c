/**
 * The project `destroy` is tested in: two clusters ("demo", "other") in one Hetzner simulator, each
 * with a cloud-controller load balancer, a CSI volume of demo, an unlabelled server, and a config
 * directory with demo's secrets; plus the CLI context and fast deps the destroy tests share.
 *
 * @module
 */
import { type ClusterEnv, provisionTestCluster, startClusterEnv } from "../cluster_env.ts";
import { call } from "../hcloud_sim/test_client.ts";
import { listClusterResources, listResources } from "./cloud_inventory.ts";
import type { CliContext } from "../../src/cli/context.ts";
import type { DestroyCommandDeps } from "../../src/cli/destroy_run.ts";
import type { Server } from "../../src/hcloud/mod.ts";

// `domain` without CF_API_TOKEN: destroying must not need the tokens apply needs.
export const DEMO_YAML = "name: demo\nregion: fsn1\nmode: dev\nworkers:\n  count: 1\n  size: cx33\n" +
  "domain: example.com\napi_allowlist:\n  - 198.51.100.0/24\n";

async function post(env: ClusterEnv, path: string, body: unknown): Promise<Record<string, { id: number }>> {
  const res = await call(env.sim.url, "POST", path, body);
  if (res.status >= 300) throw new Error(`${path}: ${JSON.stringify(res.body)}`);
  return res.body as Record<string, { id: number }>;
}

export interface Project {
  env: ClusterEnv;
  dir: string;
  demoServers: Server[];
  otherServers: Server[];
  /** Everything that must survive destroying "demo": `kind/id/name`. */
  survivors(): string[];
  /** Requests sent before the test's own commands. */
  setupRequests: number;
}

/** Two clusters ("demo", "other"), their CCM load balancers, a CSI volume of demo, unlabelled objects. */
export async function withProject(fn: (p: Project) => Promise<void>): Promise<void> {
  await using env = await startClusterEnv();
  const image = env.sim.addSnapshot({ description: "talos", labels: { "k8zner.io/image": "talos" } });
  const demoServers = (await provisionTestCluster(env, "demo", image.id)).servers;
  const otherServers = (await provisionTestCluster(env, "other", image.id)).servers;
  const ccm = { "hcloud-ccm/service-uid": "3f1c2a" };
  const ccmLb = (name: string, server: Server) =>
    post(env, "/load_balancers", {
      name,
      load_balancer_type: "lb11",
      location: "fsn1",
      labels: ccm,
      targets: [{ type: "server", server: { id: server.id } }],
    });
  // The cloud controller names its load balancers after the Service's UID unless told otherwise.
  await ccmLb("a3f1c2a0b1", demoServers[1]!);
  await ccmLb("b7e9d4c2f8", otherServers[1]!);
  await post(env, "/volumes", {
    name: "pvc-data",
    size: 20,
    server: demoServers[1]!.id,
    labels: { "managed-by": "csi-driver" },
  });
  await post(env, "/servers", { name: "stranger", server_type: "cx23", image: "debian-13", location: "fsn1" });
  await env.sim.settle();
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/k8zner.yaml`, DEMO_YAML);
    await Deno.mkdir(`${dir}/secrets/demo`, { recursive: true, mode: 0o700 });
    await Deno.writeTextFile(`${dir}/secrets/demo/secrets.yaml`, "placeholder: not a real bundle\n", { mode: 0o600 });
    const demoIds = new Set(listClusterResources(env.sim.state, "demo").map((r) => `${r.kind}/${r.id}`));
    const ccmOfDemo = [...env.sim.state.loadBalancers.values()].find((lb) => lb.name === "a3f1c2a0b1")!.id;
    const csiOfDemo = [...env.sim.state.volumes.values()].find((v) => v.name === "pvc-data")!.id;
    demoIds.add(`load_balancers/${ccmOfDemo}`);
    demoIds.add(`volumes/${csiOfDemo}`);
    const expectedSurvivors = listResources(env.sim.state).map((r) => `${r.kind}/${r.id}/${r.name}`)
      .filter((key) => !demoIds.has(key.split("/").slice(0, 2).join("/"))).sort();
    await fn({
      env,
      dir,
      demoServers,
      otherServers,
      survivors: () => expectedSurvivors,
      setupRequests: env.sim.requests.length,
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

export function cli(
  p: Project,
  opts: { tty?: boolean; env?: Record<string, string> } = {},
): { ctx: CliContext; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  const env: Record<string, string> = { HCLOUD_TOKEN: "test-token", HCLOUD_ENDPOINT: p.env.sim.url, ...opts.env };
  return {
    out,
    err,
    ctx: {
      io: { out: (t) => out.push(t), err: (t) => err.push(t), stdoutIsTty: false, stdinIsTty: opts.tty ?? false },
      env: (n) => env[n],
      cwd: p.dir,
      color: false,
    },
  };
}

export const FAST: DestroyCommandDeps = {
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.min(ms, 10))),
  actionPollMs: 10,
};

/** Mutating requests the commands under test sent (setup excluded). */
export const mutating = (p: Project) =>
  p.env.sim.requests.slice(p.setupRequests).filter((r) => r.method !== "GET" && r.method !== "HEAD");
export const remaining = (p: Project) =>
  listResources(p.env.sim.state).map((r) => `${r.kind}/${r.id}/${r.name}`).sort();
