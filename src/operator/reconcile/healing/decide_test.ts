import { assertEquals } from "../../../../tests/assert.ts";
import { haDesired, healthyCluster, nodeOf, serverOf } from "../../../../tests/operator/healing_nodes.ts";
import { decideHealing } from "./decide.ts";
import { judgeNodes } from "./node_health.ts";
import type { Replacement } from "./replacement.ts";

const MIN = 60_000;
const T0 = Date.parse("2026-12-01T10:00:00Z");
const NOW = T0 + 60 * MIN;
const desired = haDesired(3);
const plan = (name: string) => desired.servers.find((s) => s.name === name)!;
const idOf = (name: string) => 100 + desired.servers.findIndex((s) => s.name === name);

function judgements(down: Record<string, number>, change?: (c: ReturnType<typeof healthyCluster>) => void) {
  const cluster = healthyCluster(desired, T0);
  for (const [name, forMs] of Object.entries(down)) {
    const i = desired.servers.findIndex((s) => s.name === name);
    cluster.nodes[i] = nodeOf(plan(name), idOf(name), { state: "unknown", createdAt: T0, since: NOW - forMs });
  }
  change?.(cluster);
  return judgeNodes(desired.servers, cluster, NOW, 5 * MIN);
}

Deno.test("decideHealing() replaces one node at a time: the lowest index of the unreachable workers", () => {
  const decision = decideHealing(judgements({ "demo-w-3": 9 * MIN, "demo-w-2": 6 * MIN }), undefined);
  assertEquals(decision.kind, "replace");
  if (decision.kind !== "replace") return;
  assertEquals(decision.target.name, "demo-w-2");
  assertEquals(decision.unreachable.map((j) => j.name), ["demo-w-2", "demo-w-3"]);
});

Deno.test("decideHealing() replaces an unreachable control plane before unreachable workers", () => {
  const decision = decideHealing(judgements({ "demo-w-1": 30 * MIN, "demo-cp-3": 6 * MIN }), undefined);
  assertEquals(decision.kind === "replace" && decision.target.name, "demo-cp-3");
});

Deno.test("decideHealing() does not act on a node NotReady for less than the threshold, and says when to look again", () => {
  const decision = decideHealing(judgements({ "demo-w-1": 4 * MIN, "demo-w-2": 2 * MIN }), undefined);
  assertEquals(decision.kind, "watch");
  if (decision.kind !== "watch") return;
  assertEquals(decision.notReady.map((j) => j.name), ["demo-w-1", "demo-w-2"]);
  assertEquals(decision.nextCheckInMs, MIN);
  assertEquals(decideHealing(judgements({}), undefined), { kind: "healthy" });
});

Deno.test("decideHealing() continues the remembered replacement instead of starting a second one", () => {
  const pending: Replacement = {
    name: "demo-w-1",
    role: "worker",
    step: "join",
    startedAt: NOW - MIN,
    replacedUid: "old",
    addedAt: NOW - 10_000,
  };
  const decision = decideHealing(judgements({ "demo-w-2": 20 * MIN }), pending);
  assertEquals(decision, { kind: "continue", replacement: pending });
});

Deno.test("decideHealing() waits while a node joins (after a restart memory is empty, the cloud still shows it)", () => {
  const js = judgements({ "demo-w-2": 20 * MIN }, (c) => {
    // demo-w-1 was deleted and created again a minute ago; its Node has not registered yet.
    c.nodes.splice(3, 1);
    c.servers[3] = serverOf(plan("demo-w-1"), 300, NOW - MIN);
  });
  const decision = decideHealing(js, undefined);
  assertEquals(decision.kind, "wait-for-join");
  if (decision.kind !== "wait-for-join") return;
  assertEquals([decision.joining.map((j) => j.name), decision.unreachable.map((j) => j.name)], [
    ["demo-w-1"],
    ["demo-w-2"],
  ]);
});
