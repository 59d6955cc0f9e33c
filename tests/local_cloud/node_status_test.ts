import { assertEquals } from "../assert.ts";
import { conditionTaints, kubeletConditions, NODE_STATUS_UNKNOWN_MESSAGE, unknownConditions } from "./node_status.ts";

const T0 = "2026-01-01T00:00:00Z", T1 = "2026-01-01T00:01:00Z", T2 = "2026-01-01T00:02:00Z";
const readyOf = (conditions: ReturnType<typeof kubeletConditions>) => conditions.find((c) => c.type === "Ready")!;

Deno.test("kubeletConditions() moves lastTransitionTime only when Ready flips, lastHeartbeatTime on heartbeats", () => {
  const first = kubeletConditions(undefined, "network-not-ready", T0);
  assertEquals(first.map((c) => `${c.type}=${c.status}`), [
    "MemoryPressure=False",
    "DiskPressure=False",
    "PIDPressure=False",
    "Ready=False",
  ]);
  assertEquals(readyOf(first).reason, "KubeletNotReady");
  assertEquals(kubeletConditions(first, "network-not-ready", T1), first, "nothing changed, no heartbeat: same");
  const beat = kubeletConditions(first, "network-not-ready", T1, true);
  assertEquals([readyOf(beat).lastHeartbeatTime, readyOf(beat).lastTransitionTime], [T1, T0]);
  const ready = kubeletConditions(beat, "ready", T2);
  assertEquals([readyOf(ready).status, readyOf(ready).reason, readyOf(ready).lastTransitionTime], [
    "True",
    "KubeletReady",
    T2,
  ]);
  // The pressure conditions did not flip: their transition time stays.
  assertEquals(ready[0]!.lastTransitionTime, T0);
});

Deno.test("unknownConditions() turns every condition Unknown and keeps the last heartbeat; conditionTaints() follows Ready", () => {
  const known = kubeletConditions(undefined, "ready", T0);
  const unknown = unknownConditions(known, T1);
  assertEquals(unknown.every((c) => c.status === "Unknown" && c.reason === "NodeStatusUnknown"), true);
  assertEquals([readyOf(unknown).message, readyOf(unknown).lastHeartbeatTime, readyOf(unknown).lastTransitionTime], [
    NODE_STATUS_UNKNOWN_MESSAGE,
    T0,
    T1,
  ]);
  assertEquals(unknownConditions(unknown, T2), unknown, "already Unknown: unchanged");

  const own = { key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule" as const };
  const notReady = conditionTaints([own], "False", T1);
  assertEquals(notReady.map((t) => `${t.key}:${t.effect}`), [
    "node-role.kubernetes.io/control-plane:NoSchedule",
    "node.kubernetes.io/not-ready:NoSchedule",
    "node.kubernetes.io/not-ready:NoExecute",
  ]);
  const unreachable = conditionTaints(notReady, "Unknown", T2);
  assertEquals(unreachable.map((t) => `${t.key}:${t.effect}`), [
    "node-role.kubernetes.io/control-plane:NoSchedule",
    "node.kubernetes.io/unreachable:NoSchedule",
    "node.kubernetes.io/unreachable:NoExecute",
  ]);
  assertEquals(conditionTaints(unreachable, "True", T2), [own]);
});
