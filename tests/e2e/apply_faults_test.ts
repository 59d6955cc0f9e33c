/**
 * With 5% of Hetzner requests failing (5xx, 429, slow timeouts, and 502s whose request was carried
 * out anyway, like a lost response), `apply` still converges: ten seeds, ten fresh local clouds, each
 * run exits 0 with no duplicate or leaked resource and one etcd bootstrap; with the faults gone, a
 * re-run sends only GETs. And `423 locked` answered to actions (what Hetzner does when an action
 * meets a resource busy with another, contracts/hcloud-behaviour.md; never on a GET or a create) is
 * waited out.
 *
 * `K8ZNER_E2E_FAULT_SEEDS=1,2` picks seeds (default 1-10, about 5 s each).
 *
 * @module
 */
import { assertEquals, assertOk } from "../assert.ts";
import type { FaultKind, FaultSpec } from "../hcloud_sim/mod.ts";
import { startLocalCloud } from "../local_cloud/mod.ts";
import { findLeaks } from "./cloud_inventory.ts";
import { bootstrapCalls, handoverObjects, k8zner, makeWorkdir, mutating, renderConfig } from "./apply_harness.ts";

const KINDS: (FaultKind | FaultSpec)[] = [
  "5xx",
  "429",
  { kind: "timeout", delayMs: 300 },
  { kind: "502", processed: true },
];
const chosen = Deno.env.get("K8ZNER_E2E_FAULT_SEEDS");
const SEEDS = chosen ? chosen.split(",").map(Number) : [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

for (const seed of SEEDS) {
  Deno.test(`apply converges with 5% injected Hetzner faults (seed ${seed})`, async () => {
    const cloud = await startLocalCloud({ speed: 200, seed, faults: { rate: 0.05, kinds: KINDS } });
    const dir = await makeWorkdir(renderConfig("faulty", "dev"));
    try {
      const r = await k8zner(cloud, dir, ["apply"]);
      const faulted = r.requests.filter((q) => q.fault !== undefined && q.fault !== null).length;
      console.log(`seed ${seed}: exit ${r.code} in ${r.ms} ms, ${r.requests.length} requests, ${faulted} faulted`);
      assertEquals(r.code, 0, `${r.stdout}\n${r.stderr}`);
      await cloud.idle();
      assertEquals(findLeaks(cloud.sim.state), []);
      assertEquals([...cloud.sim.state.servers.values()].map((s) => s.name), ["faulty-cp-1"]);
      assertEquals(bootstrapCalls(cloud), 1);
      const objects = handoverObjects(cloud, "faulty");
      assertOk(objects.deployment && objects.cluster, "operator and K8znerCluster present");
      cloud.sim.faults.clear();
      const again = await k8zner(cloud, dir, ["apply"]);
      assertEquals(again.code, 0, again.stderr);
      assertEquals(mutating(again.requests).map((q) => `${q.method} ${q.path}`), []);
    } finally {
      await cloud.close();
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test("apply waits out 423 locked answered to the actions it starts", async () => {
  const cloud = await startLocalCloud({ speed: 200 });
  const dir = await makeWorkdir(renderConfig("locked", "dev"));
  // Each kind of action apply starts is answered `locked` once (image build, network, servers).
  for (const action of ["enable_rescue", "poweroff", "create_image", "attach_to_network", "poweron"]) {
    cloud.sim.faults.failNext({ method: "POST", path: new RegExp(`/actions/${action}$`) }, "locked");
  }
  try {
    const r = await k8zner(cloud, dir, ["apply"]);
    assertEquals(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assertEquals(r.requests.filter((q) => q.status === 423).length, 5);
    await cloud.idle();
    assertEquals(findLeaks(cloud.sim.state), []);
    assertEquals(bootstrapCalls(cloud), 1);
  } finally {
    await cloud.close();
    await Deno.remove(dir, { recursive: true });
  }
});
