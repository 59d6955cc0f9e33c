import { stableJson } from "../lib/stable_json.ts";
import { assertEquals, assertOk } from "../../tests/assert.ts";
import { cidrContains } from "../lib/cidr.ts";
import { isValidLabelKey, isValidLabelValue } from "../lib/labels.ts";
import { expandSpec } from "./expand.ts";
import type { Spec } from "./spec.ts";

const dev: Spec = { name: "dev", region: "fsn1", mode: "dev", workers: { count: 1, size: "cx23" } };
const ha: Spec = {
  name: "large-prod",
  region: "nbg1",
  mode: "ha",
  workers: { count: 5, size: "cx53" },
  control_plane: { size: "cx43" },
  domain: "example.com",
  cert_email: "ops@example.com",
  argo_subdomain: "argocd",
  monitoring: true,
  grafana_subdomain: "metrics",
  backup: true,
  api_allowlist: ["203.0.113.0/24", "2001:db8::/32"],
};

async function checkGolden(name: string, value: unknown) {
  const url = new URL(`../../tests/golden/${name}`, import.meta.url);
  const actual = stableJson(value);
  if (Deno.env.get("UPDATE_GOLDEN") === "1") {
    await Deno.writeTextFile(url, actual);
    return;
  }
  let expected: string;
  try {
    expected = await Deno.readTextFile(url);
  } catch {
    throw new Error(`golden file tests/golden/${name} is missing; run with UPDATE_GOLDEN=1 to create it`);
  }
  assertEquals(actual, expected, `expansion differs from tests/golden/${name} (UPDATE_GOLDEN=1 rewrites it)`);
}

Deno.test("expandSpec() of the dev example matches tests/golden/expand_dev.json", async () => {
  await checkGolden("expand_dev.json", expandSpec(dev));
});

Deno.test("expandSpec() of a full ha spec matches tests/golden/expand_ha.json", async () => {
  await checkGolden("expand_ha.json", expandSpec(ha));
});

Deno.test("expandSpec() is deterministic: the same spec gives byte-identical state", () => {
  assertEquals(stableJson(expandSpec(ha)), stableJson(expandSpec(structuredClone(ha))));
});

Deno.test("server names are <cluster>-cp-1..3 and <cluster>-w-1..N with distinct private IPs in their subnets", () => {
  const state = expandSpec(ha);
  assertEquals(state.servers.map((s) => s.name), [
    "large-prod-cp-1",
    "large-prod-cp-2",
    "large-prod-cp-3",
    "large-prod-w-1",
    "large-prod-w-2",
    "large-prod-w-3",
    "large-prod-w-4",
    "large-prod-w-5",
  ]);
  assertEquals(state.servers.map((s) => s.privateIp), [
    "10.0.0.2",
    "10.0.0.3",
    "10.0.0.4",
    "10.0.1.2",
    "10.0.1.3",
    "10.0.1.4",
    "10.0.1.5",
    "10.0.1.6",
  ]);
  for (const s of state.servers) {
    const subnet = s.role === "worker" ? state.network.cidrs.workerSubnet : state.network.cidrs.controlPlaneSubnet;
    assertOk(cidrContains(subnet, `${s.privateIp}/32`), `${s.name} ${s.privateIp} outside ${subnet}`);
  }
  assertEquals(state.servers.slice(0, 3).map((s) => s.server_type), ["cx43", "cx43", "cx43"]);
  assertEquals(state.servers[3]!.server_type, "cx53");
});

Deno.test("dev mode has one control plane of the default size that may run workloads", () => {
  const state = expandSpec(dev);
  const cps = state.servers.filter((s) => s.role === "control-plane");
  assertEquals(cps.map((s) => [s.name, s.server_type]), [["dev-cp-1", "cx23"]]);
  assertOk(state.kubernetes.allowSchedulingOnControlPlanes);
  assertOk(!expandSpec(ha).kubernetes.allowSchedulingOnControlPlanes);
});

Deno.test("every label key and value on every resource is valid for Hetzner", () => {
  for (const state of [expandSpec(dev), expandSpec(ha)]) {
    const all = [
      state.network.request.labels,
      state.firewall.request.labels,
      state.loadBalancer.request.labels,
      state.talos.snapshotLabels,
      ...state.placementGroups.map((g) => g.request.labels),
      ...state.servers.map((s) => s.labels),
    ];
    for (const labels of all) {
      for (const [k, v] of Object.entries(labels)) {
        assertOk(isValidLabelKey(k), k);
        assertOk(isValidLabelValue(v), `${k}=${v}`);
      }
    }
  }
});

