import { assertEquals } from "../../../../tests/assert.ts";
import type { Server } from "../../../hcloud/mod.ts";
import type { KubeObject } from "../../../kube/mod.ts";
import { type ControlPlaneFacts, decideControlPlanes, hasFailed, hasJoined } from "./control_planes.ts";

const joined = (name: string): ControlPlaneFacts => ({
  name,
  hasServer: true,
  etcd: "voter",
  etcdHealthy: true,
  nodeRegistered: true,
});
const absent = (name: string): ControlPlaneFacts => ({
  name,
  hasServer: false,
  etcd: "absent",
  etcdHealthy: false,
  nodeRegistered: false,
});

Deno.test("decideControlPlanes() adds only the first missing control plane, never two at once", () => {
  assertEquals(decideControlPlanes([joined("c-cp-1"), absent("c-cp-2"), absent("c-cp-3")], true), {
    kind: "add",
    name: "c-cp-2",
    position: 2,
  });
});

Deno.test("decideControlPlanes() waits while the previous one is a learner, unhealthy, or without a Node", () => {
  const learner = { ...joined("c-cp-2"), etcd: "learner" as const };
  assertEquals(decideControlPlanes([joined("c-cp-1"), learner, absent("c-cp-3")], true), {
    kind: "wait",
    name: "c-cp-2",
    position: 2,
    reason: "it is an etcd learner until Talos promotes it",
  });
  const unhealthy = { ...joined("c-cp-2"), etcdHealthy: false };
  assertEquals(decideControlPlanes([joined("c-cp-1"), unhealthy, absent("c-cp-3")], true).kind, "wait");
  const noNode = { ...joined("c-cp-2"), nodeRegistered: false };
  const decision = decideControlPlanes([joined("c-cp-1"), noNode, absent("c-cp-3")], true);
  assertEquals(decision, { kind: "wait", name: "c-cp-2", position: 2, reason: "its Node has not registered yet" });
});

Deno.test("decideControlPlanes() finishes a server an interrupted pass created but etcd never saw", () => {
  const created = { ...absent("c-cp-2"), hasServer: true };
  assertEquals(decideControlPlanes([joined("c-cp-1"), created, absent("c-cp-3")], true), {
    kind: "add",
    name: "c-cp-2",
    position: 2,
  });
});

Deno.test("decideControlPlanes() adds nothing when no control plane answers for etcd, and is ready when all joined", () => {
  assertEquals(decideControlPlanes([joined("c-cp-1"), absent("c-cp-2")], false), { kind: "etcd-unreachable" });
  assertEquals(decideControlPlanes([joined("c-cp-1"), joined("c-cp-2"), joined("c-cp-3")], false), {
    kind: "ready",
  });
  assertEquals(hasJoined({ ...joined("x"), hasServer: false }), false);
});

Deno.test("decideControlPlanes() does not wait for a failed control plane to join: healing replaces it", () => {
  const failed = { ...joined("c-cp-2"), etcdHealthy: false, failed: true };
  assertEquals(decideControlPlanes([joined("c-cp-1"), failed, absent("c-cp-3")], true), {
    kind: "failed",
    name: "c-cp-2",
    position: 2,
  });
  // A control plane that never registered a Node is still joining, whatever its server says.
  const starting = { ...absent("c-cp-2"), hasServer: true, etcd: "learner" as const, failed: true };
  assertEquals(decideControlPlanes([joined("c-cp-1"), starting], true).kind, "wait");
});

Deno.test("hasFailed(): server not running with a Node, or a Node whose kubelet stopped reporting", () => {
  const server = (status: string) => ({ id: 1, name: "c-cp-2", status }) as unknown as Server;
  const node = (ready: string) =>
    ({
      metadata: { name: "c-cp-2" },
      status: { conditions: [{ type: "Ready", status: ready }] },
    }) as unknown as KubeObject;
  assertEquals(hasFailed(server("off"), node("True")), true);
  assertEquals(hasFailed(server("running"), node("Unknown")), true);
  // Joining: NotReady until a CNI runs; a new server has no Node yet.
  assertEquals(hasFailed(server("running"), node("False")), false);
  assertEquals(hasFailed(server("initializing"), undefined), false);
  assertEquals(hasFailed(undefined, node("Unknown")), false);
});
