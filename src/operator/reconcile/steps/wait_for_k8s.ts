/**
 * WaitForK8s phase: every planned server has registered its Node with the API server (by name: Node
 * names are server names). Nodes turn Ready only once a CNI runs on them, so readiness is not asked
 * here. Observes only; reads the Node watch's cache, no request.
 *
 * @module
 */
import type { ReconcileContext, StepOutcome } from "../context.ts";
import type { PhaseStep } from "../phase_step.ts";

/** Requeue while nodes are still registering. */
export const NODE_REGISTRATION_POLL_MS = 5_000;

/** Reports whether every planned node has registered. */
export function reconcileWaitForK8s(ctx: ReconcileContext): Promise<StepOutcome> {
  const registered = new Set(ctx.nodes().map((n) => n.metadata.name));
  const missing = ctx.desired.servers.map((s) => s.name).filter((name) => !registered.has(name));
  if (missing.length === 0) return Promise.resolve({ done: true, conditions: [] });
  return Promise.resolve({
    done: false,
    requeueAfterMs: NODE_REGISTRATION_POLL_MS,
    conditions: [],
    message: `Waiting for ${missing.length} node(s) to register: ${missing.join(", ")}`,
  });
}

/** The WaitForK8s phase step. */
export const waitForK8sStep: PhaseStep = {
  name: "WaitForK8s",
  phase: "WaitForK8s",
  acts: false,
  run: reconcileWaitForK8s,
};
