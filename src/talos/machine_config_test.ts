import { Buffer } from "node:buffer";
import { parseAllDocuments } from "yaml";
import { assertEquals, assertIncludes, assertNotMatch, assertThrows } from "../../tests/assert.ts";
import { seededRandom } from "../../tests/seeded_random.ts";
import { deepMerge, mergeConfigDocuments } from "./config_documents.ts";
import {
  type ClusterConfigInput,
  type NodeFacts,
  renderNodeConfig,
  renderNodeConfigYaml,
  renderNodePatch,
  renderRoleConfig,
  renderRoleConfigYaml,
  VANILLA_SCHEMATIC_ID,
} from "./machine_config.ts";
import { generateSecretsBundle } from "./secrets_bundle.ts";

const secrets = await generateSecretsBundle({ now: new Date("2026-03-01T00:00:00Z"), random: seededRandom(11) });

const INPUT: ClusterConfigInput = {
  clusterName: "demo",
  endpoint: "https://203.0.113.10:6443",
  talosVersion: "v1.13.9",
  kubernetesVersion: "1.36.3",
  network: { nodeCidr: "10.0.0.0/17", podCidr: "10.0.128.0/17", serviceCidr: "10.96.0.0/12" },
  certSans: ["203.0.113.10", "10.0.0.254"],
};
const CP: NodeFacts = { hostname: "demo-cp-abcde", serverId: 4242, privateIp: "10.0.0.2", role: "controlplane" };
const WORKER: NodeFacts = { hostname: "demo-w-fghij", serverId: 4343, privateIp: "10.0.1.2", role: "worker" };

// deno-lint-ignore no-explicit-any
type Any = any;
const v1alpha1 = (docs: Record<string, unknown>[]): Any => docs.find((d) => d.version === "v1alpha1");
const unb64 = (s: string) => Buffer.from(s, "base64").toString("utf8");

Deno.test("renderNodeConfig() gives a control plane its hostname, provider id and private-network kubelet IP", () => {
  const docs = renderNodeConfig(secrets, INPUT, CP);
  const main = v1alpha1(docs);
  assertEquals(main.machine.type, "controlplane");
  assertEquals(main.machine.kubelet.extraArgs, { "cloud-provider": "external", "provider-id": "hcloud://4242" });
  assertEquals(main.machine.kubelet.nodeIP, { validSubnets: ["10.0.0.0/17"] });
  assertEquals(docs.find((d) => d.kind === "HostnameConfig"), {
    apiVersion: "v1alpha1",
    kind: "HostnameConfig",
    hostname: "demo-cp-abcde",
  });
  assertEquals(main.machine.install.image, `factory.talos.dev/installer/${VANILLA_SCHEMATIC_ID}:v1.13.9`);
  assertEquals(main.machine.certSANs, ["203.0.113.10", "10.0.0.254"]);
  assertEquals(main.cluster.apiServer.certSANs, ["203.0.113.10", "10.0.0.254"]);
  assertEquals(main.cluster.etcd.advertisedSubnets, ["10.0.0.0/17"]);
  assertEquals(main.cluster.network.cni, { name: "none" });
  assertEquals(main.cluster.proxy, { disabled: true });
  assertEquals(main.machine.features.kubePrism, { enabled: true, port: 7445 });
  assertEquals(main.cluster.externalCloudProvider, { enabled: true });
  assertEquals(main.cluster.controlPlane.endpoint, "https://203.0.113.10:6443");
  assertEquals(main.cluster.apiServer.image, "registry.k8s.io/kube-apiserver:v1.36.3");
  assertEquals(main.machine.kubelet.image, "ghcr.io/siderolabs/kubelet:v1.36.3");
});

