import { assertEquals, assertIncludes, assertOk, assertThrows } from "../../../tests/assert.ts";
import { expandSpec } from "../../config/mod.ts";
import { parseAllDocuments } from "yaml";
import { generateSecretsBundle } from "../../talos/secrets_bundle.ts";
import { seededRandom } from "../../../tests/seeded_random.ts";
import { renderClusterConfigInput, renderFirstControlPlaneConfig, renderPlannedNodeConfig } from "./node_config.ts";

const SPEC = { name: "n1", region: "nbg1", mode: "dev", workers: { count: 1, size: "cx23" } } as const;
const desired = expandSpec(SPEC);

Deno.test("renderClusterConfigInput() points the cluster at the load balancer's public IPv4 with both LB SANs", () => {
  const input = renderClusterConfigInput(desired, {
    lbPublicIpv4: "203.0.113.50",
    controlPlaneIpv4s: ["198.51.100.2"],
  });
  assertEquals(input.endpoint, "https://203.0.113.50:6443");
  assertEquals(input.certSans, ["203.0.113.50", "10.0.0.254"]);
  assertEquals(input.allowSchedulingOnControlPlanes, true);
  assertEquals(input.network.podCidr, desired.kubernetes.podCidr);
  assertIncludes(input.talosVersion, "v1.");
});

Deno.test("renderClusterConfigInput() opens the control-plane metrics only for a cluster with monitoring", () => {
  assertEquals(desired.addons.kubePrometheusStack.enabled, false);
  assertEquals(renderClusterConfigInput(desired, { lbPublicIpv4: "203.0.113.50" }).monitoring, false);
  const monitored = expandSpec({ ...SPEC, monitoring: true });
  assertEquals(renderClusterConfigInput(monitored, { lbPublicIpv4: "203.0.113.50" }).monitoring, true);
});

Deno.test("renderClusterConfigInput() refuses a load balancer without an address", () => {
  assertThrows(() => renderClusterConfigInput(desired, { lbPublicIpv4: "" }), TypeError);
});

Deno.test("renderClusterConfigInput() with a private API load balancer: its private IP is the endpoint, control planes are SANs", () => {
  const privateLb = expandSpec({
    name: "n1",
    region: "nbg1",
    mode: "dev",
    workers: { count: 1, size: "cx23" },
    api_load_balancer: "private",
  });
  const input = renderClusterConfigInput(privateLb, {
    lbPublicIpv4: "203.0.113.50",
    controlPlaneIpv4s: ["198.51.100.2"],
  });
  assertEquals(input.endpoint, "https://10.0.0.254:6443");
  assertEquals(input.certSans, ["10.0.0.254", "198.51.100.2"]);
  assertOk(!input.certSans!.includes("203.0.113.50"), "the load balancer's public address is not used");
});

Deno.test("renderPlannedNodeConfig() renders each planned node for its role from the same cluster part", async () => {
  const ha = expandSpec({ name: "n2", region: "nbg1", mode: "ha", workers: { count: 2, size: "cx23" } });
  const bundle = await generateSecretsBundle({ now: new Date("2026-03-01T00:00:00Z"), random: seededRandom(4) });
  const facts = { lbPublicIpv4: "203.0.113.50", serverId: 42 };
  const docs = (name: string) =>
    parseAllDocuments(renderPlannedNodeConfig(bundle, ha, name, facts)).map((d) => d.toJS());
  const main = (name: string) => docs(name).find((d) => d.version === "v1alpha1")!;
  const hostname = (name: string) => docs(name).find((d) => d.kind === "HostnameConfig")?.hostname;

  assertEquals(main("n2-cp-2").machine.type, "controlplane");
  assertEquals(main("n2-w-2").machine.type, "worker");
  assertEquals(hostname("n2-cp-3"), "n2-cp-3");
  assertEquals(main("n2-cp-2").cluster.controlPlane.endpoint, "https://203.0.113.50:6443");
  assertEquals(main("n2-w-1").cluster.controlPlane.endpoint, "https://203.0.113.50:6443");
  // The first control plane renders exactly as the generic renderer does for its name.
  assertEquals(
    renderFirstControlPlaneConfig(bundle, ha, facts),
    renderPlannedNodeConfig(bundle, ha, "n2-cp-1", facts),
  );
  assertThrows(() => renderPlannedNodeConfig(bundle, ha, "n2-w-9", facts), /"n2-w-9": not a planned server/);
});

Deno.test("a node of a cluster pinned to Talos v1.12.6 installs that Talos and runs the Kubernetes it pairs with", async () => {
  const pinned = expandSpec({ ...SPEC, talos_version: "v1.12.6" });
  const bundle = await generateSecretsBundle({ now: new Date("2026-03-01T00:00:00Z"), random: seededRandom(5) });
  const facts = { lbPublicIpv4: "203.0.113.50", serverId: 7 };
  for (const name of ["n1-cp-1", "n1-w-1"]) {
    const main = parseAllDocuments(renderPlannedNodeConfig(bundle, pinned, name, facts)).map((d) => d.toJS())
      .find((d) => d.version === "v1alpha1")!;
    assertEquals(main.machine.install.image.split(":").at(-1), "v1.12.6", name);
    assertEquals(main.machine.kubelet.image.split(":").at(-1), "v1.35.2", name);
    if (name === "n1-cp-1") assertEquals(main.cluster.apiServer.image.split(":").at(-1), "v1.35.2");
  }
});
