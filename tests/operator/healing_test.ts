import { assertEquals, assertMatch, assertOk, assertRejects } from "../assert.ts";
import { withFakes } from "../fake_contracts.ts";
import { GrpcCode } from "../../src/talos/api_client.ts";
import { reconcileHealing } from "../../src/operator/reconcile/healing/mod.ts";
import { REPLACEMENT_MEMORY_KEY } from "../../src/operator/reconcile/healing/replacement.ts";
import { LeadershipLostError } from "../../src/operator/runtime/mod.ts";
import { MIN, startHealingWorld, T0 } from "./healing_fixture.ts";

const OFF = T0 + 50 * MIN;

function degradedOf(outcome: { conditions: Array<{ type: string; status: string; reason: string; message: string }> }) {
  const c = outcome.conditions.find((c) => c.type === "Degraded");
  assertOk(c, "healing reports the Degraded condition");
  return c;
}

Deno.test(withFakes(
  "healing replaces a dead control plane with quorum kept: member removed by id, then server and Node, then added",
  async () => {
    await using world = await startHealingWorld();
    const deadId = world.network.etcd!.members.find((m) => m.hostname === "demo-cp-2")!.id;
    await world.powerOff("demo-cp-2", OFF);
    const oldNode = world.view.nodes.find((n) => n.metadata.name === "demo-cp-2")!;
    world.setNow(OFF + 5 * MIN);

    const outcome = await reconcileHealing(world.ctx, world.snapshot(), world.actions);

    assertEquals(world.timeline, [
      "requireLeadership remove etcd member demo-cp-2",
      "requireLeadership delete server and Node demo-cp-2",
      "removeUnreachable demo-cp-2 (etcd: demo-cp-1 demo-cp-3)",
      "addNode demo-cp-2 (etcd: demo-cp-1 demo-cp-3)",
    ]);
    const removals = world.talosNode("demo-cp-1")!.state.calls.filter((c) => c.method === "EtcdRemoveMemberByID");
    assertEquals(removals.map((c) => c.code), [0], "removed once, through the first healthy control plane");
    const degraded = degradedOf(outcome);
    assertEquals([degraded.status, degraded.reason], ["True", "NodeReplacing"]);
    assertEquals([outcome.done, outcome.requeueAfterMs], [false, 5_000]);
    // The new node joined etcd under the same name with a new member id.
    assertEquals(world.etcdMembers(), ["demo-cp-1", "demo-cp-2", "demo-cp-3"]);
    assertOk(world.network.etcd!.members.every((m) => m.id !== deadId));
    const events = world.events();
    assertEquals(events.map((e) => e.split(":")[0]), [
      "Warning ReplacingNode",
      "Normal EtcdMemberRemoved",
      "Normal NodeRemoved",
      "Normal NodeAdded",
    ]);
    assertEquals(
      events[0],
      "Warning ReplacingNode: Replacing control plane demo-cp-2: NotReady for 5m00s (threshold 5m00s)",
    );
    assertMatch(
      events[1]!,
      new RegExp(`demo-cp-2 \\(${deadId.toString(16)}\\) through demo-cp-1: its node is being replaced`),
    );
    assertMatch(
      (await world.metrics.render()).body,
      /k8zner_node_replacements_total\{cluster="demo",role="control-plane"\} 1/,
    );
    assertMatch((await world.metrics.render()).body, /k8zner_etcd_members\{cluster="demo"\} 3/);
    assertOk(world.logs.some((l) => l.msg === "etcd member removed" && l.member === "demo-cp-2"));

    // Next pass, 5 s later: the watch still has the old Node object; nothing new happens.
    world.setNow(OFF + 5 * MIN + 5_000);
    const stale = await reconcileHealing(
      world.ctx,
      { servers: world.view.servers, nodes: [...world.view.nodes, oldNode] },
      world.actions,
    );
    assertEquals(world.actions.calls.length, 2);
    assertEquals(degradedOf(stale).message, "Replacing control plane demo-cp-2: waiting for its new Node to register");

    // The new kubelet registers, the CNI runs on it: Ready, and etcd lists it as a voting member.
    world.setNode("demo-cp-2", { state: "ready", createdAt: OFF + 6 * MIN, uid: "new-cp-2" });
    await world.untilVoters();
    world.setNow(OFF + 7 * MIN);
    const done = await reconcileHealing(world.ctx, world.snapshot(), world.actions);
    assertEquals(
      [degradedOf(done).status, degradedOf(done).reason],
      ["False", "NodesHealthy"],
      degradedOf(done).message,
    );
    assertEquals(done.done, true);
    assertEquals(world.ctx.memory.has(REPLACEMENT_MEMORY_KEY), false);
    assertMatch(
      world.events().at(-1)!,
      /^Normal NodeReplaced: Replaced control plane demo-cp-2: its new Node is Ready and votes in etcd/,
    );
    assertEquals(world.actions.calls, ["removeUnreachable demo-cp-2", "addNode demo-cp-2"]);
  },
));