Deno.test("the control-plane config carries the cluster CAs with keys; the worker config only certificates", () => {
  const cp = v1alpha1(renderRoleConfig(secrets, INPUT, "controlplane"));
  assertEquals(unb64(cp.machine.ca.crt), secrets.certs.os.certPem);
  assertEquals(unb64(cp.machine.ca.key), secrets.certs.os.keyPem);
  assertEquals(unb64(cp.cluster.ca.key), secrets.certs.k8s.keyPem);
  assertEquals(unb64(cp.cluster.etcd.ca.crt), secrets.certs.etcd.certPem);
  assertEquals(unb64(cp.cluster.aggregatorCA.crt), secrets.certs.k8sAggregator.certPem);
  assertEquals(unb64(cp.cluster.serviceAccount.key), secrets.certs.k8sServiceAccountKey);
  assertEquals(cp.cluster.secretboxEncryptionSecret, secrets.secrets.secretboxEncryptionSecret);
  assertEquals(cp.cluster.token, secrets.secrets.bootstrapToken);
  assertEquals(cp.machine.token, secrets.trustdToken);
  assertEquals([cp.cluster.id, cp.cluster.secret], [secrets.cluster.id, secrets.cluster.secret]);

  const worker = v1alpha1(renderRoleConfig(secrets, INPUT, "worker"));
  assertEquals(worker.machine.type, "worker");
  assertEquals(worker.machine.ca, { crt: cp.machine.ca.crt });
  assertEquals(worker.cluster.ca, { crt: cp.cluster.ca.crt });
  for (const absent of ["etcd", "aggregatorCA", "serviceAccount", "secretboxEncryptionSecret", "apiServer"]) {
    assertEquals(worker.cluster[absent], undefined, `worker must not carry cluster.${absent}`);
  }
  assertEquals(worker.machine.certSANs, undefined);
  const yaml = renderRoleConfigYaml(secrets, INPUT, "worker");
  assertNotMatch(yaml, new RegExp(Buffer.from(secrets.certs.os.keyPem).toString("base64").slice(0, 40)));
});

Deno.test("disk encryption adds LUKS2 STATE and EPHEMERAL volumes keyed to the node id, and can be turned off", () => {
  const on = renderRoleConfig(secrets, INPUT, "worker").filter((d) => d.kind === "VolumeConfig");
  assertEquals(on.map((d) => d.name), ["STATE", "EPHEMERAL"]);
  assertEquals((on[0] as Any).encryption.provider, "luks2");
  assertEquals((on[0] as Any).encryption.keys, [{ nodeID: {}, slot: 0 }]);
  const off = renderRoleConfig(secrets, { ...INPUT, diskEncryption: false }, "worker");
  assertEquals(off.filter((d) => d.kind === "VolumeConfig"), []);
});

Deno.test("allowSchedulingOnControlPlanes and the schematic follow the input", () => {
  const dev = v1alpha1(renderRoleConfig(secrets, { ...INPUT, allowSchedulingOnControlPlanes: true }, "controlplane"));
  assertEquals(dev.cluster.allowSchedulingOnControlPlanes, true);
  const ha = v1alpha1(renderRoleConfig(secrets, INPUT, "controlplane"));
  assertEquals(ha.cluster.allowSchedulingOnControlPlanes, false);
  const custom = v1alpha1(renderRoleConfig(secrets, { ...INPUT, schematicId: "b".repeat(64) }, "worker"));
  assertEquals(custom.machine.install.image, `factory.talos.dev/installer/${"b".repeat(64)}:v1.13.9`);
});

Deno.test("etcd, controller-manager and scheduler metrics bind to all interfaces only when monitoring is on", () => {
  const on = v1alpha1(renderRoleConfig(secrets, { ...INPUT, monitoring: true }, "controlplane"));
  assertEquals(on.cluster.etcd.extraArgs, { "listen-metrics-urls": "http://0.0.0.0:2381" });
  assertEquals(on.cluster.controllerManager.extraArgs, { "cloud-provider": "external", "bind-address": "0.0.0.0" });
  assertEquals(on.cluster.scheduler.extraArgs, { "bind-address": "0.0.0.0" });
  for (const input of [INPUT, { ...INPUT, monitoring: false }]) {
    const off = v1alpha1(renderRoleConfig(secrets, input, "controlplane"));
    assertEquals(off.cluster.etcd.extraArgs, undefined);
    assertEquals(off.cluster.controllerManager.extraArgs, { "cloud-provider": "external" });
    assertEquals(off.cluster.scheduler, { image: "registry.k8s.io/kube-scheduler:v1.36.3" });
    assertNotMatch(renderRoleConfigYaml(secrets, input, "controlplane"), /[^\d.]0\.0\.0\.0/);
  }
});

