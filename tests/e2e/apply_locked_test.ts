/**
 * `423 locked` answered to actions (what Hetzner does when an action meets a resource busy with
 * another, contracts/hcloud-behaviour.md; never on a GET or a create) is waited out. The 5 %
 * random-fault runs over ten seeds live in `reliability_faults_test.ts`.
 *
 * @module
 */
import { assertEquals } from "../assert.ts";
import { startLocalCloud } from "../local_cloud/mod.ts";
import { findLeaks } from "./cloud_inventory.ts";
import { bootstrapCalls, k8zner, makeWorkdir, renderConfig } from "./apply_harness.ts";
import { withFakes } from "../fake_contracts.ts";

Deno.test(withFakes("apply waits out 423 locked answered to the actions it starts", async () => {
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
}));