Deno.test("the firewall allows the allowlist on 6443 and 50000, or asks for the caller's IP when it is empty", () => {
  const withList = expandSpec(ha).firewall;
  assertOk(!withList.needsCallerIp);
  assertEquals(withList.request.rules.map((r) => [r.port, r.source_ips]), [
    ["6443", ["203.0.113.0/24", "2001:db8::/32"]],
    ["50000", ["203.0.113.0/24", "2001:db8::/32"]],
  ]);
  const open = expandSpec(dev).firewall;
  assertOk(open.needsCallerIp);
  assertEquals(open.request.rules.map((r) => r.source_ips), [[], []]);
  assertEquals(open.request.apply_to, [{
    type: "label_selector",
    label_selector: { selector: "k8zner.io/cluster=dev" },
  }]);
});

Deno.test("the API load balancer targets the control planes over the private network at 10.0.0.254", () => {
  const lb = expandSpec(ha).loadBalancer;
  assertEquals(lb.request.name, "large-prod-kube");
  assertEquals(lb.privateIp, "10.0.0.254");
  assertEquals(
    lb.request.targets[0]!.label_selector.selector,
    "k8zner.io/cluster=large-prod,k8zner.io/role=control-plane",
  );
  assertEquals(lb.request.services.map((s) => [s.listen_port, s.health_check.protocol]), [[6443, "http"]]);
  assertOk(cidrContains(expandSpec(ha).network.cidrs.loadBalancerSubnet, `${lb.privateIp}/32`));
});

Deno.test("no load balancer service forwards the Talos API (50000) or trustd (50001), in any mode", () => {
  // The load balancer reaches the control planes' private IPs, where the firewall does not apply.
  for (const spec of [dev, ha, { ...ha, api_allowlist: ["198.51.100.0/24"] }]) {
    const services = expandSpec(spec).loadBalancer.request.services;
    const talos = services.filter((s) =>
      [s.listen_port, s.destination_port, s.health_check.port].some((p) => p === 50000 || p === 50001)
    );
    assertEquals(talos, [], `${spec.name} (${spec.mode})`);
  }
});

Deno.test("placement groups hold at most 10 servers and every server names an existing group", () => {
  for (const state of [expandSpec(dev), expandSpec(ha)]) {
    const names = new Set(state.placementGroups.map((g) => g.request.name));
    const members = new Map<string, number>();
    for (const s of state.servers) {
      assertOk(names.has(s.placementGroup), `${s.name} -> ${s.placementGroup}`);
      members.set(s.placementGroup, (members.get(s.placementGroup) ?? 0) + 1);
    }
    for (const [group, n] of members) assertOk(n <= 10, `${group} has ${n}`);
  }
});

Deno.test("addon toggles follow the spec: domain adds DNS and TLS, monitoring and backup add their addons", () => {
  const plain = expandSpec(dev).addons;
  assertOk(!plain.externalDns.enabled && !plain.kubePrometheusStack.enabled && !plain.talosBackup.enabled);
  assertEquals(plain.certManager.acme, undefined);
  assertEquals(plain.argocd.host, undefined);
  const full = expandSpec(ha).addons;
  assertOk(full.externalDns.enabled && full.kubePrometheusStack.enabled && full.talosBackup.enabled);
  assertEquals(full.certManager.acme?.email, "ops@example.com");
  assertEquals(full.argocd.host, "argocd.example.com");
  assertEquals(full.kubePrometheusStack.grafanaHost, "metrics.example.com");
  assertEquals(full.talosBackup.bucket, "large-prod-etcd-backups");
  const defaults = expandSpec({ ...dev, domain: "example.org" }).addons;
  assertEquals(defaults.certManager.acme?.email, "admin@example.org");
  assertEquals(defaults.argocd.host, "argo.example.org");
});

Deno.test("the network plan keeps node subnets inside the node range and pods inside the network", () => {
  const { cidrs, request } = expandSpec(dev).network;
  assertEquals(request.subnets.map((s) => s.ip_range), ["10.0.0.0/25", "10.0.0.128/25", "10.0.1.0/25"]);
  for (const s of request.subnets) assertOk(cidrContains(cidrs.nodes, s.ip_range));
  assertOk(cidrContains(cidrs.network, cidrs.pods));
  assertOk(!cidrContains(cidrs.nodes, cidrs.pods));
  assertOk(!cidrContains(cidrs.network, cidrs.services));
});
