/**
 * Healing: replaces failed nodes through the healing module, only while `CNIReady` is True (before
 * that every node is NotReady by design). It does not gate later phases: a replacement in progress
 * shows as phase `Healing` and `Progressing` True.
 *
 * @module
 */
import { reconcileHealing } from "../healing/mod.ts";
import type { ReconcileContext, StepOutcome } from "../context.ts";
import type { PassState, PhaseStep } from "../phase_step.ts";

/** Runs healing on the compute the Compute step observed this pass. */
export function runHealing(ctx: ReconcileContext, pass: PassState): Promise<StepOutcome> {
  if (!pass.view || !pass.actions) throw new Error("Cannot heal before the compute step observed the nodes");
  return reconcileHealing(ctx, pass.view, pass.actions);
}

/** The healing step (after CNI). */
export const healingStep: PhaseStep = {
  name: "Healing",
  phase: "CNI",
  acts: true,
  gates: false,
  when: (pass) => pass.conditions.get("CNIReady")?.status === "True" && pass.view !== undefined,
  run: runHealing,
};
