/**
 * The judges of the end-to-end tests must be able to fail: leaks, duplicates and created counts
 * checked on a simulator populated through its API.
 *
 * @module
 */
import { assertEquals } from "../assert.ts";
import { startHcloudSimulator } from "../hcloud_sim/mod.ts";
import { call, fakeEd25519Key, waitForActions } from "../hcloud_sim/test_client.ts";
import { countByMethod, countCreated, findLeaks, listClusterResources } from "./cloud_inventory.ts";

const OWNED = { "k8zner.io/cluster": "a", "k8zner.io/managed-by": "k8zner" };

Deno.test("findLeaks() names unlabelled resources, leftover build servers and keys, and twice-built snapshots", async () => {
  await using sim = await startHcloudSimulator({ speed: 10_000 });
  const base = sim.url;
  assertEquals(findLeaks(sim.state), []);
  await call(base, "POST", "/networks", { name: "a", ip_range: "10.0.0.0/16", labels: OWNED });
  assertEquals(findLeaks(sim.state), []);
  await call(base, "POST", "/ssh_keys", { name: "a-default", public_key: fakeEd25519Key(2), labels: OWNED });
  assertEquals(findLeaks(sim.state), []);
  await call(base, "POST", "/firewalls", { name: "stray" });
  const buildLabels = { "k8zner.io/managed-by": "k8zner", "k8zner.io/purpose": "image-build" };
  await call(base, "POST", "/ssh_keys", { name: "k8zner-image", public_key: fakeEd25519Key(1), labels: buildLabels });
  const cp = await call(base, "POST", "/servers", {
    name: "a-cp-1",
    server_type: "cx23",
    image: "debian-12",
    location: "fsn1",
    labels: { ...OWNED, "k8zner.io/role": "control-plane" },
  });
  const build = await call(base, "POST", "/servers", {
    name: "k8zner-image",
    server_type: "cx23",
    image: "debian-12",
    location: "fsn1",
    labels: buildLabels,
  });
  await waitForActions(base, [cp.body.action.id, build.body.action.id]);
  const talos = { "k8zner.io/managed-by": "k8zner", "k8zner.io/image": "talos" };
  sim.addSnapshot({ description: "talos", labels: talos });
  sim.addSnapshot({ description: "talos again", labels: talos });
  const problems = findLeaks(sim.state);
  assertEquals(problems.length, 4, problems.join("\n"));
  assertEquals(problems.some((p) => p.startsWith(`firewalls`) && p.includes("no k8zner.io/managed-by")), true);
  assertEquals(problems.some((p) => p.startsWith(`ssh_keys`) && p.includes("left behind")), true);
  assertEquals(
    problems.some((p) => p.startsWith("servers") && p.includes(`"k8zner-image" is not a cluster node`)),
    true,
  );
  assertEquals(problems.some((p) => p.startsWith("images") && p.includes("duplicates")), true);
  assertEquals(listClusterResources(sim.state, "a").map((r) => r.kind).sort(), [
    "networks",
    "servers",
    "ssh_keys",
  ]);
  assertEquals(listClusterResources(sim.state, "b"), []);
});

Deno.test("countCreated() counts successful creates by kind, and countByMethod() every request", async () => {
  await using sim = await startHcloudSimulator({ speed: 10_000 });
  await call(sim.url, "POST", "/networks", { name: "a", ip_range: "10.0.0.0/16" });
  await call(sim.url, "POST", "/networks", { name: "a", ip_range: "10.0.0.0/16" }); // 409 uniqueness_error
  await call(sim.url, "POST", "/placement_groups", { name: "a-pg", type: "spread" });
  await call(sim.url, "GET", "/networks");
  assertEquals(countCreated(sim.requests), { networks: 1, placement_groups: 1 });
  assertEquals(countByMethod(sim.requests), { POST: 3, GET: 1 });
});