Deno.test("a node config is its role config with only the node patch applied", () => {
  const role = renderRoleConfig(secrets, INPUT, "worker");
  const node = renderNodeConfig(secrets, INPUT, WORKER);
  const withoutPatch = structuredClone(node).filter((d) => d.kind !== "HostnameConfig");
  delete (v1alpha1(withoutPatch).machine.kubelet.extraArgs as Record<string, string>)["provider-id"];
  assertEquals(v1alpha1(withoutPatch).machine.nodeLabels, { "k8zner.io/cluster": "demo", "k8zner.io/role": "worker" });
  delete v1alpha1(withoutPatch).machine.nodeLabels;
  assertEquals(withoutPatch, role);
  assertEquals(renderNodePatch(INPUT, WORKER).length, 2);
});

Deno.test("rendered YAML is deterministic and multi-document", () => {
  const a = renderNodeConfigYaml(secrets, INPUT, CP);
  const b = renderNodeConfigYaml(secrets, INPUT, CP);
  assertEquals(a, b);
  const docs = parseAllDocuments(a);
  assertEquals(docs.length, 4);
  assertIncludes(a, "kind: HostnameConfig\nhostname: demo-cp-abcde\n");
  assertEquals(a.split("\n").some((l) => l.length > 0 && l.trim() === ""), false);
});

Deno.test("bad cluster input and node facts are rejected naming the value", () => {
  assertThrows(() => renderRoleConfig(secrets, { ...INPUT, endpoint: "http://x:6443" }, "worker"), /endpoint/);
  assertThrows(() => renderRoleConfig(secrets, { ...INPUT, talosVersion: "1.13" }, "worker"), /Talos version/);
  assertThrows(() => renderRoleConfig(secrets, { ...INPUT, schematicId: "xyz" }, "worker"), /schematic id "xyz"/);
  assertThrows(() => renderRoleConfig(secrets, { ...INPUT, installDisk: "sda" }, "worker"), /install disk "sda"/);
  assertThrows(
    () => renderRoleConfig(secrets, { ...INPUT, network: { ...INPUT.network, podCidr: "10.0.0.0/33" } }, "worker"),
    /network.podCidr "10.0.0.0\/33"/,
  );
  assertThrows(() => renderNodePatch(INPUT, { ...WORKER, privateIp: "10.0.200.2" }), /not in 10.0.0.0\/17/);
  assertThrows(() => renderNodePatch(INPUT, { ...WORKER, serverId: 0 }), /server id 0/);
  assertThrows(() => renderNodePatch(INPUT, { ...WORKER, hostname: "Bad_Name" }), /hostname "Bad_Name"/);
});

Deno.test("mergeConfigDocuments() deep-merges matching documents and appends new kinds", () => {
  const base = [{ version: "v1alpha1", machine: { a: 1, list: [1, 2], nested: { x: 1, y: 2 } } }, {
    apiVersion: "v1alpha1",
    kind: "VolumeConfig",
    name: "STATE",
  }];
  const merged = mergeConfigDocuments(base, [
    { version: "v1alpha1", machine: { list: [3], nested: { y: null, z: 3 } } },
    { apiVersion: "v1alpha1", kind: "VolumeConfig", name: "EPHEMERAL" },
  ]);
  assertEquals(merged, [
    { version: "v1alpha1", machine: { a: 1, list: [3], nested: { x: 1, z: 3 } } },
    { apiVersion: "v1alpha1", kind: "VolumeConfig", name: "STATE" },
    { apiVersion: "v1alpha1", kind: "VolumeConfig", name: "EPHEMERAL" },
  ]);
  assertEquals((base[0] as Any).machine.list, [1, 2]);
  assertEquals(deepMerge({ a: { b: 1 } }, { a: "x" }), { a: "x" });
});

Deno.test("renderNodeConfig() keeps the kubelet at kubeletVersion while the control-plane components move on", () => {
  const main = v1alpha1(renderNodeConfig(secrets, { ...INPUT, kubeletVersion: "v1.35.2" }, CP));
  assertEquals(main.cluster.apiServer.image, "registry.k8s.io/kube-apiserver:v1.36.3");
  assertEquals(main.cluster.controllerManager.image, "registry.k8s.io/kube-controller-manager:v1.36.3");
  assertEquals(main.cluster.scheduler.image, "registry.k8s.io/kube-scheduler:v1.36.3");
  assertEquals(main.machine.kubelet.image, "ghcr.io/siderolabs/kubelet:v1.35.2");
  assertThrows(
    () => renderNodeConfig(secrets, { ...INPUT, kubeletVersion: "latest" }, CP),
    TypeError,
    "kubelet version",
  );
});
