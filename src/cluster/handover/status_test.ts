import { assertEquals } from "../../../tests/assert.ts";
import { summarizeClusterStatus } from "./status.ts";

Deno.test("summarizeClusterStatus() leaves out the pools the operator has not reported yet", () => {
  assertEquals(summarizeClusterStatus(undefined).line, "Pending: waiting for the operator");
  assertEquals(
    summarizeClusterStatus({ phase: "Provisioning", provisioningPhase: "Infrastructure" }).line,
    "Provisioning (Infrastructure)",
  );
  assertEquals(
    summarizeClusterStatus({
      phase: "Provisioning",
      provisioningPhase: "Compute",
      controlPlanes: { desired: 3, ready: 0 },
    }).line,
    "Provisioning (Compute): control planes 0/3",
  );
  assertEquals(
    summarizeClusterStatus({
      phase: "Running",
      provisioningPhase: "Running",
      controlPlanes: { desired: 3, ready: 3 },
      workers: { desired: 2, ready: 2 },
    }).line,
    "Running: control planes 3/3, workers 2/2",
  );
});

Deno.test("summarizeClusterStatus() counts the addons the operator reports Installed and names the last two on their way", () => {
  assertEquals(
    summarizeClusterStatus({
      phase: "Provisioning",
      provisioningPhase: "Addons",
      controlPlanes: { desired: 1, ready: 1 },
      addons: {
        cilium: { phase: "Installed", chartVersion: "1.19.3" },
        "hcloud-cloud-controller-manager": { phase: "Installed", chartVersion: "1.33.0" },
        "hcloud-csi": { phase: "Installing", chartVersion: "2.22.0" },
        "metrics-server": { phase: "Pending", chartVersion: "3.13.1" },
      },
    }).line,
    "Provisioning (Addons): control planes 1/1, addons 2/4 (hcloud-csi, metrics-server)",
  );
  // More than two on their way: only the count (the line stays one line).
  assertEquals(
    summarizeClusterStatus({
      phase: "Provisioning",
      provisioningPhase: "Addons",
      addons: { a: { phase: "Installed" }, b: { phase: "Pending" }, c: { phase: "Pending" }, d: { phase: "Failed" } },
    }).line,
    "Provisioning (Addons): addons 1/4",
  );
});
