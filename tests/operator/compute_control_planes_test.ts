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

    // An interrupted pass (or operator restart) left cp-2 created stopped, not yet in the network.
    const desired = expandSpec({ name: "cpup", region: "fsn1", mode: "ha", workers: { count: 1, size: "cx33" } });
    const plan = desired.servers.find((s) => s.name === "cpup-cp-2")!;
    const image = [...fx.cloud.sim.state.servers.values()].find((s) => s.name === "cpup-cp-1")!.imageId!;
    const half = await fx.cloudDeps.hc.servers.create(createRequest(plan, fx.infra, image));
    await fx.cloudDeps.actions.wait(half.actions);

    const order: string[] = [];
    let outcome: StepOutcome | undefined;
    // Talos adds a joining control plane as a learner and promotes it later: hold cp-2 as a learner for a
    // few passes (whether or not the fake did so itself) and see that cp-3 waits for the promotion.
    let learnerPasses = 0;
    const messages: string[] = [];
    for (let pass = 1; pass <= 80; pass++) {
      const cp2 = [...fx.cloud.talosNetworks.values()].flatMap((n) => n.etcd?.members ?? [])
        .find((m) => m.hostname === "cpup-cp-2");
      if (cp2 && learnerPasses < 3) {
        cp2.isLearner = true;
        learnerPasses++;
      } else if (cp2) cp2.isLearner = false;
      const before = controlPlaneServers(fx.cloud, "cpup");
      const votersBefore = etcdMembers(fx.cloud).filter((m) => !m.learner).map((m) => m.name);
      const result = await fx.computePass();
      outcome = result.controlPlanes;
      messages.push(outcome.conditions[0]!.message);
      const added = controlPlaneServers(fx.cloud, "cpup").filter((n) => !before.includes(n));
      assertOk(added.length <= 1, `pass ${pass} added ${added.join(", ")} at once`);
      for (const name of added) {
        // Every control plane before it must have been a voting member when this pass started.
        const previous = before.filter((n) => n < name);
        assertOk(
          previous.every((n) => votersBefore.includes(n)),
          `${name} started while etcd voters were ${votersBefore.join(", ")}`,
        );
        order.push(name);
      }
      if (outcome.done) break;
      await new Promise((r) => setTimeout(r, Math.min(result.controlPlanes.requeueAfterMs ?? 100, 100)));
    }
    const converged = Date.now();
    assertEquals(learnerPasses, 3);
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
