import { assertEquals, assertThrows } from "../../../../tests/assert.ts";
import type { KubeObject } from "../../../kube/mod.ts";
import { DEFAULT_DRAIN_TIMEOUT_MS, drainTimeoutMs } from "./drain_timeout.ts";

const cluster = (healthCheck?: Record<string, unknown>): KubeObject => ({
  apiVersion: "k8zner.io/v1alpha1",
  kind: "K8znerCluster",
  metadata: { name: "demo" },
  spec: healthCheck ? { healthCheck } : {},
});

Deno.test("drainTimeoutMs() reads spec.healthCheck.drainTimeout, 2 min when unset, and names the field when invalid", () => {
  assertEquals(drainTimeoutMs(cluster()), DEFAULT_DRAIN_TIMEOUT_MS);
  assertEquals(drainTimeoutMs(cluster({ drainTimeout: "" })), DEFAULT_DRAIN_TIMEOUT_MS);
  assertEquals(drainTimeoutMs(cluster({ drainTimeout: "90s" })), 90_000);
  assertEquals(drainTimeoutMs(cluster({ drainTimeout: "1h30m" })), 5_400_000);
  assertThrows(() => drainTimeoutMs(cluster({ drainTimeout: "soon" })), /spec\.healthCheck\.drainTimeout "soon"/);
  assertThrows(() => drainTimeoutMs(cluster({ drainTimeout: "0s" })), /positive duration/);
});
