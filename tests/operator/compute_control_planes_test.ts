/**
 * The Compute step against a real local cloud: an `ha` cluster handed over by `k8zner apply` with one
 * control plane grows to three, one at a time, each started only once etcd lists the previous one as a
 * voting member; a server an interrupted pass left half-created is finished, never duplicated.
 *
 * @module
 */
import { assertEquals, assertOk } from "../assert.ts";
import { withFakes } from "../fake_contracts.ts";
import { bootstrapCalls } from "../e2e/apply_harness.ts";
import type { LocalCloud } from "../local_cloud/mod.ts";
import { createRequest } from "../../src/cluster/nodes/ensure_servers.ts";
import { expandSpec } from "../../src/config/mod.ts";
import type { StepOutcome } from "../../src/operator/reconcile/context.ts";
import { startComputeFixture } from "./context_fixture.ts";

/** etcd members as the fake Talos network of the cluster holds them. */
function etcdMembers(cloud: LocalCloud): { name: string; learner: boolean }[] {
  const members = [...cloud.talosNetworks.values()].flatMap((n) => n.etcd?.members ?? []);
  return members.map((m) => ({ name: m.hostname, learner: m.isLearner }));
}

function controlPlaneServers(cloud: LocalCloud, cluster: string): string[] {
  return [...cloud.sim.state.servers.values()].map((s) => s.name).filter((n) => n.startsWith(`${cluster}-cp-`)).sort();
}

Deno.test(withFakes(
  "control planes 1 to 3 one at a time: the next starts only once etcd lists the previous as a voting member",
  async () => {
    const started = Date.now();
    await using fx = await startComputeFixture({ name: "cpup", mode: "ha", workers: 1 });
    const applied = Date.now();
    assertEquals(controlPlaneServers(fx.cloud, "cpup"), ["cpup-cp-1"], "apply creates only the first");

    // An interrupted pass (or operator restart) left cp-2 created (and started), not yet in the network.
    const desired = expandSpec({ name: "cpup", region: "fsn1", mode: "ha", workers: { count: 1, size: "cx33" } });
    const plan = desired.servers.find((s) => s.name === "cpup-cp-2")!;
    const image = [...fx.cloud.sim.state.servers.values()].find((s) => s.name === "cpup-cp-1")!.imageId!;
    const half = await fx.cloudDeps.hc.servers.create(createRequest(plan, fx.infra, image));
    await fx.cloudDeps.actions.wait(half.actions);

    const order: string[] = [];
    let outcome: StepOutcome | undefined;
    // Talos adds a joining control plane as a learner and promotes it once it caught up: keep cp-2 a
    // learner for a while (the fake promotes by its promoteAt) and see that cp-3 waits for the promotion.
    let heldUntil: number | undefined;
    const messages: string[] = [];
    for (let pass = 1; pass <= 80; pass++) {
      const etcd = [...fx.cloud.talosNetworks.values()].map((n) => n.etcd).find((e) => e !== undefined);
      const cp2 = etcd?.members.find((m) => m.hostname === "cpup-cp-2");
      if (etcd && cp2 && heldUntil === undefined) {
        heldUntil = Date.now() + 1_500;
        cp2.isLearner = true;
        (etcd.promoteAt ??= new Map()).set(cp2.id, heldUntil);
      }
      const before = controlPlaneServers(fx.cloud, "cpup");
      const result = await fx.computePass();
      outcome = result.controlPlanes;
      messages.push(outcome.conditions[0]!.message);
      const added = controlPlaneServers(fx.cloud, "cpup").filter((n) => !before.includes(n));
      assertOk(added.length <= 1, `pass ${pass} added ${added.join(", ")} at once`);
      for (const name of added) {
        // Every control plane before it is a voting member (the exact moment is checked below for cp-3).
        const voters = etcdMembers(fx.cloud).filter((m) => !m.learner).map((m) => m.name);
        const previous = before.filter((n) => n < name);
        assertOk(
          previous.every((n) => voters.includes(n)),
          `${name} started while etcd voters were ${voters.join(", ")}`,
        );
        order.push(name);
      }
      if (outcome.done) break;
      await new Promise((r) => setTimeout(r, Math.min(result.controlPlanes.requeueAfterMs ?? 100, 100)));
    }
    const converged = Date.now();
    assertOk(heldUntil !== undefined && Date.now() > heldUntil, "cp-2 was held as a learner");
    const addedCp3 = fx.logs.find((l) => l.msg === "adding control plane" && l.node === "cpup-cp-3")!;
    assertOk(
      Date.parse(String(addedCp3.time)) >= heldUntil!,
      "cp-3 is added only after the fake promoted cp-2 to a voter",
    );
    assertOk(
      messages.includes("Control plane cpup-cp-2 (2 of 3) is joining: it is an etcd learner until Talos promotes it"),
      messages.join("\n"),
    );
    assertOk(outcome?.done, `not converged: ${JSON.stringify(outcome?.conditions)}`);
    assertEquals(order, ["cpup-cp-3"], "cp-2 was finished in place, cp-3 created after it joined");
    const servers = [...fx.cloud.sim.state.servers.values()].filter((s) => s.name.startsWith("cpup-cp-"));
    assertEquals(servers.map((s) => s.name).sort(), ["cpup-cp-1", "cpup-cp-2", "cpup-cp-3"], "no duplicate");
    assertEquals(servers.find((s) => s.name === "cpup-cp-2")!.id, half.server.id, "the half-created server reused");
    assertEquals(
      etcdMembers(fx.cloud).map((m) => m.name).sort(),
      ["cpup-cp-1", "cpup-cp-2", "cpup-cp-3"],
      "one etcd member per control plane, no stray member",
    );
    assertEquals(bootstrapCalls(fx.cloud), 1, "a joining control plane is never bootstrapped");
    assertEquals(outcome!.conditions, [{
      type: "ControlPlaneReady",
      status: "True",
      reason: "Ready",
      message: "3 of 3 control planes are etcd voting members with registered Nodes",
    }]);
    const status = outcome!.status!.controlPlanes as { desired: number; nodes: { name: string; serverID: number }[] };
    assertEquals(status.desired, 3);
    assertEquals(status.nodes.map((n) => n.name), ["cpup-cp-1", "cpup-cp-2", "cpup-cp-3"]);
    assertOk(status.nodes.every((n) => n.serverID > 0));
    const labels = (fx.store().getObject("v1", "Node", "cpup-cp-3")!.metadata as { labels: Record<string, string> })
      .labels;
    assertEquals([labels["k8zner.io/cluster"], labels["k8zner.io/role"]], ["cpup", "control-plane"]);
    const events = fx.store().list(fx.store().typeOf("v1", "Event"), "k8zner-system")
      .map((e) => String(e.reason));
    assertOk(events.includes("AddingControlPlane"), `events: ${events.join(", ")}`);
    console.log(
      `control planes 1->3: apply ${applied - started} ms, operator passes to 3 voting members ${
        converged - applied
      } ms`,
    );
  },
));
