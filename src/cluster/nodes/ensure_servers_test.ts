import { assertEquals, assertIncludes } from "../../../tests/assert.ts";
import { startClusterEnv } from "../../../tests/cluster_env.ts";
import { call } from "../../../tests/hcloud_sim/test_client.ts";
import { expandSpec, type Spec } from "../../config/mod.ts";
import { HcloudError } from "../../hcloud/mod.ts";
import { recordingProgress } from "../../lib/progress.ts";
import { discoverCluster } from "../infra/discover.ts";
import { ensureInfrastructure } from "../infra/ensure_infrastructure.ts";
import { ensureServers } from "./ensure_servers.ts";

const dev: Spec = {
  name: "demo",
  region: "fsn1",
  mode: "dev",
  workers: { count: 1, size: "cx33" },
  api_allowlist: ["198.51.100.0/24"],
};

/** A dev cluster's infrastructure, ready for servers; the requests so far are not counted. */
async function infrastructure() {
  const env = await startClusterEnv();
  const desired = expandSpec(dev);
  const image = env.sim.addSnapshot({ description: "talos", labels: desired.talos.snapshotLabels });
  const infra = await ensureInfrastructure(
    env.deps,
    desired,
    await discoverCluster(env.hc, "demo", { desired }),
    recordingProgress(),
  );
  const ensure = async (only: string) => {
    const progress = recordingProgress();
    const [server] = await ensureServers(
      env.deps,
      desired,
      await discoverCluster(env.hc, "demo", { desired }),
      infra,
      { imageId: image.id, only: [only] },
      progress.task("Servers"),
    );
    return { server: server!, events: progress.events.join("\n") };
  };
  return { env, desired, image, infra, ensure };
}

Deno.test("a new server costs two mutating requests: created started with the firewall, then attached with its planned IP", async () => {
  const { env, infra, ensure } = await infrastructure();
  await using _ = env;
  const bodies: Parameters<typeof env.hc.servers.create>[0][] = [];
  const create = env.hc.servers.create;
  env.hc.servers.create = (request, options) => (bodies.push(request), create(request, options));
  const before = env.sim.requests.length;
  const { server } = await ensure("demo-cp-1");
  assertEquals(env.mutatingRequests().slice(-2).map((r) => r.replace(/\d+/g, "{id}")), [
    "POST /servers",
    "POST /servers/{id}/actions/attach_to_network",
  ]);
  assertEquals(env.sim.requests.slice(before).filter((r) => r.method !== "GET").length, 2);
  assertEquals(bodies.map((b) => [b.start_after_create, b.firewalls]), [[true, [{ firewall: infra.firewall.id }]]]);
  // No power-on, no firewall wait: the GETs after discovery are action polls only.
  const reads = env.sim.requests.slice(before).filter((r) => r.method === "GET").map((r) => r.path);
  assertEquals(reads.filter((p) => /^\/servers\/\d+$/.test(p)), []);

  const cp = env.sim.state.servers.get(server.id)!;
  assertEquals([cp.status, cp.privateNet.map((p) => p.ip)], ["running", ["10.0.0.2"]]);
  assertEquals([server.status, server.private_net.map((p) => p.ip)], ["running", ["10.0.0.2"]]);
  // The firewall holds the server directly (from the create) and through its label selector.
  const fw = env.sim.state.firewalls.get(infra.firewall.id)!;
  assertEquals(fw.appliedTo.map((a) => a.type), ["label_selector", "server"]);
  const seen = (await call(env.sim.url, "GET", `/servers/${server.id}`)).body.server;
  assertEquals(seen.public_net.firewalls, [{ id: infra.firewall.id, status: "applied" }], "listed once");
});

Deno.test("a server a crash left running outside the network is attached, not restarted", async () => {
  const { env, desired, image, infra, ensure } = await infrastructure();
  await using _ = env;
  const plan = desired.servers.find((s) => s.name === "demo-w-1")!;
  const created = await env.hc.servers.create({
    name: plan.name,
    server_type: plan.server_type,
    image: String(image.id),
    location: plan.location,
    firewalls: [{ firewall: infra.firewall.id }],
    labels: { ...plan.labels },
  });
  await env.actions.wait(created.actions);
  const before = env.mutatingRequests().length;
  const { server, events } = await ensure("demo-w-1");
  assertEquals(env.mutatingRequests().slice(before).map((r) => r.replace(/\d+/g, "{id}")), [
    "POST /servers/{id}/actions/attach_to_network",
  ]);
  assertEquals(server.id, created.server.id);
  assertEquals(env.sim.state.servers.get(server.id)!.privateNet.map((p) => p.ip), [plan.privateIp]);
  assertIncludes(events, "finished 1");
});

Deno.test("a server found off is attached while off and powered on once the firewall shows as applied", async () => {
  const { env, desired, image, ensure } = await infrastructure();
  await using _ = env;
  const plan = desired.servers.find((s) => s.name === "demo-cp-1")!;
  // As an older k8zner left it: created stopped, firewalled only through the label selector.
  await call(env.sim.url, "POST", "/servers", {
    name: plan.name,
    server_type: plan.server_type,
    image: String(image.id),
    location: plan.location,
    start_after_create: false,
    labels: { ...plan.labels },
  });
  await env.sim.settle();
  const before = env.mutatingRequests().length;
  const { server } = await ensure("demo-cp-1");
  assertEquals(env.mutatingRequests().slice(before).map((r) => r.replace(/\d+/g, "{id}")), [
    "POST /servers/{id}/actions/attach_to_network",
    "POST /servers/{id}/actions/poweron",
  ]);
  assertEquals(env.sim.state.servers.get(server.id)!.status, "running");
});

Deno.test("should Hetzner refuse the firewall twice, the server is created stopped without it and finished as before", async () => {
  const { env, desired, ensure } = await infrastructure();
  await using _ = env;
  const create = env.hc.servers.create;
  const bodies: unknown[] = [];
  env.hc.servers.create = (request, options) => {
    bodies.push(request);
    if (request.firewalls !== undefined) {
      return Promise.reject(
        new HcloudError({
          status: 422,
          code: "firewall_already_applied",
          message: "firewall is already applied",
          request: "POST /servers",
        }),
      );
    }
    return create(request, options);
  };
  const before = env.mutatingRequests().length;
  const { server } = await ensure("demo-cp-1");
  assertEquals(bodies.map((b) => (b as { start_after_create: boolean }).start_after_create), [true, false]);
  assertEquals(env.mutatingRequests().slice(before).map((r) => r.replace(/\d+/g, "{id}")), [
    "POST /servers",
    "POST /servers/{id}/actions/attach_to_network",
    "POST /servers/{id}/actions/poweron",
  ]);
  const s = env.sim.state.servers.get(server.id)!;
  assertEquals([s.status, s.privateNet[0]?.ip], ["running", desired.servers[0]!.privateIp]);
});
