/**
 * Upgrade: rolls the nodes to the spec's Talos and Kubernetes versions one step at a time
 * (`upgrade/reconcile_upgrade.ts`), once `CNIReady` is True (before that every Node is NotReady by
 * design, and every gate would stay shut). It does not gate later phases and owns `UpgradeBlocked`.
 *
 * @module
 */
import type { ReconcileContext, StepOutcome } from "../context.ts";
import type { PassState, PhaseStep } from "../phase_step.ts";
import { reconcileUpgrade } from "../upgrade/reconcile_upgrade.ts";

/** Runs the rollout on the compute the Compute step observed this pass. */
export function runUpgrade(ctx: ReconcileContext, pass: PassState): Promise<StepOutcome> {
  if (!pass.view) throw new Error("Cannot upgrade before the compute step observed the nodes");
  return reconcileUpgrade(ctx, pass.view, pass.infra);
}

/** The upgrade step (after healing). */
export const upgradeStep: PhaseStep = {
  name: "Upgrade",
  phase: "CNI",
  acts: true,
  gates: false,
  when: (pass) => pass.conditions.get("CNIReady")?.status === "True" && pass.view !== undefined,
  run: runUpgrade,
};
