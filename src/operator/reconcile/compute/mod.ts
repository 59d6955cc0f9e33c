/**
 * PLACEHOLDER (opcore branch only): the Compute phase belongs to the `opscale` branch, which replaces
 * this file at merge. It exists only so the reconciler type-checks against the fixed signatures of
 * OPERATOR_PLAN.md; every function throws. Nothing here is done work.
 *
 * @module
 */
import type { InfrastructureResult } from "../../../cluster/infra/ensure_infrastructure.ts";
import type { ComputeView, NodeActions, ReconcileContext, StepOutcome } from "../context.ts";

const NOT_MERGED = "not merged yet";

export function observeCompute(_ctx: ReconcileContext, _infra: InfrastructureResult): Promise<ComputeView> {
  throw new Error(NOT_MERGED);
}

export function nodeActions(_ctx: ReconcileContext, _view: ComputeView, _infra: InfrastructureResult): NodeActions {
  throw new Error(NOT_MERGED);
}

export function reconcileControlPlanes(
  _ctx: ReconcileContext,
  _view: ComputeView,
  _actions: NodeActions,
): Promise<StepOutcome> {
  throw new Error(NOT_MERGED);
}

export function reconcileWorkers(
  _ctx: ReconcileContext,
  _view: ComputeView,
  _actions: NodeActions,
): Promise<StepOutcome> {
  throw new Error(NOT_MERGED);
}
