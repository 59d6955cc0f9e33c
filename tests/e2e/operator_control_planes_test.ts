/**
 * Control planes 1 -> 3 on a dev cluster made by the real `apply`, asked for the GitOps way
 * (`kubectl patch` of `spec.controlPlanes.count`) and carried out by the real operator processes: one
 * at a time, the next server created only once the previous one votes in etcd; at the end etcd lists
 * exactly the three control planes as voters.
 *
 * @module
 */
import { assertEquals, assertOk } from "../assert.ts";
import { withFakes } from "../fake_contracts.ts";
import { controlPlaneNames, etcdMembers, etcdSummary, startScenario, workerNames } from "./operator_scenario.ts";

Deno.test(withFakes(
  "the operator grows the control plane 1 -> 3 one etcd voter at a time",
  async (t) => {
    const started = Date.now();
    await using s = await startScenario("cp", "dev", 1);

    await t.step("the dev cluster runs with one control plane and one worker", async () => {
      await s.waitForReadyNodes([...controlPlaneNames("cp", 1), ...workerNames("cp", 1)]);
      assertEquals(etcdSummary(s.cloud), ["cp-cp-1"]);
    });

    await t.step("spec.controlPlanes.count 3: cp-2 votes before cp-3 is created; three voters at the end", async () => {
      const t0 = Date.now();
      await s.patchCluster({ spec: { controlPlanes: { count: 3 } } });
      // Watch the order as it happens: when cp-3's server first exists, cp-2 must already vote.
      const atCp3 = await s.until("cp-3's server", () => {
        if (!s.servers().has("cp-cp-3")) return undefined;
        return { etcd: etcdSummary(s.cloud), ms: Date.now() - t0 };
      }, 120_000);
      console.log(`cp-3 created after ${atCp3.ms} ms; etcd then: ${atCp3.etcd.join(", ")}`);
      assertEquals(atCp3.etcd, ["cp-cp-1", "cp-cp-2"], "cp-2 a voter (no learner) before cp-3 starts");
      await s.waitForReadyNodes([...controlPlaneNames("cp", 3), ...workerNames("cp", 1)], 120_000);
      await s.until(
        "ControlPlaneReady True and three voters",
        () =>
          s.condition("ControlPlaneReady")?.status === "True" &&
          etcdMembers(s.cloud).filter((m) => !m.isLearner).length === 3,
        120_000,
      );
      assertEquals(etcdSummary(s.cloud), controlPlaneNames("cp", 3), "3 voters, no learner, no stray member");
      const cpServers = [...s.servers().keys()].filter((n) => n.startsWith("cp-cp-")).sort();
      assertEquals(cpServers, controlPlaneNames("cp", 3), "no duplicate server");
      const creates = s.cloud.sim.requests.filter((r) =>
        r.method === "POST" && r.path === "/servers" && r.userAgent?.startsWith("k8zner-operator/") && r.status === 201
      );
      assertEquals(creates.length, 3, "w-1, cp-2, cp-3");
      assertOk(s.events().some((e) => e.includes("cp-cp-3")), s.events().join("\n"));
      console.log(`1 -> 3 control planes: ${Date.now() - t0} ms; scenario ${Date.now() - started} ms`);
    });
  },
));