Deno.test(withFakes("healing aborts a control-plane replacement when the etcd member removal fails", async () => {
  await using world = await startHealingWorld();
  await world.powerOff("demo-cp-3", OFF);
  world.setNow(OFF + 10 * MIN);
  world.talosNode("demo-cp-1")!.faults.failNext(
    "EtcdRemoveMemberByID",
    GrpcCode.DEADLINE_EXCEEDED,
    "etcdserver: request timed out",
  );

  const outcome = await reconcileHealing(world.ctx, world.snapshot(), world.actions);

  assertEquals(world.actions.calls, [], "no server or Node deleted, nothing added");
  assertEquals(world.timeline, ["requireLeadership remove etcd member demo-cp-3"]);
  assertEquals(world.etcdMembers(), ["demo-cp-1", "demo-cp-2", "demo-cp-3"]);
  const degraded = degradedOf(outcome);
  assertEquals([degraded.status, degraded.reason], ["True", "EtcdMemberRemovalFailed"]);
  assertMatch(
    degraded.message,
    /Could not remove etcd member demo-cp-3 \([0-9a-f]+\) through demo-cp-1: DEADLINE_EXCEEDED: etcdserver: request timed out; stopped before deleting any server or Node/,
  );
  assertEquals(world.events().at(-1)!.split(":")[0], "Warning EtcdMemberRemovalFailed");
  assertEquals(world.ctx.memory.has(REPLACEMENT_MEMORY_KEY), false, "the next pass starts over with an audit");

  // The next pass audits again and goes through.
  const retry = await reconcileHealing(world.ctx, world.snapshot(), world.actions);
  assertEquals(degradedOf(retry).reason, "NodeReplacing");
  assertEquals(world.actions.calls, ["removeUnreachable demo-cp-3", "addNode demo-cp-3"]);
}));

Deno.test(
  withFakes("healing does nothing destructive when two of three control planes are down: QuorumAtRisk", async () => {
    await using world = await startHealingWorld();
    await world.powerOff("demo-cp-2", OFF);
    await world.powerOff("demo-cp-3", OFF + MIN);
    world.setNow(OFF + 20 * MIN);

    const outcome = await reconcileHealing(world.ctx, world.snapshot(), world.actions);

    const degraded = degradedOf(outcome);
    assertEquals([degraded.status, degraded.reason], ["True", "QuorumAtRisk"]);
    // Without quorum no etcd passes Talos's health check (a quorum read), the survivor's included.
    assertMatch(
      degraded.message,
      /Not replacing demo-cp-2: etcd quorum at risk: only 0 of 3 voting members are healthy, 2 are needed/,
    );
    assertMatch(degraded.message, /members demo-cp-1, demo-cp-2, demo-cp-3; down: demo-cp-1, demo-cp-2, demo-cp-3/);
    assertEquals(world.actions.calls, []);
    assertEquals(world.timeline, [], "not even a leadership check: nothing destructive was attempted");
    assertEquals(world.etcdMembers(), ["demo-cp-1", "demo-cp-2", "demo-cp-3"]);
    assertEquals(world.talosNode("demo-cp-1")!.state.calls.filter((c) => c.method === "EtcdRemoveMemberByID"), []);
    assertEquals(world.events(), [`Warning QuorumAtRisk: ${degraded.message}`]);
    assertEquals(world.ctx.memory.has(REPLACEMENT_MEMORY_KEY), false);
  }),
);

