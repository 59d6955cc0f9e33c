import { assertEquals } from "../../../../tests/assert.ts";
import type { Server } from "../../../hcloud/mod.ts";
import type { KubeObject } from "../../../kube/mod.ts";
import { isEvictable } from "./drain.ts";
import { planWorkers } from "./workers.ts";

const server = (name: string) => ({ id: name.length, name } as unknown as Server);
const node = (name: string): KubeObject => ({ apiVersion: "v1", kind: "Node", metadata: { name } });

Deno.test("planWorkers() removes the workers beyond the count highest index first", () => {
  const names = ["c-w-1", "c-w-2", "c-w-3", "c-w-4", "c-w-10"];
  const plan = planWorkers("c", ["c-w-1", "c-w-2"], names.map(server), names.map(node));
  assertEquals(plan, { add: [], remove: ["c-w-10", "c-w-4", "c-w-3"] });
});

Deno.test("planWorkers() adds missing workers and finishes a server whose Node never registered", () => {
  const plan = planWorkers("c", ["c-w-1", "c-w-2", "c-w-3"], [server("c-w-1"), server("c-w-2")], [node("c-w-1")]);
  assertEquals(plan, { add: ["c-w-2", "c-w-3"], remove: [] });
});

Deno.test("planWorkers() removes a leftover Node whose server is gone, and ignores other names", () => {
  const plan = planWorkers("c", ["c-w-1"], [server("c-w-1"), server("c-cp-1")], [node("c-w-1"), node("c-w-2")]);
  assertEquals(plan, { add: [], remove: ["c-w-2"] });
  assertEquals(planWorkers("c", [], [server("other-w-1"), server("c-w-x")], []).remove, []);
});

Deno.test("isEvictable() skips DaemonSet pods and mirror pods, as kubectl drain does", () => {
  const pod = (metadata: Record<string, unknown>): KubeObject => ({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "p", namespace: "default", ...metadata },
  });
  assertEquals(isEvictable(pod({})), true);
  assertEquals(isEvictable(pod({ ownerReferences: [{ kind: "ReplicaSet", controller: true }] })), true);
  assertEquals(isEvictable(pod({ ownerReferences: [{ kind: "DaemonSet", controller: true }] })), false);
  assertEquals(isEvictable(pod({ annotations: { "kubernetes.io/config.mirror": "abc" } })), false);
});
