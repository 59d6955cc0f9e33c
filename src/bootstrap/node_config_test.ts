import { assertEquals, assertIncludes, assertThrows } from "../../tests/assert.ts";
import { expandSpec } from "../config/mod.ts";
import { renderClusterConfigInput } from "./node_config.ts";

const desired = expandSpec({ name: "n1", region: "nbg1", mode: "dev", workers: { count: 1, size: "cx23" } });

Deno.test("renderClusterConfigInput() points the cluster at the load balancer's public IPv4 with both LB SANs", () => {
  const input = renderClusterConfigInput(desired, "203.0.113.50");
  assertEquals(input.endpoint, "https://203.0.113.50:6443");
  assertEquals(input.certSans, ["203.0.113.50", "10.0.0.254"]);
  assertEquals(input.allowSchedulingOnControlPlanes, true);
  assertEquals(input.network.podCidr, desired.kubernetes.podCidr);
  assertIncludes(input.talosVersion, "v1.");
});

Deno.test("renderClusterConfigInput() refuses a load balancer without an address", () => {
  assertThrows(() => renderClusterConfigInput(desired, ""), TypeError);
});
