/**
 * Compute phase: the servers and their Talos configuration, through the compute module (control
 * planes one at a time, then workers) in the order OPERATOR_PLAN.md fixes. The view and node actions
 * it builds are kept in the pass for healing.
 *
 * @module
 */
import { nodeActions, observeCompute, reconcileControlPlanes, reconcileWorkers } from "../compute/mod.ts";
import type { ReconcileContext, StepOutcome } from "../context.ts";
import type { PassState, PhaseStep } from "../phase_step.ts";

/** Two outcomes as one: done when both are, the sooner requeue, conditions and status of both. */
export function combineOutcomes(a: StepOutcome, b: StepOutcome): StepOutcome {
  const requeues = [a.requeueAfterMs, b.requeueAfterMs].filter((ms): ms is number => ms !== undefined);
  return {
    done: a.done && b.done,
    conditions: [...a.conditions, ...b.conditions],
    ...(requeues.length > 0 ? { requeueAfterMs: Math.min(...requeues) } : {}),
    status: { ...a.status, ...b.status },
  };
}

/** Runs the Compute phase. */
export async function reconcileCompute(ctx: ReconcileContext, pass: PassState): Promise<StepOutcome> {
  if (!pass.infra) throw new Error("Cannot reconcile compute before the infrastructure step");
  const view = await observeCompute(ctx, pass.infra);
  const actions = nodeActions(ctx, view, pass.infra);
  pass.view = view;
  pass.actions = actions;
  const controlPlanes = await reconcileControlPlanes(ctx, view, actions);
  const workers = await reconcileWorkers(ctx, view, actions);
  return combineOutcomes(controlPlanes, workers);
}

/** The Compute phase step. */
export const computeStep: PhaseStep = { name: "Compute", phase: "Compute", acts: true, run: reconcileCompute };
