import { assertEquals, assertIncludes, assertOk } from "../../tests/assert.ts";
import { expandSpec, type Spec } from "../config/mod.ts";
import { emptyObserved } from "../cluster/infra/observed.ts";
import type { KubeObject } from "../kube/mod.ts";
import { buildApplyPlan, effectiveAllowlist, planClusterSpec, renderDesiredClusterSpec } from "./apply_plan.ts";
import { applyPlanToJson, renderApplyPlan } from "./render_apply_plan.ts";

const spec: Spec = { name: "p1", region: "fsn1", mode: "ha", workers: { count: 2, size: "cx33" } };
const desired = expandSpec(spec);

function liveCluster(specOverride: Record<string, unknown>): KubeObject {
  return {
    apiVersion: "k8zner.io/v1alpha1",
    kind: "K8znerCluster",
    metadata: { name: "p1", namespace: "k8zner-system" },
    spec: specOverride,
  };
}

Deno.test("buildApplyPlan() keeps only the first control plane as apply's server; the rest is the operator's", () => {
  const plan = buildApplyPlan(desired, emptyObserved("p1"), {
    callerIp: "203.0.113.10",
    cluster: { state: "create", changes: [] },
  });
  const servers = plan.infrastructure.filter((c) => c.kind === "server").map((c) => c.name);
  assertEquals(servers, ["p1-cp-1"]);
  assertEquals(plan.operator.map((c) => c.name), ["p1-cp-2", "p1-cp-3", "p1-w-1", "p1-w-2"]);
  assertOk(plan.pending, "a new cluster has pending changes");
});

Deno.test("buildApplyPlan() of a handed-over cluster never counts servers as apply's work", () => {
  const plan = buildApplyPlan(desired, emptyObserved("p1"), {
    callerIp: "203.0.113.10",
    cluster: { state: "unchanged", changes: [] },
  });
  assertEquals(plan.infrastructure.filter((c) => c.kind === "server"), []);
  assertEquals(plan.operator.length, 5);
});

Deno.test("effectiveAllowlist() is the caller's /32 only when api_allowlist is empty", () => {
  assertEquals(effectiveAllowlist(desired, "203.0.113.10"), ["203.0.113.10/32"]);
  const withList = expandSpec({ ...spec, api_allowlist: ["198.51.100.0/24"] });
  assertEquals(effectiveAllowlist(withList, "203.0.113.10"), undefined);
  assertEquals(renderDesiredClusterSpec(withList, undefined).apiAllowlist, ["198.51.100.0/24"]);
});

Deno.test("planClusterSpec() ignores bootstrap, paused and healthCheck and reports config-driven changes", () => {
  const wanted = renderDesiredClusterSpec(desired, "203.0.113.10");
  const same = planClusterSpec(wanted, liveCluster({ ...wanted, bootstrap: { completed: true }, paused: true }));
  assertEquals(same.state, "unchanged");
  const fewer = planClusterSpec(wanted, liveCluster({ ...wanted, workers: { count: 1, size: "cx33" } }));
  assertEquals(fewer.state, "update");
  assertEquals(fewer.changes.map((c) => c.path), ["workers.count"]);
  assertEquals(planClusterSpec(wanted, undefined, "no API").state, "create");
});

Deno.test("renderApplyPlan() and applyPlanToJson() show infrastructure, operator servers and the spec diff", () => {
  const wanted = renderDesiredClusterSpec(desired, "203.0.113.10");
  const cluster = planClusterSpec(wanted, liveCluster({ ...wanted, workers: { count: 1, size: "cx33" } }));
  const plan = buildApplyPlan(desired, emptyObserved("p1"), { callerIp: "203.0.113.10", cluster });
  const text = renderApplyPlan(plan, "p1");
  assertIncludes(text, "+ network");
  assertIncludes(text, "~ workers.count: 1 -> 2");
  assertIncludes(text, "Servers the operator creates");
  const json = applyPlanToJson(plan);
  assertEquals(json.pending, true);
  assertEquals((json.cluster as { state: string }).state, "update");
});

Deno.test("renderApplyPlan() says what apply does with the backup bucket, and nothing without backup", () => {
  const withBackup = expandSpec({ ...spec, backup: true, backup_retention_days: 30 });
  const plan = buildApplyPlan(withBackup, emptyObserved("p1"), {
    callerIp: "203.0.113.10",
    cluster: { state: "create", changes: [] },
  });
  const text = renderApplyPlan(plan, "p1");
  assertIncludes(text, "bucket p1-etcd-backups in fsn1: created if missing");
  assertIncludes(text, "never deleted by k8zner");
  assertIncludes(text, "snapshots expire after 30 days");
  assertEquals(applyPlanToJson(plan).backup, {
    action: "ensure",
    bucket: "p1-etcd-backups",
    region: "fsn1",
    retentionDays: 30,
  });
  const plain = buildApplyPlan(desired, emptyObserved("p1"), {
    callerIp: "203.0.113.10",
    cluster: { state: "create", changes: [] },
  });
  assertOk(!renderApplyPlan(plain, "p1").includes("etcd backups"));
});
