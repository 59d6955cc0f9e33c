import { assertEquals } from "../../../tests/assert.ts";
import { startClusterEnv } from "../../../tests/cluster_env.ts";
import { expandSpec } from "../../config/mod.ts";
import { discoverCluster } from "./discover.ts";
import { fakeEd25519Key } from "../../../tests/hcloud_sim/test_client.ts";

const desired = expandSpec({
  name: "demo",
  region: "fsn1",
  mode: "dev",
  workers: { count: 1, size: "cx33" },
  api_allowlist: ["198.51.100.0/24"],
});
const OURS = { "k8zner.io/cluster": "demo", "k8zner.io/managed-by": "k8zner" };

Deno.test("discoverCluster() with a desired state lists each named kind once and finds ours and foreign names", async () => {
  await using env = await startClusterEnv();
  const { hc } = env;
  const network = (await hc.networks.create({ name: "demo", ip_range: "10.0.0.0/16", labels: OURS })).network;
  // Same-named, not ours: a hand-made firewall and another cluster's SSH key.
  const firewall = (await hc.firewalls.create({ name: "demo", labels: { team: "web" } })).firewall;
  const key = (await hc.sshKeys.create({
    name: "demo-default",
    public_key: fakeEd25519Key(1),
    labels: { "k8zner.io/cluster": "other" },
  })).sshKey;
  // Neither ours nor named like anything of ours: not reported.
  await hc.networks.create({ name: "unrelated", ip_range: "10.9.0.0/16" });
  const before = env.sim.requests.length;

  const observed = await discoverCluster(hc, "demo", { desired });
  const sent = env.sim.requests.slice(before);
  assertEquals(sent.every((r) => r.method === "GET"), true);
  // Servers, networks, firewalls, load balancers, placement groups, SSH keys unfiltered; volumes and
  // primary IPs by label. No lookup by name, however many names are missing.
  assertEquals(sent.length, 8, sent.map((r) => `${r.path}?${r.query}`).join("\n"));
  assertEquals(sent.filter((r) => r.query.includes("name=")).length, 0);
  assertEquals(observed.networks.map((n) => n.id), [network.id]);
  assertEquals([observed.firewalls.length, observed.sshKeys.length, observed.servers.length], [0, 0, 0]);
  assertEquals(
    observed.conflicts.map((c) => [c.kind, c.name, c.id, c.owner]).sort(),
    [
      ["firewall", "demo", firewall.id, "not created by k8zner (no k8zner.io/cluster label)"],
      ["ssh_key", "demo-default", key.id, 'labelled for cluster "other"'],
    ],
  );
  // The unfiltered lists are kept for the image build's leftover checks.
  assertEquals(observed.project?.networks.map((n) => n.name).sort(), ["demo", "unrelated"]);
  assertEquals(observed.project?.sshKeys.map((k) => k.id), [key.id]);
});

Deno.test("discoverCluster() without a desired state lists by label only and reports no conflicts", async () => {
  await using env = await startClusterEnv();
  await env.hc.firewalls.create({ name: "demo", labels: { team: "web" } });
  const before = env.sim.requests.length;
  const observed = await discoverCluster(env.hc, "demo");
  const sent = env.sim.requests.slice(before);
  assertEquals(sent.length, 9);
  assertEquals(sent.filter((r) => !r.query.includes("label_selector=")).length, 0);
  assertEquals([observed.firewalls.length, observed.conflicts.length, observed.project], [0, 0, undefined]);
});
