import { assertEquals } from "../../../../tests/assert.ts";
import type { KubeObject } from "../../../kube/mod.ts";
import type { ReconcileContext } from "../context.ts";
import { reconcileCni } from "./cni.ts";

const NETWORK_NOT_READY = "container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady " +
  "message:Network plugin returns error: cni plugin not initialized";

function node(name: string, ready: "True" | "False" | "Unknown", message = ""): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name },
    status: { conditions: [{ type: "Ready", status: ready, reason: "r", message }] },
  };
}

function ctx(daemonSet: boolean, nodes: KubeObject[]): ReconcileContext {
  const ds = { apiVersion: "apps/v1", kind: "DaemonSet", metadata: { name: "cilium", namespace: "kube-system" } };
  return {
    kube: {
      get: (_v: string, kind: string, name: string, ns: string) =>
        Promise.resolve(
          daemonSet && kind === "DaemonSet" && name === "cilium" && ns === "kube-system" ? ds : undefined,
        ),
    },
    nodes: () => nodes,
  } as unknown as ReconcileContext;
}

Deno.test("reconcileCni() is Pending without the cilium DaemonSet and while a node waits for its pod network", async () => {
  const missing = await reconcileCni(ctx(false, [node("a-cp-1", "True")]));
  assertEquals([missing.done, missing.conditions[0]?.status, missing.conditions[0]?.reason], [
    false,
    "False",
    "Pending",
  ]);
  const waiting = await reconcileCni(ctx(true, [node("a-cp-1", "True"), node("a-w-1", "False", NETWORK_NOT_READY)]));
  assertEquals(waiting.conditions[0]?.message, "Waiting for the pod network on 1 node(s): a-w-1");
  assertEquals(waiting.done, false);
});

Deno.test("reconcileCni() is Ready once every node has a network, even with a node that stopped reporting", async () => {
  const outcome = await reconcileCni(
    ctx(true, [node("a-cp-1", "True"), node("a-w-1", "Unknown", "Kubelet stopped posting")]),
  );
  assertEquals([outcome.done, outcome.conditions[0]?.status], [true, "True"]);
});
