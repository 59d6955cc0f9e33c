import { assertEquals } from "../../tests/assert.ts";
import type { KubeObject } from "../kube/mod.ts";
import { checkClusterStatus } from "./doctor_cluster.ts";
import { isHealthy, renderDoctorJson, renderDoctorText } from "./doctor_report.ts";

function cluster(status: Record<string, unknown> | undefined): KubeObject {
  return {
    apiVersion: "k8zner.io/v1alpha1",
    kind: "K8znerCluster",
    metadata: { name: "demo", namespace: "k8zner-system" },
    spec: { controlPlanes: { count: 1 }, workers: { count: 2 } },
    ...(status ? { status } : {}),
  };
}

const RUNNING = {
  phase: "Running",
  provisioningPhase: "Running",
  controlPlaneEndpoint: "203.0.113.10",
  controlPlanes: {
    desired: 1,
    ready: 1,
    nodes: [{ name: "demo-cp-1", phase: "Ready", healthy: true, privateIP: "10.0.64.11" }],
  },
  workers: {
    desired: 2,
    ready: 2,
    nodes: [
      { name: "demo-w-1", phase: "Ready", healthy: true },
      { name: "demo-w-2", phase: "Ready", healthy: true },
    ],
  },
  conditions: [
    { type: "Ready", status: "True", reason: "AllReady", message: "", lastTransitionTime: "2026-01-01T00:00:00Z" },
  ],
  addons: {
    traefik: { installed: true, phase: "Installed", healthy: true, version: "34.3.0" },
    cilium: { installed: true, phase: "Installed", healthy: true, version: "1.16.5" },
  },
  connectivity: { kubeAPIReady: true, metricsAPIReady: true, endpoints: [] },
};

Deno.test("a Running cluster with every pool ready passes every check, addons in install order", () => {
  const result = checkClusterStatus(cluster(RUNNING));
  assertEquals(result.phase, "Running");
  assertEquals(result.checks.filter((c) => c.status !== "ok").map((c) => c.id), []);
  assertEquals(result.checks.filter((c) => c.section === "Addons").map((c) => c.title), ["cilium", "traefik"]);
  assertEquals(result.checks.find((c) => c.id === "cluster.workers")?.detail, "2/2 ready");
  assertEquals(result.nodes.map((n) => `${n.name}:${n.role}`), [
    "demo-cp-1:control-plane",
    "demo-w-1:worker",
    "demo-w-2:worker",
  ]);
});

Deno.test("a Degraded cluster with a missing worker and a failed addon fails those checks", () => {
  const result = checkClusterStatus(cluster({
    ...RUNNING,
    phase: "Degraded",
    workers: { desired: 2, ready: 1, unhealthy: 1 },
    conditions: [
      { type: "WorkersReady", status: "False", reason: "NodeNotReady", message: "demo-w-2 NotReady" },
      { type: "Progressing", status: "False", reason: "QuorumAtRisk", message: "nothing destructive" },
      { type: "Degraded", status: "True", reason: "QuorumAtRisk", message: "2 of 3 etcd members down" },
    ],
    addons: { argocd: { installed: false, phase: "Failed", message: "chart timed out" } },
  }));
  const failed = result.checks.filter((c) => c.status === "fail").map((c) => c.id);
  assertEquals(failed, [
    "cluster.phase",
    "cluster.condition.WorkersReady",
    "cluster.condition.Degraded",
    "cluster.workers",
    "addon.argocd",
  ]);
  assertEquals(result.checks.find((c) => c.id === "cluster.condition.Progressing")?.status, "ok");
  assertEquals(result.checks.find((c) => c.id === "cluster.workers")?.detail, "1/2 ready, 1 unhealthy");
  assertEquals(
    result.checks.find((c) => c.id === "cluster.condition.WorkersReady")?.detail,
    "False: NodeNotReady: demo-w-2 NotReady",
  );
});

Deno.test("UpgradeBlocked is healthy when False (up to date or rolling) and fails the check when True", () => {
  const withUpgrade = (status: string, reason: string, message: string) =>
    checkClusterStatus(cluster({
      ...RUNNING,
      conditions: [...RUNNING.conditions, { type: "UpgradeBlocked", status, reason, message }],
    })).checks.find((c) => c.id === "cluster.condition.UpgradeBlocked");
  assertEquals(withUpgrade("False", "UpToDate", "every node runs v1.13.9 / 1.36.3")?.status, "ok");
  assertEquals(withUpgrade("False", "InProgress", "upgrading Talos on demo-cp-1")?.status, "ok");
  const blocked = withUpgrade("True", "NodeNotReady", "Before upgrading demo-cp-2: demo-cp-3 is NotReady");
  assertEquals(blocked?.status, "fail");
  assertEquals(blocked?.detail, "True: NodeNotReady: Before upgrading demo-cp-2: demo-cp-3 is NotReady");
});

