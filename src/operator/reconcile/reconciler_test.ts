import { assertEquals, assertOk } from "../../../tests/assert.ts";
import type { ConditionInput, ReconcileContext, StepOutcome } from "./context.ts";
import type { StoredCondition } from "./conditions.ts";
import type { PhaseStep } from "./phase_step.ts";
import { buildStatus, runPass, statusChanged, StepError } from "./reconciler.ts";

const T0 = Date.UTC(2026, 11, 6, 12, 0, 0);
const ctx = { signal: new AbortController().signal } as unknown as ReconcileContext;

function step(
  name: string,
  phase: PhaseStep["phase"],
  outcome: StepOutcome | (() => StepOutcome),
  extra: Partial<PhaseStep> = {},
): PhaseStep & { runs: number } {
  const s = {
    name,
    phase,
    acts: true,
    runs: 0,
    ...extra,
    run: () => {
      s.runs++;
      return Promise.resolve(typeof outcome === "function" ? outcome() : outcome);
    },
  };
  return s;
}

const cond = (type: ConditionInput["type"], status: ConditionInput["status"], reason = "R", message = "m") => ({
  type,
  status,
  reason,
  message,
});

function conditionOf(status: Record<string, unknown>, type: string): StoredCondition {
  const found = (status.conditions as StoredCondition[]).find((c) => c.type === type);
  assertOk(found, `no ${type} condition`);
  return found;
}

Deno.test("runPass() stops at the first step not done, reports its phase and the soonest requeue", async () => {
  const infra = step("Infrastructure", "Infrastructure", {
    done: true,
    conditions: [cond("InfrastructureReady", "True")],
    requeueAfterMs: 20_000,
    status: { infrastructure: { networkID: 1 } },
  });
  const compute = step("Compute", "Compute", {
    done: false,
    conditions: [cond("ControlPlaneReady", "False", "Joining", "cp-2 joins etcd"), cond("WorkersReady", "True")],
    requeueAfterMs: 5_000,
  });
  const cni = step("CNI", "CNI", { done: true, conditions: [] });
  const pass = await runPass(ctx, { steps: [infra, compute, cni], paused: false });
  assertEquals(pass.provisioningPhase, "Compute");
  assertEquals(pass.requeueAfterMs, 5_000);
  assertEquals(pass.waitingFor, { step: "Compute", message: "cp-2 joins etcd", external: false });
  assertEquals(pass.status, { infrastructure: { networkID: 1 } });
  assertEquals(cni.runs, 0);
});

Deno.test("runPass() under spec.paused skips acting steps and still runs observing ones", async () => {
  const infra = step("Infrastructure", "Infrastructure", { done: true, conditions: [] });
  const cni = step("CNI", "CNI", { done: true, conditions: [cond("CNIReady", "True")] }, { acts: false });
  const pass = await runPass(ctx, { steps: [infra, cni], paused: true });
  assertEquals([infra.runs, cni.runs], [0, 1]);
  assertEquals(pass.conditions.map((c) => c.type), ["CNIReady"]);
  const status = buildStatus(pass, { previous: undefined, generation: 4, nowMs: T0 });
  assertEquals(status.phase, "Paused");
  assertEquals(conditionOf(status, "Progressing").status, "False");
  assertEquals(conditionOf(status, "Progressing").reason, "Paused");
});

Deno.test("runPass() runs a non-gating step only when its guard holds, and a healing step not done means phase Healing", async () => {
  const cni = step("CNI", "CNI", { done: true, conditions: [cond("CNIReady", "True")] });
  const healing = step("Healing", "CNI", { done: false, conditions: [], requeueAfterMs: 5_000 }, {
    gates: false,
    when: (p) => p.conditions.get("CNIReady")?.status === "True",
  });
  const addons = step("Addons", "Addons", { done: true, conditions: [] });
  const pass = await runPass(ctx, { steps: [cni, healing, addons], paused: false });
  assertEquals([healing.runs, addons.runs], [1, 1]);
  assertEquals([pass.provisioningPhase, pass.healing], ["Running", true]);
  const status = buildStatus(pass, { previous: undefined, generation: 1, nowMs: T0 });
  assertEquals([status.phase, conditionOf(status, "Progressing").reason], ["Healing", "Healing"]);

  const notReady = step("CNI", "CNI", { done: false, conditions: [cond("CNIReady", "False")] });
  healing.runs = 0;
  await runPass(ctx, { steps: [notReady, healing], paused: false });
  assertEquals(healing.runs, 0);
});

Deno.test("runPass() wraps a step's error with the step and its phase", async () => {
  const failing = step("Infrastructure", "Infrastructure", () => {
    throw new Error("Hetzner said no");
  });
  const err = await runPass(ctx, { steps: [failing], paused: false }).then(() => undefined, (e) => e);
  assertOk(err instanceof StepError, String(err));
  assertEquals([err.step, err.phase, (err.cause as Error).message], [
    "Infrastructure",
    "Infrastructure",
    "Hetzner said no",
  ]);
});