Deno.test(
  withFakes(
    "a second control plane failing while the first one's replacement joins is reported as QuorumAtRisk",
    async () => {
      await using world = await startHealingWorld();
      await world.powerOff("demo-cp-1", OFF);
      world.setNow(OFF + 6 * MIN);
      await reconcileHealing(world.ctx, world.snapshot(), world.actions);
      assertEquals(world.actions.calls, ["removeUnreachable demo-cp-1", "addNode demo-cp-1"]);
      // The replacement joined etcd but has not registered its Node yet; then it and demo-cp-3 lose power.
      world.talosNode("demo-cp-1")!.scheduleShutdown();
      await world.talosNode("demo-cp-1")!.waitForBoot();
      await world.powerOff("demo-cp-3", OFF + 7 * MIN);
      world.setNow(OFF + 8 * MIN);

      const outcome = await reconcileHealing(world.ctx, world.snapshot(), world.actions);

      assertEquals(degradedOf(outcome).reason, "QuorumAtRisk");
      // The replacement is still a learner (it lost power before Talos promoted it): 1 of 2 voters up is no
      // quorum, so no etcd passes its health check.
      assertMatch(degradedOf(outcome).message, /while demo-cp-1 joins: only 0 of 2 voting members are healthy/);
      assertEquals(world.actions.calls, ["removeUnreachable demo-cp-1", "addNode demo-cp-1"], "no second replacement");
      assertEquals(world.etcdMembers(), ["demo-cp-1", "demo-cp-2", "demo-cp-3"]);
    },
  ),
);

Deno.test(withFakes("a powered-off worker is replaced after the threshold and not before, one at a time", async () => {
  await using world = await startHealingWorld({ threshold: "3m" });
  const w1 = world.view.servers.find((s) => s.name === "demo-w-1")!;
  world.setNode("demo-w-1", { state: "unknown", createdAt: T0, since: OFF });
  world.setNode("demo-w-2", { state: "unknown", createdAt: T0, since: OFF + 30_000 });

  world.setNow(OFF + 3 * MIN - 1_000);
  const before = await reconcileHealing(world.ctx, world.snapshot(), world.actions);
  assertEquals(world.actions.calls, []);
  assertEquals(world.timeline, []);
  const watching = degradedOf(before);
  assertEquals([watching.status, watching.reason], ["True", "NodeNotReady"]);
  assertEquals(
    watching.message,
    "demo-w-1 unreachable since 2026-12-01T10:50:00Z, replaced at 2026-12-01T10:53:00Z; " +
      "demo-w-2 unreachable since 2026-12-01T10:50:30Z, replaced at 2026-12-01T10:53:30Z if still not Ready then",
  );
  assertEquals(before.requeueAfterMs, 1_000);

  world.setNow(OFF + 3 * MIN);
  const replacing = await reconcileHealing(world.ctx, world.snapshot(), world.actions);
  assertEquals(world.timeline, [
    "requireLeadership delete server and Node demo-w-1",
    "removeUnreachable demo-w-1 (etcd: demo-cp-1 demo-cp-2 demo-cp-3)",
    "addNode demo-w-1 (etcd: demo-cp-1 demo-cp-2 demo-cp-3)",
  ]);
  assertEquals(degradedOf(replacing).reason, "NodeReplacing");
  assertOk(world.view.servers.find((s) => s.name === "demo-w-1")!.id !== w1.id, "a new server under the same name");
  for (const name of ["demo-cp-1", "demo-cp-2", "demo-cp-3"]) {
    const calls = world.talosNode(name)!.state.calls.map((c) => c.method);
    assertEquals(calls.filter((m) => m.startsWith("Etcd")), [], `a worker replacement does not touch etcd (${name})`);
  }

  // demo-w-2 is past the threshold too, but waits: one replacement at a time.
  world.setNow(OFF + 4 * MIN);
  world.setNode("demo-w-1", { state: "not-ready", createdAt: OFF + 3 * MIN + 20_000, uid: "new-w-1" });
  const waiting = await reconcileHealing(world.ctx, world.snapshot(), world.actions);
  assertEquals(degradedOf(waiting).message, "Replacing worker demo-w-1: waiting for its Node to be Ready");
  assertEquals(world.actions.calls, ["removeUnreachable demo-w-1", "addNode demo-w-1"]);

  world.setNode("demo-w-1", {
    state: "ready",
    createdAt: OFF + 3 * MIN + 20_000,
    since: OFF + 4 * MIN,
    uid: "new-w-1",
  });
  world.setNow(OFF + 4 * MIN + 5_000);
  await reconcileHealing(world.ctx, world.snapshot(), world.actions);
  assertEquals(world.actions.calls, [
    "removeUnreachable demo-w-1",
    "addNode demo-w-1",
    "removeUnreachable demo-w-2",
    "addNode demo-w-2",
  ]);
  assertMatch((await world.metrics.render()).body, /k8zner_node_replacements_total\{cluster="demo",role="worker"\} 2/);
}));

