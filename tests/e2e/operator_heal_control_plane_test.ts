/**
 * Healing a control plane, end to end: an ha cluster made by the real `apply` (the operator adds cp-2,
 * cp-3 and the worker), a control plane powered off as a user would in the Hetzner console is replaced
 * with quorum kept (its etcd member removed, the new server's member joined, three voters); a second
 * failure while one control plane is down is refused: nothing is deleted and no member removed.
 *
 * @module
 */
import { assertEquals, assertNotEquals, assertOk } from "../assert.ts";
import { withFakes } from "../fake_contracts.ts";
import {
  controlPlaneNames,
  etcdMembers,
  etcdSummary,
  powerOff,
  startScenario,
  workerNames,
} from "./operator_scenario.ts";

Deno.test(withFakes(
  "a powered-off control plane is replaced with etcd quorum kept; a second failure is refused",
  async (t) => {
    const started = Date.now();
    await using s = await startScenario("hc", "ha", 1, { threshold: "5s" });
    const all = [...controlPlaneNames("hc", 3), ...workerNames("hc", 1)];

    await t.step("the operator completes the ha cluster: three voters, every Node Ready", async () => {
      await s.waitForReadyNodes(all, 180_000);
      await s.until("three etcd voters", () => etcdSummary(s.cloud).join() === controlPlaneNames("hc", 3).join());
      await s.until("CNIReady True", () => s.condition("CNIReady")?.status === "True");
      console.log(`apply to complete ha cluster: ${Date.now() - started} ms`);
    });

    await t.step("hc-cp-3 powered off is replaced: member removed, new member a voter, 3 voters", async () => {
      const old = s.servers().get("hc-cp-3")!;
      const oldMember = etcdMembers(s.cloud).find((m) => m.hostname === "hc-cp-3")!;
      const t0 = Date.now();
      await powerOff(s.cloud, old.id);
      const replaced = await s.until("a new hc-cp-3 server", () => {
        const now = s.servers().get("hc-cp-3");
        return now && now.id !== old.id && now;
      }, 120_000);
      console.log(`power-off to replacement server: ${Date.now() - t0} ms`);
      // The old member went before the new server was created: etcd then had two voters, both up.
      assertEquals(s.cloud.sim.state.servers.has(old.id), false, "the dead server was deleted");
      await s.waitForReadyNodes(all, 120_000);
      await s.until(
        "three voters again",
        () => etcdSummary(s.cloud).join() === controlPlaneNames("hc", 3).join(),
        120_000,
      );
      const member = etcdMembers(s.cloud).find((m) => m.hostname === "hc-cp-3")!;
      assertNotEquals(member.id, oldMember.id, "a new member, the dead one removed");
      assertEquals(etcdMembers(s.cloud).length, 3, "no stray member");
      assertEquals(
        (s.store().getObject("v1", "Node", "hc-cp-3")!.spec as { providerID: string }).providerID,
        `hcloud://${replaced.id}`,
      );
      await s.until("ControlPlaneReady True", () => s.condition("ControlPlaneReady")?.status === "True");
      console.log(`power-off to replaced control plane: ${Date.now() - t0} ms`);
    });

    await t.step("a second control plane failing while one is down: nothing deleted, no member removed", async () => {
      const before = s.servers();
      const members = etcdSummary(s.cloud);
      const deletes = () =>
        s.cloud.sim.requests.filter((r) => r.method === "DELETE" && r.userAgent?.startsWith("k8zner-operator/")).length;
      const deletesBefore = deletes();
      await powerOff(s.cloud, before.get("hc-cp-3")!.id);
      await powerOff(s.cloud, before.get("hc-cp-2")!.id);
      // Well past the threshold: the operator has looked at etcd and refused.
      await new Promise((r) => setTimeout(r, 20_000));
      assertEquals(deletes(), deletesBefore, "no server deleted");
      assertEquals(etcdSummary(s.cloud), members, "no member removed");
      assertEquals([...s.servers()].map(([n, v]) => `${n} ${v.id}`), [...before].map(([n, v]) => `${n} ${v.id}`));
      // With two of three members down etcd has no quorum, so no API server of the cluster answers (as on a
      // real cluster): the operator cannot read or write anything there, gives up its Lease and waits.
      assertOk(s.cloud.kubeApiServers.size === 0, `API servers still up: ${[...s.cloud.kubeApiServers.keys()]}`);
      assertOk(
        [...s.cloud.operatorPods.values()].some((p) => p.lines.some((l) => l.includes("lost leadership"))),
        s.operatorOutput(),
      );
      console.log(`scenario ${Date.now() - started} ms`);
    });
  },
));