Deno.test("a cluster still provisioning warns about pools not ready yet instead of failing", () => {
  const result = checkClusterStatus(cluster({
    phase: "Provisioning",
    provisioningPhase: "CNI",
    controlPlanes: { desired: 1, ready: 1 },
    workers: { desired: 2, ready: 0 },
    conditions: [{ type: "Ready", status: "False", reason: "Provisioning", message: "installing CNI" }],
  }));
  assertEquals(result.checks.filter((c) => c.status === "fail"), []);
  assertEquals(result.checks.find((c) => c.id === "cluster.phase")?.detail, "Provisioning (provisioning step CNI)");
  assertEquals(result.checks.find((c) => c.id === "cluster.workers")?.status, "warn");
});

Deno.test("an object without status reports that the operator has not reported yet", () => {
  const result = checkClusterStatus(cluster(undefined));
  assertEquals(result.phase, "Unknown");
  assertEquals(result.checks[0]?.detail, "no status yet (the operator has not reported)");
  assertEquals(result.checks.find((c) => c.id === "cluster.workers")?.detail, "0/2 ready");
});

Deno.test("endpoints name what is missing of DNS, TLS and HTTP", () => {
  const result = checkClusterStatus(cluster({
    ...RUNNING,
    connectivity: {
      kubeAPIReady: true,
      endpoints: [{ host: "argo.example.com", dnsReady: true, tlsReady: false, httpReady: false, message: "pending" }],
    },
  }));
  const ep = result.checks.find((c) => c.id === "endpoint.argo.example.com")!;
  assertEquals([ep.status, ep.detail], ["warn", "missing TLS, HTTP (pending)"]);
});

/** The doctor report of cluster "demo" for a status check result (fixed time, optional inventory). */
function clusterReport(
  result: ReturnType<typeof checkClusterStatus>,
  inventory?: { kind: "server"; name: string; id: number; detail: string }[],
) {
  return {
    cluster: "demo",
    region: "fsn1",
    stage: "cluster" as const,
    phase: result.phase,
    checks: result.checks,
    nodes: result.nodes,
    inventory,
    checkedAt: "2026-01-01T00:00:00.000Z",
  };
}

Deno.test("the text report shows ✔/✖ lines, colour only when asked, and the JSON says whether it is healthy", () => {
  const result = checkClusterStatus(cluster({ ...RUNNING, phase: "Failed" }));
  const report = clusterReport(result, [
    { kind: "server", name: "demo-cp-1", id: 7, detail: "cx23 in fsn1, running" },
  ]);
  const plain = renderDoctorText(report, false);
  assertEquals(plain.includes("\x1b["), false);
  assertEquals(plain.split("\n")[0], 'k8zner doctor: cluster "demo" (fsn1), phase Failed');
  assertEquals(plain.includes("  ✖ Phase: Failed"), true);
  assertEquals(plain.includes("  ✔ Workers: 2/2 ready"), true);
  assertEquals(plain.includes("  server demo-cp-1 (id 7): cx23 in fsn1, running"), true);
  assertEquals(plain.trimEnd().split("\n").at(-1), "✖ 1 check(s) failed");
  assertEquals(renderDoctorText(report, true).includes("\x1b[31m"), true);
  assertEquals(isHealthy(report), false);
  assertEquals(JSON.parse(renderDoctorJson(report)).healthy, false);
});

Deno.test("text and --json agree on every node's health, and an unhealthy node fails the report in both", () => {
  const cases: { node: Record<string, unknown>; health: string; icon: string }[] = [
    { node: { name: "n-ready", phase: "Ready", healthy: true }, health: "ok", icon: "✔" },
    { node: { name: "n-ready-no-flag", phase: "Ready" }, health: "ok", icon: "✔" },
    { node: { name: "n-initializing", phase: "NodeInitializing", healthy: true }, health: "warn", icon: "!" },
    { node: { name: "n-no-phase" }, health: "warn", icon: "!" },
    { node: { name: "n-unhealthy", phase: "Ready", healthy: false }, health: "fail", icon: "✖" },
  ];
  for (const c of cases) {
    const result = checkClusterStatus(cluster({
      ...RUNNING,
      workers: { desired: 1, ready: 1, nodes: [c.node] },
    }));
    const report = clusterReport(result);
    const doc = JSON.parse(renderDoctorJson(report));
    const name = c.node.name as string;
    const line = renderDoctorText(report, false).split("\n").find((l) => l.includes(` ${name} `));
    assertEquals(
      { json: doc.nodes.find((n: { name: string }) => n.name === name)?.health, text: line?.trim().split(" ")[0] },
      { json: c.health, text: c.icon },
      name,
    );
    const verdict = renderDoctorText(report, false).trimEnd().split("\n").at(-1)!;
    assertEquals({ json: doc.healthy, text: verdict.startsWith("✔") }, {
      json: c.health !== "fail",
      text: c.health !== "fail",
    }, name);
  }
});