Deno.test("buildStatus() stamps observedGeneration, derives Ready/Progressing/Degraded and keeps lastTransitionTime while a status holds", async () => {
  const steps = (cp: ConditionInput["status"]) => [
    step("Compute", "Compute", { done: cp === "True", conditions: [cond("ControlPlaneReady", cp, "R", `cp ${cp}`)] }),
  ];
  const first = buildStatus(await runPass(ctx, { steps: steps("False"), paused: false }), {
    previous: undefined,
    generation: 2,
    nowMs: T0,
  });
  assertEquals([first.phase, first.provisioningPhase, first.observedGeneration], ["Provisioning", "Compute", 2]);
  assertEquals(first.lastReconcileTime, "2026-12-06T12:00:00Z");
  assertEquals(conditionOf(first, "ControlPlaneReady"), {
    type: "ControlPlaneReady",
    status: "False",
    reason: "R",
    message: "cp False",
    lastTransitionTime: "2026-12-06T12:00:00Z",
    observedGeneration: 2,
  });
  assertEquals(conditionOf(first, "Ready").status, "False");
  assertEquals(conditionOf(first, "Ready").message, "Phase Compute: cp False");
  assertEquals([conditionOf(first, "Progressing").status, conditionOf(first, "Degraded").status], ["True", "False"]);

  // Same observation a minute later: the very same status, nothing to write.
  const idle = buildStatus(await runPass(ctx, { steps: steps("False"), paused: false }), {
    previous: first,
    generation: 2,
    nowMs: T0 + 60_000,
  });
  assertEquals(statusChanged(first, idle), false);
  assertEquals(idle.lastReconcileTime, "2026-12-06T12:00:00Z");

  // The condition flips and the generation moved: new transition time, new generation everywhere.
  const later = buildStatus(await runPass(ctx, { steps: steps("True"), paused: false }), {
    previous: first,
    generation: 3,
    nowMs: T0 + 120_000,
  });
  assertEquals(later.phase, "Running");
  assertEquals(conditionOf(later, "ControlPlaneReady").lastTransitionTime, "2026-12-06T12:02:00Z");
  assertEquals(conditionOf(later, "Ready").status, "True");
  assertEquals(conditionOf(later, "Progressing").reason, "Converged");
  // Degraded stayed False: its transition time is the first one.
  assertEquals(conditionOf(later, "Degraded").lastTransitionTime, "2026-12-06T12:00:00Z");
  assertEquals((later.conditions as StoredCondition[]).every((c) => c.observedGeneration === 3), true);
});

Deno.test("buildStatus() lets a step's Degraded condition win and keeps conditions of steps that did not run", async () => {
  const previous = buildStatus(
    await runPass(ctx, {
      steps: [step("CNI", "CNI", { done: true, conditions: [cond("CNIReady", "True")] })],
      paused: false,
    }),
    { previous: undefined, generation: 1, nowMs: T0 },
  );
  const healing = step("Healing", "CNI", {
    done: true,
    conditions: [cond("Degraded", "True", "QuorumAtRisk", "2 of 3 control planes down")],
  }, { gates: false });
  const status = buildStatus(await runPass(ctx, { steps: [healing], paused: false }), {
    previous,
    generation: 1,
    nowMs: T0 + 1_000,
  });
  assertEquals(status.phase, "Degraded");
  assertEquals(conditionOf(status, "Degraded").reason, "QuorumAtRisk");
  assertEquals(conditionOf(status, "Ready").status, "False");
  assertEquals(conditionOf(status, "CNIReady").status, "True");
});

Deno.test("buildStatus() merges step fields as the merge patch will, so a field only the CLI wrote does not make every pass a write", async () => {
  const previous = {
    phase: "Provisioning",
    infrastructure: { networkID: 7, snapshotID: 99 },
  };
  const infra = step("Infrastructure", "Infrastructure", {
    done: true,
    conditions: [],
    status: { infrastructure: { networkID: 7, firewallID: 8 } },
  });
  const first = buildStatus(await runPass(ctx, { steps: [infra], paused: false }), {
    previous,
    generation: 1,
    nowMs: T0,
  });
  assertEquals(first.infrastructure, { networkID: 7, snapshotID: 99, firewallID: 8 });
  const second = buildStatus(await runPass(ctx, { steps: [infra], paused: false }), {
    previous: first,
    generation: 1,
    nowMs: T0 + 30_000,
  });
  assertEquals(statusChanged(first, second), false);
});

Deno.test("a step waiting for something outside the operator ends Progressing (False, WaitingFor<step>), so --wait can stop", async () => {
  const compute = step("Compute", "Compute", { done: true, conditions: [cond("ControlPlaneReady", "True")] });
  const cni = step("CNI", "CNI", {
    done: false,
    external: true,
    conditions: [cond("CNIReady", "False", "Pending", "no CNI DaemonSet yet")],
  });
  const pass = await runPass(ctx, { steps: [compute, cni], paused: false });
  const status = buildStatus(pass, { previous: undefined, generation: 1, nowMs: T0 });
  const progressing = conditionOf(status, "Progressing");
  assertEquals([progressing.status, progressing.reason], ["False", "WaitingForCNI"]);
  assertEquals([status.phase, status.provisioningPhase], ["Provisioning", "CNI"]);
  assertEquals(conditionOf(status, "Ready").status, "False");
  // The same step while it acts (not external) keeps the cluster progressing.
  const acting = step("CNI", "CNI", { done: false, conditions: [cond("CNIReady", "False", "Installing")] });
  const busy = buildStatus(await runPass(ctx, { steps: [compute, acting], paused: false }), {
    previous: undefined,
    generation: 1,
    nowMs: T0,
  });
  assertEquals(conditionOf(busy, "Progressing").status, "True");
});
