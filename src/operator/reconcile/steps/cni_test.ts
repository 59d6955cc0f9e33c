import { assertEquals } from "../../../../tests/assert.ts";
import type { KubeObject } from "../../../kube/mod.ts";
import { daemonSetNotReady } from "./cni.ts";

function ds(generation: number, status: Record<string, number>): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: { name: "cilium", namespace: "kube-system", generation },
    status,
  };
}

Deno.test("daemonSetNotReady() waits for the current generation and a ready, updated agent on every scheduled node", () => {
  assertEquals(
    daemonSetNotReady(ds(2, { observedGeneration: 1, desiredNumberScheduled: 3, numberReady: 3 })),
    "DaemonSet kube-system/cilium has not observed generation 2 yet",
  );
  assertEquals(
    daemonSetNotReady(ds(1, { observedGeneration: 1, desiredNumberScheduled: 0, numberReady: 0 })),
    "DaemonSet kube-system/cilium schedules no pod yet",
  );
  assertEquals(
    daemonSetNotReady(ds(1, { observedGeneration: 1, desiredNumberScheduled: 3, numberReady: 2 })),
    "DaemonSet kube-system/cilium: 2 of 3 agents ready, 3 updated",
  );
  assertEquals(
    daemonSetNotReady(
      ds(1, { observedGeneration: 1, desiredNumberScheduled: 3, numberReady: 3, updatedNumberScheduled: 1 }),
    ),
    "DaemonSet kube-system/cilium: 3 of 3 agents ready, 1 updated",
  );
  assertEquals(
    daemonSetNotReady(
      ds(1, { observedGeneration: 1, desiredNumberScheduled: 3, numberReady: 3, updatedNumberScheduled: 3 }),
    ),
    undefined,
  );
});

Deno.test("daemonSetNotReady() lets nodes that stopped reporting account for missing agents, no more", () => {
  const twoOfThree = ds(1, { observedGeneration: 1, desiredNumberScheduled: 3, numberReady: 2 });
  assertEquals(daemonSetNotReady(twoOfThree, 1), undefined);
  assertEquals(
    daemonSetNotReady(ds(1, { observedGeneration: 1, desiredNumberScheduled: 3, numberReady: 1 }), 1),
    "DaemonSet kube-system/cilium: 1 of 3 agents ready, 3 updated",
  );
});
