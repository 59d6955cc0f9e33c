/**
 * One reconcile pass of one K8znerCluster: runs the phase steps in order (each idempotent, each
 * owning its conditions), stops at the first gating step that is not done, and turns what they
 * reported into the status: `phase`, `provisioningPhase`, the conditions (Ready, Progressing and
 * Degraded derived here), `observedGeneration`. The status is built purely from the previous status
 * and the pass, so an idle pass produces an identical status and nothing is written.
 *
 * @module
 */
import type { ClusterPhase } from "../../addons/k8zner_crd.ts";
import type { ConditionInput, ConditionType, ProvisioningPhase, ReconcileContext, StepOutcome } from "./context.ts";
import { mergeConditions, renderTime, storedConditions } from "./conditions.ts";
import type { PassState, PhaseStep } from "./phase_step.ts";
import { LeadershipLostError } from "../runtime/mod.ts";

/** A step failed; `cause` is its error. The caller reports it in the status and backs off. */
export class StepError extends Error {
  override name = "StepError";
  constructor(readonly step: string, readonly phase: ProvisioningPhase, cause: unknown) {
    super(`Step ${step} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/** What a pass observed and did. */
export interface PassResult {
  /** Conditions reported by the steps that ran (others keep their previous value). */
  conditions: ConditionInput[];
  /** Status fields the steps own (`controlPlanes`, `workers`, `infrastructure`, …). */
  status: Record<string, unknown>;
  /** The first phase not done, or `Running`. */
  provisioningPhase: ProvisioningPhase;
  /** A non-gating step (healing) is in the middle of its work. */
  healing: boolean;
  paused: boolean;
  /** The soonest requeue any step asked for. */
  requeueAfterMs?: number;
  /** The first gating step not done and the message of its first condition not True (for Ready/Progressing). */
  waitingFor?: { step: string; message: string; external?: boolean };
}

/** Options of {@link runPass}. */
export interface RunPassOptions {
  steps: readonly PhaseStep[];
  /** `spec.paused`: acting steps are skipped, observing steps still run. */
  paused: boolean;
  /** Called right before a step runs, with what the pass has found so far. */
  onStepStart?(step: PhaseStep, sofar: PassResult): Promise<void>;
}

function firstNotTrue(outcome: StepOutcome): ConditionInput | undefined {
  return outcome.conditions.find((c) => c.status !== "True");
}

/**
 * Runs the steps of one pass in order. A step that throws ends the pass with a {@link StepError} (the
 * caller reports it and backs off); lost leadership and shutdown pass through unwrapped, since this
 * replica must then write nothing at all.
 */
export async function runPass(ctx: ReconcileContext, options: RunPassOptions): Promise<PassResult> {
  const pass: PassState = { conditions: new Map() };
  const result: PassResult = {
    conditions: [],
    status: {},
    provisioningPhase: "Running",
    healing: false,
    paused: options.paused,
  };
  const requeue = (ms: number | undefined) => {
    if (ms !== undefined) result.requeueAfterMs = Math.min(result.requeueAfterMs ?? ms, ms);
  };
  for (const step of options.steps) {
    if (step.when && !step.when(pass)) continue;
    if (options.paused && step.acts) continue;
    ctx.signal.throwIfAborted();
    await options.onStepStart?.(step, result);
    let outcome: StepOutcome;
    try {
      outcome = await step.run(ctx, pass);
    } catch (err) {
      if (err instanceof LeadershipLostError || ctx.signal.aborted) throw err;
      throw new StepError(step.name, step.phase, err);
    }
    for (const c of outcome.conditions) {
      pass.conditions.set(c.type, c);
      result.conditions.push(c);
    }
    // Merged, not assigned: the CNI and Addons steps both report entries of `status.addons`.
    result.status = mergePatched(result.status, outcome.status ?? {});
    requeue(outcome.requeueAfterMs);
    if (outcome.done) continue;
    if (step.gates === false) {
      result.healing = true;
      continue;
    }
    result.provisioningPhase = step.phase;
    result.waitingFor = {
      step: step.name,
      message: outcome.message ?? firstNotTrue(outcome)?.message ?? `${step.name} is not done`,
      external: outcome.external === true,
    };
    break;
  }
  return result;
}

/** What {@link buildStatus} needs besides the pass. */
export interface StatusInput {
  previous: Record<string, unknown> | undefined;
  generation: number;
  nowMs: number;
  deleting?: boolean;
}

function derived(pass: PassResult, degradedByStep: ConditionInput | undefined): ConditionInput[] {
  const done = pass.provisioningPhase === "Running";
  const degraded: ConditionInput = degradedByStep ??
    { type: "Degraded", status: "False", reason: "AsExpected", message: "No step reports a problem" };
  const ready: ConditionInput = done && degraded.status !== "True"
    ? { type: "Ready", status: "True", reason: "Running", message: "Every phase is done" }
    : {
      type: "Ready",
      status: "False",
      reason: done ? "Degraded" : pass.provisioningPhase,
      message: done ? degraded.message : `Phase ${pass.provisioningPhase}: ${pass.waitingFor?.message ?? "waiting"}`,
    };
  let progressing: ConditionInput;
  if (pass.paused) {
    progressing = {
      type: "Progressing",
      status: "False",
      reason: "Paused",
      message: "spec.paused is true: no action is taken, the status is still observed",
    };
  } else if (!done && !pass.healing && pass.waitingFor?.external) {
    progressing = {
      type: "Progressing",
      status: "False",
      reason: `WaitingFor${pass.waitingFor.step}`,
      message: `Waiting for something the operator does not do itself: ${pass.waitingFor.message}`,
    };
  } else if (!done || pass.healing) {
    progressing = {
      type: "Progressing",
      status: "True",
      reason: pass.healing ? "Healing" : pass.provisioningPhase,
      message: pass.healing ? "A node is being replaced" : ready.message,
    };
  } else {
    progressing = { type: "Progressing", status: "False", reason: "Converged", message: "Nothing to do" };
  }
  return [ready, progressing, degraded];
}

function clusterPhase(pass: PassResult, degraded: boolean, deleting: boolean): ClusterPhase {
  if (deleting) return "Deleting";
  if (pass.paused) return "Paused";
  if (degraded) return "Degraded";
  if (pass.healing) return "Healing";
  return pass.provisioningPhase === "Running" ? "Running" : "Provisioning";
}

/**
 * The status after a pass. `lastReconcileTime` is the time of the last pass that changed anything:
 * stamping every pass would make every pass a write (and a watch event for every client).
 */
export function buildStatus(pass: PassResult, input: StatusInput): Record<string, unknown> {
  const byType = new Map<ConditionType, ConditionInput>(pass.conditions.map((c) => [c.type, c]));
  const fromSteps = pass.conditions.filter((c) => !["Ready", "Progressing", "Degraded"].includes(c.type));
  const conditions = mergeConditions(
    storedConditions(input.previous),
    [...fromSteps, ...derived(pass, byType.get("Degraded"))],
    input.generation,
    input.nowMs,
  );
  const degraded = conditions.some((c) => c.type === "Degraded" && c.status === "True");
  // The status is written as a JSON merge patch: merge the same way here, so what is compared with
  // the stored status is what would be stored (a field only the CLI wrote, such as
  // infrastructure.snapshotID, stays, and does not make every pass look like a change).
  const next: Record<string, unknown> = {
    ...mergePatched(input.previous ?? {}, pass.status),
    phase: clusterPhase(pass, degraded, input.deleting === true),
    provisioningPhase: pass.provisioningPhase,
    observedGeneration: input.generation,
    conditions,
  };
  if (!statusChanged(input.previous, next)) return input.previous!;
  next.lastReconcileTime = renderTime(input.nowMs);
  return next;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** `target` after the JSON merge patch `patch` (RFC 7386: objects merge, everything else replaces). */
export function mergePatched(target: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...target };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else if (isPlainObject(value) && isPlainObject(out[key])) out[key] = mergePatched(out[key], value);
    else out[key] = value;
  }
  return out;
}

/** Whether two statuses differ in anything but `lastReconcileTime`. */
export function statusChanged(
  previous: Record<string, unknown> | undefined,
  next: Record<string, unknown>,
): boolean {
  if (previous === undefined) return true;
  const strip = ({ lastReconcileTime: _, ...rest }: Record<string, unknown>) => rest;
  return canonical(strip(previous)) !== canonical(strip(next));
}

function canonical(value: unknown): string {
  return JSON.stringify(
    value,
    (_k, v) =>
      v && typeof v === "object" && !Array.isArray(v)
        ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)))
        : v,
  );
}
