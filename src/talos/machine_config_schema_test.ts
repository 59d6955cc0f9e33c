/**
 * Every rendered machine config variant checked against the official Talos v1.13 JSON Schema
 * (`../shared/contracts/talos-config.schema.json`): each YAML document against the root schema
 * (a `oneOf` over all document kinds) and against the definition of its own kind.
 */
import { assertEquals, assertOk } from "../../tests/assert.ts";
import { seededRandom } from "../../tests/seeded_random.ts";
import { loadTalosSchemaCheck, TALOS_SCHEMA } from "../../tests/talos_schema.ts";
import { requires } from "../../tests/requirements.ts";
import {
  type ClusterConfigInput,
  type NodeFacts,
  renderNodeConfigYaml,
  renderRoleConfigYaml,
} from "./machine_config.ts";
import { generateSecretsBundle } from "./secrets_bundle.ts";

const check = await loadTalosSchemaCheck();

const BASE: ClusterConfigInput = {
  clusterName: "demo",
  endpoint: "https://203.0.113.10:6443",
  talosVersion: "v1.13.9",
  kubernetesVersion: "1.36.3",
  network: { nodeCidr: "10.0.0.0/17", podCidr: "10.0.128.0/17", serviceCidr: "10.96.0.0/12" },
  certSans: ["203.0.113.10", "10.0.0.254"],
};

const VARIANTS: Array<[string, ClusterConfigInput]> = [
  ["dev (scheduling on control planes, defaults)", { ...BASE, allowSchedulingOnControlPlanes: true }],
  ["ha (no scheduling on control planes)", { ...BASE, allowSchedulingOnControlPlanes: false }],
  ["custom schematic", { ...BASE, schematicId: "a".repeat(64) }],
  ["vanilla schematic given explicitly", {
    ...BASE,
    schematicId: "376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba",
  }],
  ["disk encryption off", { ...BASE, diskEncryption: false }],
  ["disk encryption on", { ...BASE, diskEncryption: true }],
  ["custom dns domain and install disk", { ...BASE, dnsDomain: "k8s.internal", installDisk: "/dev/vda" }],
  ["monitoring on (metrics on all interfaces)", { ...BASE, monitoring: true }],
  ["monitoring off", { ...BASE, monitoring: false }],
];

const NODES: NodeFacts[] = [
  { hostname: "demo-cp-abcde", serverId: 4242, privateIp: "10.0.0.2", role: "controlplane" },
  { hostname: "demo-w-fghij", serverId: 4343, privateIp: "10.0.1.2", role: "worker" },
];

Deno.test(requires([TALOS_SCHEMA], {
  name: "every role config and node config variant validates against the Talos v1.13 schema",
  fn: async () => {
    const secrets = await generateSecretsBundle({ now: new Date("2026-03-01T00:00:00Z"), random: seededRandom(3) });
    let checked = 0;
    for (const [variant, input] of VARIANTS) {
      for (const role of ["controlplane", "worker"] as const) {
        const problems = check!(renderRoleConfigYaml(secrets, input, role));
        assertEquals(problems, [], `${variant}, ${role} role config`);
        checked++;
      }
      for (const node of NODES) {
        const problems = check!(renderNodeConfigYaml(secrets, input, node));
        assertEquals(problems, [], `${variant}, ${node.role} node config`);
        checked++;
      }
    }
    assertEquals(checked, VARIANTS.length * 4);
  },
}));

Deno.test(requires([TALOS_SCHEMA], {
  name: "the schema check catches a field Talos v1.13 removed (machine.network.hostname)",
  fn: () => {
    const legacy = "version: v1alpha1\nmachine:\n    type: worker\n    network:\n        hostname: old-style\n";
    const problems = check!(legacy);
    assertOk(problems.some((p) => p.includes("v1alpha1.Config")), problems.join("\n"));
    const badVolume = "apiVersion: v1alpha1\nkind: VolumeConfig\nname: STATE\nencryption:\n    provider: luks1\n";
    assertOk(check!(badVolume).length > 0, "luks1 must be rejected");
  },
}));
