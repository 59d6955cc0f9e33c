/**
 * Upgrade: rolls the nodes to the spec's Talos and Kubernetes versions one step at a time
 * (`upgrade/reconcile_upgrade.ts`). It runs right after Compute, so a node that goes down mid-rollout
 * (which also holds back the CNI and Addons steps) is still reported as `UpgradeBlocked`; and only once
 * the cluster's `CNIReady` has been True (before that every Node is NotReady by design, and every gate
 * would stay shut). It does not gate later phases and owns `UpgradeBlocked`.
 *
 * @module
 */
import type { ReconcileContext, StepOutcome } from "../context.ts";
import { isCniReady } from "../healing/health_spec.ts";
import type { PassState, PhaseStep } from "../phase_step.ts";
import { reconcileUpgrade } from "../upgrade/reconcile_upgrade.ts";

/** Runs the rollout on the compute the Compute step observed this pass. */
export async function runUpgrade(ctx: ReconcileContext, pass: PassState): Promise<StepOutcome> {
  if (!pass.view) throw new Error("Cannot upgrade before the compute step observed the nodes");
  if (!isCniReady(ctx.cluster)) return { conditions: [], done: true };
  return await reconcileUpgrade(ctx, pass.view, pass.infra);
}

/** The upgrade step (after Compute). */
export const upgradeStep: PhaseStep = {
  name: "Upgrade",
  phase: "Compute",
  acts: true,
  gates: false,
  when: (pass) => pass.view !== undefined,
  run: runUpgrade,
};
