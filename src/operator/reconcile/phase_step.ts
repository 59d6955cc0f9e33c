/**
 * The shape of one phase step as the reconciler runs it, and what the steps of one pass share.
 * Steps are passed to the reconciler as a list (dependency injection), so tests run the reconciler
 * with their own steps and the real ones are wired in one place (`steps/mod.ts`).
 *
 * @module
 */
import type { InfrastructureResult } from "../../cluster/infra/ensure_infrastructure.ts";
import type {
  ComputeView,
  ConditionInput,
  ConditionType,
  NodeActions,
  ProvisioningPhase,
  ReconcileContext,
  StepOutcome,
} from "./context.ts";

/** What the steps of one pass hand to later steps. */
export interface PassState {
  /** Set by the Infrastructure step. */
  infra?: InfrastructureResult;
  /** Set by the Compute step: the compute as observed this pass, and the node actions on it. */
  view?: ComputeView;
  actions?: NodeActions;
  /** The conditions reported so far in this pass. */
  readonly conditions: Map<ConditionType, ConditionInput>;
}

/** One step of a pass. */
export interface PhaseStep {
  /** Name for logs and errors, e.g. `Infrastructure`, `Healing`. */
  readonly name: string;
  /** The provisioning phase the step belongs to (`status.provisioningPhase` while it is not done). */
  readonly phase: ProvisioningPhase;
  /** Whether the step changes anything; acting steps are skipped under `spec.paused`. */
  readonly acts: boolean;
  /**
   * Whether later phases wait for this step to be done (default true). Healing does not gate: while a
   * node is replaced the cluster still has its addons observed.
   */
  readonly gates?: boolean;
  /** Runs the step only when this holds (e.g. healing only once `CNIReady` is True). */
  readonly when?: (pass: PassState) => boolean;
  run(ctx: ReconcileContext, pass: PassState): Promise<StepOutcome>;
}
