import { assertEquals, assertIncludes, assertOk } from "../../tests/assert.ts";
import { ConfigError, expandSpec, type Spec } from "../config/mod.ts";
import { emptyObserved } from "../cluster/infra/observed.ts";
import type { KubeObject } from "../kube/mod.ts";
import { buildApplyPlan, planClusterSpec, renderDesiredClusterSpec } from "./apply_plan.ts";
import { applyPlanToJson, renderApplyPlan } from "./render_apply_plan.ts";
import { planRollout } from "../cluster/upgrade/rollout.ts";
import {
  assertVersionChange,
  currentVersionsOfNodes,
  currentVersionsOfSpec,
  describeVersionChange,
} from "./version_gate.ts";

const SPEC: Spec = { name: "p1", region: "fsn1", mode: "ha", workers: { count: 2, size: "cx33" } };

function liveAt(talos: string, kubernetes: string): KubeObject {
  const spec = renderDesiredClusterSpec(expandSpec({ ...SPEC, talos_version: "v1.12.6" }), "203.0.113.10");
  spec.talos.version = talos;
  spec.kubernetes.version = kubernetes;
  return { apiVersion: "k8zner.io/v1alpha1", kind: "K8znerCluster", metadata: { name: "p1" }, spec };
}

function refusal(fn: () => void): ConfigError {
  try {
    fn();
  } catch (err) {
    assertOk(err instanceof ConfigError, String(err));
    return err;
  }
  throw new Error("expected a ConfigError");
}

Deno.test("assertVersionChange() refuses a downgrade across minors on the field's line, with what is allowed, exit 2", () => {
  const desired = expandSpec({ ...SPEC, talos_version: "v1.12.6", kubernetes_version: "1.35.2" });
  const err = refusal(() =>
    assertVersionChange(currentVersionsOfSpec(liveAt("v1.13.9", "1.36.3")), desired, {
      path: "k8zner.yaml",
      positions: { talos_version: { line: 7, column: 1 }, kubernetes_version: { line: 8, column: 1 } },
    })
  );
  assertEquals(err.exitCode, 2);
  assertEquals(err.problems.map((p) => [p.path, p.line, p.allowed]), [
    ["talos_version", 7, "v1.13.9"],
    ["kubernetes_version", 8, "1.36.3"],
  ]);
  assertIncludes(
    err.message,
    "k8zner.yaml:7:1: talos_version: v1.12.6 would downgrade Talos from v1.13.9, which the cluster runs",
  );
  assertIncludes(err.hint ?? "", "one minor per apply");
});

Deno.test("assertVersionChange() says when the refused version is this k8zner's default, not the file's", () => {
  const err = refusal(() =>
    assertVersionChange(currentVersionsOfSpec(liveAt("v1.11.5", "1.35.2")), expandSpec(SPEC), { path: "k8zner.yaml" })
  );
  assertEquals(err.problems.map((p) => [p.path, p.line]), [["talos_version", 1]]);
  assertIncludes(
    err.message,
    "talos_version: not set, so its default applies: v1.13.9 would skip Talos 1.12",
  );
});

Deno.test("assertVersionChange() lets one minor up through, and checks nothing it cannot read", () => {
  assertVersionChange(currentVersionsOfSpec(liveAt("v1.12.6", "1.35.2")), expandSpec(SPEC), { path: "f" });
  const unknown = currentVersionsOfNodes([{ talos: undefined, kubelet: undefined }]);
  assertEquals(unknown, { talos: [], kubernetes: [] });
  assertVersionChange(unknown, expandSpec(SPEC), { path: "f" });
  // Nodes report kubelets with "v"; rules compare without.
  assertEquals(currentVersionsOfNodes([{ talos: "v1.13.9", kubelet: "v1.36.3" }]), {
    talos: ["v1.13.9"],
    kubernetes: ["1.36.3"],
  });
  refusal(() =>
    assertVersionChange(
      currentVersionsOfNodes([{ talos: "v1.13.9", kubelet: "v1.36.3" }]),
      expandSpec({ ...SPEC, talos_version: "v1.12.6" }),
      { path: "f" },
    )
  );
});

