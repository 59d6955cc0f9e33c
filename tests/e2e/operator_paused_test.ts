/**
 * `spec.paused: true` on a cluster made by the real `apply`: a workers change made while paused (through
 * `k8zner.yaml` and `apply --yes`) creates nothing while the real operator still reports
 * (Progressing False, reason Paused, for the new generation); unpausing carries the change out.
 *
 * @module
 */
import { assertEquals } from "../assert.ts";
import { withFakes } from "../fake_contracts.ts";
import { controlPlaneNames, startScenario, workerNames } from "./operator_scenario.ts";

Deno.test(withFakes(
  "a paused cluster takes no action on a spec change; unpausing applies it",
  async (t) => {
    const started = Date.now();
    await using s = await startScenario("pz", "dev", 1);
    const generation = () =>
      (s.store().getObject("k8zner.io/v1alpha1", "K8znerCluster", "pz", "k8zner-system")!.metadata as {
        generation: number;
      }).generation;

    await t.step("the cluster runs with one worker", async () => {
      await s.waitForReadyNodes([...controlPlaneNames("pz", 1), ...workerNames("pz", 1)]);
    });

    await t.step("paused, a change to two workers creates no server; Progressing False Paused", async () => {
      await s.patchCluster({ spec: { paused: true } });
      await s.applyWorkers(2);
      const spec = s.store().getObject("k8zner.io/v1alpha1", "K8znerCluster", "pz", "k8zner-system")!.spec as {
        paused?: boolean;
        workers: { count: number };
      };
      assertEquals([spec.paused, spec.workers.count], [true, 2], "apply kept the pause and changed the count");
      const want = generation();
      await s.until("Progressing False Paused for the new generation", () => {
        const c = s.condition("Progressing") as { status: string; reason?: string; observedGeneration?: number };
        return c?.status === "False" && c.reason === "Paused" && c.observedGeneration === want;
      });
      const posts = () =>
        s.cloud.sim.requests.filter((r) =>
          r.userAgent?.startsWith("k8zner-operator/") && r.method !== "GET" && r.method !== "HEAD"
        ).length;
      const before = posts();
      // 5 s real is 1000 s simulated and many requeues of the operator: it still does nothing.
      await new Promise((r) => setTimeout(r, 5_000));
      assertEquals([...s.servers().keys()].sort(), [...controlPlaneNames("pz", 1), ...workerNames("pz", 1)].sort());
      assertEquals(posts(), before, "no mutating Hetzner request while paused");
      assertEquals(s.condition("Progressing")?.reason, "Paused");
    });

    await t.step("unpaused, the operator creates the second worker and it turns Ready", async () => {
      const t0 = Date.now();
      await s.patchCluster({ spec: { paused: false } });
      await s.waitForReadyNodes([...controlPlaneNames("pz", 1), ...workerNames("pz", 2)], 90_000);
      await s.until("WorkersReady True", () => s.condition("WorkersReady")?.status === "True");
      console.log(`unpause to two Ready workers: ${Date.now() - t0} ms; scenario ${Date.now() - started} ms`);
    });
  },
));
