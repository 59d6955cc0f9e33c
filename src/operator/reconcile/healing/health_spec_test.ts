import { assertEquals, assertThrows } from "../../../../tests/assert.ts";
import type { KubeObject } from "../../../kube/mod.ts";
import { DEFAULT_NOT_READY_THRESHOLD_MS, healingThresholdMs, isCniReady, notReadyThresholdMs } from "./health_spec.ts";

const cluster = (spec: unknown, conditions?: unknown[]): KubeObject => ({
  apiVersion: "k8zner.io/v1alpha1",
  kind: "K8znerCluster",
  metadata: { name: "demo", namespace: "k8zner-system" },
  spec,
  ...(conditions ? { status: { conditions } } : {}),
});

Deno.test("isCniReady() is true only for a CNIReady condition with status True", () => {
  assertEquals(isCniReady(cluster({})), false);
  assertEquals(isCniReady(cluster({}, [{ type: "CNIReady", status: "False", reason: "Pending" }])), false);
  assertEquals(
    isCniReady(cluster({}, [{ type: "Ready", status: "True" }, { type: "CNIReady", status: "True" }])),
    true,
  );
});

Deno.test("notReadyThresholdMs() reads spec.healthCheck.nodeNotReadyThreshold, 5 minutes when unset", () => {
  assertEquals(notReadyThresholdMs(cluster({})), DEFAULT_NOT_READY_THRESHOLD_MS);
  assertEquals(DEFAULT_NOT_READY_THRESHOLD_MS, 300_000);
  assertEquals(notReadyThresholdMs(cluster({ healthCheck: { nodeNotReadyThreshold: "90s" } })), 90_000);
  assertEquals(notReadyThresholdMs(cluster({ healthCheck: { nodeNotReadyThreshold: "1h30m" } })), 5_400_000);
});

Deno.test("notReadyThresholdMs() names the field and what is allowed for a value that is not a duration", () => {
  for (const bad of ["5 minutes", "0", 300]) {
    assertThrows(
      () => notReadyThresholdMs(cluster({ healthCheck: { nodeNotReadyThreshold: bad } })),
      RangeError,
      `Cannot use spec.healthCheck.nodeNotReadyThreshold "${bad}": expected a positive duration such as 5m, 90s or 1h30m`,
    );
  }
});

Deno.test("healingThresholdMs() waits at least the upgrade gate timeout while a rollout step is in progress", () => {
  const upgrading = (spec: unknown, step: string): KubeObject => ({
    ...cluster(spec),
    status: { upgrade: { talos: "v1.13.9", kubernetes: "1.36.3", step, node: step ? "demo-cp-1" : "" } },
  });
  assertEquals(healingThresholdMs(cluster({})), 300_000);
  assertEquals(healingThresholdMs(upgrading({}, "")), 300_000, "no step in progress");
  assertEquals(healingThresholdMs(upgrading({}, "talos")), 600_000, "the 10-minute gate default");
  assertEquals(healingThresholdMs(upgrading({ healthCheck: { upgradeGateTimeout: "2m" } }, "talos")), 300_000);
  assertEquals(
    healingThresholdMs(
      upgrading({ healthCheck: { nodeNotReadyThreshold: "20m", upgradeGateTimeout: "15m" } }, "kubelet"),
    ),
    1_200_000,
  );
  assertEquals(healingThresholdMs(upgrading({ healthCheck: { upgradeGateTimeout: "soon" } }, "talos")), 600_000);
});