Deno.test("plan shows the version change of the spec and the operator's rollout in order", () => {
  const desired = expandSpec(SPEC);
  const cluster = planClusterSpec(renderDesiredClusterSpec(desired, "203.0.113.10"), liveAt("v1.12.6", "1.35.2"));
  assertEquals(cluster.state, "update");
  assertEquals(cluster.upgrade, {
    talos: { from: "v1.12.6", to: "v1.13.9" },
    kubernetes: { from: "1.35.2", to: "1.36.3" },
  });
  assertEquals(
    describeVersionChange(cluster.upgrade!),
    "Talos v1.12.6 -> v1.13.9, Kubernetes 1.35.2 -> 1.36.3: the operator rolls the nodes one at a time",
  );
  const plan = buildApplyPlan(desired, emptyObserved("p1"), { callerIp: "203.0.113.10", cluster });
  assertOk(plan.pending, "the spec changes");
  const old = { talos: "v1.12.6", kubelet: "1.35.2" };
  plan.rollout = planRollout([
    { name: "p1-w-1", role: "worker", ...old },
    { name: "p1-cp-2", role: "control-plane", ...old },
    { name: "p1-cp-1", role: "control-plane", talos: "v1.13.9", kubelet: "1.35.2" },
  ], { talos: desired.talos.version, kubernetes: desired.kubernetes.version });
  const text = renderApplyPlan(plan, "p1");
  assertIncludes(text, '  ~ talos.version: "v1.12.6" -> "v1.13.9"');
  assertIncludes(
    text,
    "  Upgrade: Talos v1.12.6 -> v1.13.9, Kubernetes 1.35.2 -> 1.36.3: the operator rolls the nodes one at a time.",
  );
  assertIncludes(
    text,
    [
      "(to Talos v1.13.9, Kubernetes 1.36.3):",
      "  1. Talos v1.12.6 -> v1.13.9 on control-plane p1-cp-2",
      "  2. Talos v1.12.6 -> v1.13.9 on worker p1-w-1",
      "  3. control-plane components 1.35.2 -> 1.36.3 on p1-cp-1",
      "  4. control-plane components 1.35.2 -> 1.36.3 on p1-cp-2",
      "  5. kubelet 1.35.2 -> 1.36.3 on control-plane p1-cp-1",
      "  6. kubelet 1.35.2 -> 1.36.3 on control-plane p1-cp-2",
      "  7. kubelet 1.35.2 -> 1.36.3 on worker p1-w-1",
    ].join("\n"),
  );
  const json = applyPlanToJson(plan) as { cluster: { upgrade?: unknown }; rollout?: { steps: unknown[] } };
  assertEquals(json.cluster.upgrade, cluster.upgrade);
  assertEquals(json.rollout?.steps.length, 7);
});

Deno.test("plan shows no upgrade and no rollout section when the versions stay", () => {
  const desired = expandSpec(SPEC);
  const cluster = planClusterSpec(renderDesiredClusterSpec(desired, "203.0.113.10"), liveAt("v1.13.9", "1.36.3"));
  assertEquals(cluster.upgrade, undefined);
  const plan = buildApplyPlan(desired, emptyObserved("p1"), { callerIp: "203.0.113.10", cluster });
  plan.rollout = planRollout([{ name: "p1-cp-1", role: "control-plane", talos: "v1.13.9", kubelet: "1.36.3" }], {
    talos: "v1.13.9",
    kubernetes: "1.36.3",
  });
  const text = renderApplyPlan(plan, "p1");
  assertEquals(text.includes("Upgrade:"), false);
  assertEquals(text.includes("Rolling upgrade"), false);
});
