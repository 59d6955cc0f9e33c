import { assertEquals } from "../../../../tests/assert.ts";
import { haDesired, healthyCluster, nodeOf, serverOf } from "../../../../tests/operator/healing_nodes.ts";
import { judgeNodes, readyConditionOf } from "./node_health.ts";

const MIN = 60_000;
const T0 = Date.parse("2026-12-01T10:00:00Z");
const desired = haDesired();
const worker1 = desired.servers.find((s) => s.name === "demo-w-1")!;
const THRESHOLD = 5 * MIN;

function judge(now: number, change: (c: ReturnType<typeof healthyCluster>) => void) {
  const cluster = healthyCluster(desired, T0);
  change(cluster);
  return new Map(judgeNodes(desired.servers, cluster, now, THRESHOLD).map((j) => [j.name, j]));
}

Deno.test("judgeNodes() keeps a NotReady worker under watch until the threshold, then calls it unreachable", () => {
  const off = T0 + 60 * MIN;
  const withUnknown = (now: number) =>
    judge(now, (c) => {
      c.nodes[3] = nodeOf(worker1, 103, { state: "unknown", createdAt: T0, since: off });
    }).get("demo-w-1")!;
  const before = withUnknown(off + THRESHOLD - 1_000);
  assertEquals([before.verdict, before.ready, before.replaceInMs], ["not-ready", "Unknown", 1_000]);
  const at = withUnknown(off + THRESHOLD);
  assertEquals([at.verdict, at.notReadyForMs, at.notReadySinceMs], ["unreachable", THRESHOLD, off]);
  const others = judge(off + THRESHOLD, () => {});
  assertEquals([...others.values()].map((j) => j.verdict), ["ready", "ready", "ready", "ready", "ready"]);
});

Deno.test("judgeNodes() treats a kubelet's Ready=False like Unknown, counted from the condition's transition", () => {
  const j = judge(T0 + 20 * MIN, (c) => {
    c.nodes[3] = nodeOf(worker1, 103, { state: "not-ready", createdAt: T0, since: T0 + 14 * MIN });
  }).get("demo-w-1")!;
  assertEquals([j.verdict, j.ready, j.notReadyForMs], ["unreachable", "False", 6 * MIN]);
});

Deno.test("judgeNodes() calls a NotReady node whose server is gone unreachable at once, but not a Ready one", () => {
  const now = T0 + 30 * MIN;
  const gone = judge(now, (c) => {
    c.servers.splice(3, 1);
    c.nodes[3] = nodeOf(worker1, 103, { state: "unknown", createdAt: T0, since: now - 10_000 });
  }).get("demo-w-1")!;
  assertEquals([gone.verdict, gone.serverExists], ["unreachable", false]);
  const stillReady = judge(now, (c) => c.servers.splice(3, 1)).get("demo-w-1")!;
  assertEquals([stillReady.verdict, stillReady.serverExists], ["ready", false]);
});

Deno.test("judgeNodes() sees a node joining: fresh server without a Node, or a Node registered within the threshold", () => {
  const now = T0 + 60 * MIN;
  const j = judge(now, (c) => {
    c.nodes.splice(3, 2); // neither worker has a Node
    c.servers[3] = serverOf(worker1, 200, now - MIN); // demo-w-1 created a minute ago
    c.nodes[0] = nodeOf(desired.servers[0]!, 100, { state: "not-ready", createdAt: now - 2 * MIN });
  });
  assertEquals(j.get("demo-w-1")!.verdict, "joining");
  assertEquals(j.get("demo-w-2")!.verdict, "absent", "an old server without a Node is the Compute step's business");
  assertEquals(j.get("demo-cp-1")!.verdict, "joining");
  assertEquals(j.get("demo-cp-1")!.replaceInMs, 3 * MIN);
});

Deno.test("readyConditionOf() counts a Node without a Ready condition from its creation", () => {
  const node = nodeOf(worker1, 103, { state: "ready", createdAt: T0 });
  node.status = {};
  assertEquals(readyConditionOf(node), { status: "Missing", sinceMs: T0 });
});
