/**
 * Addons phase: reports `AddonsReady` False with reason `Pending` until the Helm work (issue 12)
 * installs and observes them. Not done, so the cluster does not claim `Running` before its addons
 * exist.
 *
 * @module
 */
import type { StepOutcome } from "../context.ts";
import type { PhaseStep } from "../phase_step.ts";

/** Reports the addons as pending. */
export function reconcileAddons(): Promise<StepOutcome> {
  return Promise.resolve({
    done: false,
    external: true,
    conditions: [{
      type: "AddonsReady",
      status: "False",
      reason: "Pending",
      message: "Addons are not installed by the operator yet",
    }],
  });
}

/** The Addons phase step. */
export const addonsStep: PhaseStep = { name: "Addons", phase: "Addons", acts: true, run: reconcileAddons };
