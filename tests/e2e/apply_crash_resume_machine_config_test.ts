/**
 * Crash-resume right after the first control plane took its machine config (Talos
 * `ApplyConfiguration`), a kill the chain (`apply_crash_resume_chain_test.ts`) never makes: a first
 * `apply` in a fresh local cloud is SIGKILLed there, and the next run must converge
 * ({@link assertConverged}) with etcd bootstrapped once. Why this point: `apply_crash_resume.ts`.
 *
 * @module
 */
import { assertOk } from "../assert.ts";
import { startLocalCloud } from "../local_cloud/mod.ts";
import { k8zner, makeWorkdir, mutating, renderConfig } from "./apply_harness.ts";
import { applyKilledWhen, assertConverged, CLUSTER, configApplied } from "./apply_crash_resume.ts";
import { withFakes } from "../fake_contracts.ts";

Deno.test(withFakes(
  "apply killed right after the machine config was applied converges on the next run without a second bootstrap",
  async () => {
    const cloud = await startLocalCloud({ speed: 200 });
    const dir = await makeWorkdir(renderConfig(CLUSTER, "dev"));
    try {
      const first = await applyKilledWhen(cloud, dir, () => configApplied(cloud));
      assertOk(first.killed, `the first run was killed (exit ${first.result.code})\n${first.result.stderr}`);
      const sent = mutating(first.requests).length;
      const history = `run 1 killed right after ApplyConfiguration, after ${sent} mutating requests`;
      await cloud.idle();
      const second = await k8zner(cloud, dir, ["apply"]);
      await assertConverged(cloud, dir, second, history);
    } finally {
      await cloud.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
));
