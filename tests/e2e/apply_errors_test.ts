/**
 * `apply` refuses early: a bad config (exit 2) or a missing token (exit 1) fail before any request
 * to Hetzner, with a message naming the problem; a failure midway keeps everything and says how to
 * resume.
 *
 * @module
 */
import { assertEquals, assertIncludes, assertOk } from "../assert.ts";
import { startLocalCloud } from "../local_cloud/mod.ts";
import { cloudEnv, k8zner, makeWorkdir, mutating, renderConfig } from "./apply_harness.ts";
import { withFakes } from "../fake_contracts.ts";

Deno.test(withFakes("apply with a bad config exits 2 naming the field, before any Hetzner request", async () => {
  const cloud = await startLocalCloud({ speed: 200, rescueSsh: false });
  const dir = await makeWorkdir(renderConfig("bad", "dev").replace("region: fsn1", "region: mars1"));
  try {
    const r = await k8zner(cloud, dir, ["apply", "--yes"]);
    assertEquals(r.code, 2, r.stderr);
    assertIncludes(r.stderr, "region");
    assertIncludes(r.stderr, "mars1");
    assertEquals(r.requests.length, 0);
    const plan = await k8zner(cloud, dir, ["plan"]);
    assertEquals(plan.code, 2, plan.stderr);
    assertEquals(plan.requests.length, 0);
  } finally {
    await cloud.close();
    await Deno.remove(dir, { recursive: true });
  }
}));

Deno.test(withFakes(
  "apply without HCLOUD_TOKEN exits 1 with a hint, before any request and without writing secrets",
  async () => {
    const cloud = await startLocalCloud({ speed: 200, rescueSsh: false });
    const dir = await makeWorkdir(renderConfig("notoken", "dev"));
    try {
      const env = cloudEnv(cloud);
      delete env.HCLOUD_TOKEN;
      const r = await k8zner(cloud, dir, ["apply"], env);
      assertEquals(r.code, 1, r.stderr);
      assertIncludes(r.stderr, "HCLOUD_TOKEN is not set");
      assertIncludes(r.stderr, "hint:");
      assertEquals(r.requests.length, 0);
      const secrets = await Deno.stat(`${dir}/secrets`).then(() => true, () => false);
      assertOk(!secrets, "no secrets directory before the token check passed");
    } finally {
      await cloud.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
));

Deno.test(withFakes("apply that fails midway keeps what it created and says to run apply again", async () => {
  const cloud = await startLocalCloud({ speed: 200, rescueSsh: false });
  const dir = await makeWorkdir(renderConfig("midway", "dev"));
  try {
    // Every server create fails for good: the image build cannot start (no server), the network and
    // firewall are created in parallel and must survive the failure.
    cloud.sim.faults.failNext({ method: "POST", path: "/servers", times: 1000 }, "500");
    // Each pass retries the create 10 times with backoff, then pauses before the next pass: over 3
    // minutes of waiting that this fault needs none of. cloudEnv caps every wait and keeps all attempts.
    const r = await k8zner(cloud, dir, ["apply"]);
    assertEquals(r.code, 1, r.stderr);
    assertIncludes(r.stderr, "apply stopped at");
    assertIncludes(r.stderr, "(pass 5 of 5)");
    assertIncludes(r.stderr, 'run "k8zner apply" again to resume');
    const deletes = mutating(r.requests).filter((q) => q.method === "DELETE");
    const networks = [...cloud.sim.state.networks.values()].filter((n) => n.name === "midway");
    assertEquals(networks.length, 1, "the network is kept");
    assertEquals(deletes.filter((q) => /^\/(networks|firewalls|load_balancers)/.test(q.path)), []);
  } finally {
    await cloud.close();
    await Deno.remove(dir, { recursive: true });
  }
}));