Deno.test(withFakes("healing does not act before CNIReady: NotReady means nothing until a CNI runs", async () => {
  await using world = await startHealingWorld({ cniReady: false });
  world.setNode("demo-w-1", { state: "not-ready", createdAt: T0 });
  world.setNow(T0 + 60 * MIN);
  const outcome = await reconcileHealing(world.ctx, world.snapshot(), world.actions);
  assertEquals([degradedOf(outcome).status, degradedOf(outcome).reason, outcome.done], [
    "False",
    "WaitingForCNI",
    true,
  ]);
  assertEquals([world.actions.calls, world.timeline, world.events()], [[], [], []]);
}));

Deno.test(withFakes("a failed addNode is retried on the next pass without removing anything twice", async () => {
  await using world = await startHealingWorld();
  await world.powerOff("demo-cp-2", OFF);
  world.setNow(OFF + 6 * MIN);
  world.actions.failNext("addNode", new Error("server create failed: resource_unavailable"));

  await assertRejects(
    () => reconcileHealing(world.ctx, world.snapshot(), world.actions),
    Error,
    "resource_unavailable",
  );
  assertEquals(
    world.events().at(-1),
    "Warning ReplacementFailed: Could not add demo-cp-2 while replacing it: server create failed: resource_unavailable; retrying",
  );
  assertEquals(world.etcdMembers(), ["demo-cp-1", "demo-cp-3"]);

  world.setNow(OFF + 7 * MIN);
  const retry = await reconcileHealing(world.ctx, world.snapshot(), world.actions);
  assertEquals(degradedOf(retry).reason, "NodeReplacing");
  assertEquals(world.actions.calls, ["removeUnreachable demo-cp-2", "addNode demo-cp-2", "addNode demo-cp-2"]);
  assertEquals(world.talosNode("demo-cp-1")!.state.calls.filter((c) => c.method === "EtcdRemoveMemberByID").length, 1);
  assertEquals(world.etcdMembers(), ["demo-cp-1", "demo-cp-2", "demo-cp-3"]);
}));

Deno.test(
  withFakes(
    "after a restart (memory lost) a half-done control-plane replacement continues from the cloud",
    async () => {
      await using world = await startHealingWorld();
      await world.powerOff("demo-cp-3", OFF);
      world.setNow(OFF + 6 * MIN);
      world.actions.failNext("removeUnreachable", new Error("process killed"));
      await assertRejects(() => reconcileHealing(world.ctx, world.snapshot(), world.actions));
      assertEquals(world.etcdMembers(), ["demo-cp-1", "demo-cp-2"], "the member left before the crash");
      world.ctx.memory.clear();

      const outcome = await reconcileHealing(world.ctx, world.snapshot(), world.actions);

      assertEquals(degradedOf(outcome).reason, "NodeReplacing");
      assertEquals(world.actions.calls, [
        "removeUnreachable demo-cp-3",
        "removeUnreachable demo-cp-3",
        "addNode demo-cp-3",
      ]);
      assertEquals(
        world.talosNode("demo-cp-1")!.state.calls.filter((c) => c.method === "EtcdRemoveMemberByID").length,
        1,
        "the audit found the member gone and removed nothing more",
      );
      assertEquals(world.etcdMembers(), ["demo-cp-1", "demo-cp-2", "demo-cp-3"]);
    },
  ),
);

Deno.test(withFakes("healing stops before deleting anything when leadership is lost", async () => {
  await using world = await startHealingWorld();
  world.setNode("demo-w-2", { state: "unknown", createdAt: T0, since: OFF });
  world.setNow(OFF + 6 * MIN);
  // Lost inside the Compute step's own check (it re-checks before deleting, too): no failure Event from a non-leader.
  world.actions.failNext("removeUnreachable", new LeadershipLostError("lease lost"));
  await assertRejects(() => reconcileHealing(world.ctx, world.snapshot(), world.actions), LeadershipLostError);
  assertEquals(world.events().map((e) => e.split(":")[0]), ["Warning ReplacingNode"]);

  world.loseLeadership();
  await assertRejects(() => reconcileHealing(world.ctx, world.snapshot(), world.actions), LeadershipLostError);
  assertEquals(world.actions.calls, ["removeUnreachable demo-w-2"], "nothing after the lost check");
  assertEquals(world.timeline.at(-1), "requireLeadership delete server and Node demo-w-2");
}));
