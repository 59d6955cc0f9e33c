import { assertEquals, assertMatch } from "../../../tests/assert.ts";
import { type ClusterEnv, provisionTestCluster, startClusterEnv } from "../../../tests/cluster_env.ts";
import { call } from "../../../tests/hcloud_sim/test_client.ts";
import { recordingProgress } from "../../lib/progress.ts";
import { destroyItems, planDestroy } from "./plan.ts";
import { executeDestroy } from "./destroy.ts";
import { discoverCluster } from "../infra/discover.ts";

async function post(env: ClusterEnv, path: string, body: unknown) {
  const res = await call(env.sim.url, "POST", path, body);
  if (res.status >= 300) throw new Error(`${path}: ${JSON.stringify(res.body)}`);
  return res.body;
}

Deno.test("destroy removes one cluster and its CCM/CSI objects, and leaves a second cluster and unlabelled objects alone", async () => {
  await using env = await startClusterEnv();
  const image = env.sim.addSnapshot({ description: "talos", labels: { "k8zner.io/image": "talos" } });
  const demo = await provisionTestCluster(env, "demo", image.id);
  const other = await provisionTestCluster(env, "demo-2", image.id);
  const ours = demo.servers.map((s) => s.id);
  const theirs = other.servers.map((s) => s.id);
  const ccm = { "hcloud-ccm/service-uid": "0b0e" };
  const lb = (name: string, extra: Record<string, unknown> = {}) =>
    post(env, "/load_balancers", { name, load_balancer_type: "lb11", location: "fsn1", labels: ccm, ...extra });
  // The cloud controller's load balancers: ours by name, ours by targets, theirs by targets, and
  // "demo-2-ingress" (name starts with "demo-" but belongs to cluster demo-2) with no targets yet.
  await lb("demo-ingress");
  await lb("a1b2c3", { targets: [{ type: "server", server: { id: ours[1] } }] });
  await lb("d4e5f6", { targets: [{ type: "server", server: { id: theirs[1] } }] });
  await lb("demo-2-ingress");
  await lb("unrelated", { labels: {} });
  // Volumes: CSI-labelled for us, CSI without cluster label attached to our worker, a hand-attached
  // disk on our worker (kept: unlabelled), and one of the other cluster.
  await post(env, "/volumes", {
    name: "pvc-1",
    size: 10,
    location: "fsn1",
    labels: { "k8zner.io/cluster": "demo", "managed-by": "csi-driver" },
  });
  await post(env, "/volumes", { name: "pvc-2", size: 10, server: ours[1], labels: { "managed-by": "csi-driver" } });
  await post(env, "/volumes", { name: "manual", size: 10, server: ours[0] });
  await post(env, "/volumes", { name: "pvc-3", size: 10, server: theirs[0], labels: { "managed-by": "csi-driver" } });
  const stranger = await post(env, "/servers", { name: "stranger", server_type: "cx23", image: "debian-13" });
  await env.sim.settle();

  const plan = planDestroy(await discoverCluster(env.hc, "demo"));
  assertEquals(destroyItems(plan).map((i) => `${i.kind} ${i.name}`).sort(), [
    "firewall demo",
    "load_balancer a1b2c3",
    "load_balancer demo-ingress",
    "load_balancer demo-kube",
    "network demo",
    "placement_group demo-cp-pg",
    "placement_group demo-w-pg-1",
    "server demo-cp-1",
    "server demo-w-1",
    "ssh_key demo-default",
    "volume pvc-1",
    "volume pvc-2",
  ]);

  const progress = recordingProgress();
  const result = await executeDestroy(env.deps, plan, progress);
  assertEquals([result.deleted, result.failures], [12, []]);
  const state = env.sim.state;
  const names = (m: Map<number, { name: string }>) => [...m.values()].map((x) => x.name).sort();
  assertEquals(names(state.servers), ["demo-2-cp-1", "demo-2-w-1", "stranger"]);
  assertEquals(names(state.loadBalancers), ["d4e5f6", "demo-2-ingress", "demo-2-kube", "unrelated"]);
  assertEquals(names(state.volumes), ["manual", "pvc-3"]);
  assertEquals(names(state.networks), ["demo-2"]);
  assertEquals(names(state.firewalls), ["demo-2"]);
  assertEquals(names(state.placementGroups), ["demo-2-cp-pg", "demo-2-w-pg-1"]);
  assertEquals(names(state.sshKeys), ["demo-2-default"]);
  assertEquals(state.servers.get(stranger.server.id)?.name, "stranger");
  // The other cluster is whole: its servers still run in its network behind its firewall.
  assertEquals(other.servers.map((s) => state.servers.get(s.id)?.privateNet[0]?.ip), ["10.0.0.2", "10.0.1.2"]);
  assertMatch(progress.events.join("\n"), /done Servers: 2 deleted/);

  // A second destroy finds nothing and sends no mutating request.
  const before = env.mutatingRequests().length;
  const again = planDestroy(await discoverCluster(env.hc, "demo"));
  assertEquals(destroyItems(again), []);
  await executeDestroy(env.deps, again, recordingProgress());
  assertEquals(env.mutatingRequests().slice(before), []);
});

Deno.test("destroy survives faults: a 503 and a locked answer are retried, a lost response counts as done", async () => {
  await using env = await startClusterEnv();
  const image = env.sim.addSnapshot({ description: "talos", labels: { "k8zner.io/image": "talos" } });
  await provisionTestCluster(env, "demo", image.id);
  await env.sim.settle();
  env.sim.faults.failNext({ method: "DELETE", path: /^\/servers\// }, { kind: "503" });
  env.sim.faults.failNext({ method: "DELETE", path: /^\/networks\// }, { kind: "locked" });
  env.sim.faults.failNext({ method: "DELETE", path: /^\/ssh_keys\// }, { kind: "502", processed: true });
  const plan = planDestroy(await discoverCluster(env.hc, "demo"));
  await executeDestroy(env.deps, plan, recordingProgress());
  assertEquals(env.sim.requests.filter((r) => r.fault).map((r) => `${r.method} ${r.path.split("/")[1]} ${r.fault}`), [
    "DELETE servers 503",
    "DELETE networks locked",
    "DELETE ssh_keys 502",
  ]);
  const s = env.sim.state;
  assertEquals([s.servers.size, s.networks.size, s.firewalls.size, s.loadBalancers.size, s.sshKeys.size], [
    0,
    0,
    0,
    0,
    0,
  ]);
});
