/**
 * CNI phase: observes the `kube-system/cilium` DaemonSet (installing Cilium belongs to the addons
 * work, issue 12; until then tests stand one in). `CNIReady` is True when the DaemonSet exists and no
 * Node of the cluster still waits for a pod network, which is what the kubelet reports per node
 * (`NetworkReady=false`) until the agent on it has written its CNI configuration. A node that stopped
 * reporting (powered off) does not make the CNI unready: that is healing's business, which runs only
 * while `CNIReady` is True.
 *
 * @module
 */
import type { ReconcileContext, StepOutcome } from "../context.ts";
import type { PhaseStep } from "../phase_step.ts";
import { isWaitingForNetwork } from "./node_facts.ts";

export const CNI_NAMESPACE = "kube-system";
export const CNI_DAEMONSET = "cilium";
/** Requeue while waiting for the CNI (its pods start within seconds once installed). */
export const CNI_POLL_MS = 10_000;

function notReady(reason: string, message: string, external = false): StepOutcome {
  return {
    done: false,
    external,
    requeueAfterMs: CNI_POLL_MS,
    conditions: [{ type: "CNIReady", status: "False", reason, message }],
  };
}

/** Reports `CNIReady`. */
export async function reconcileCni(ctx: ReconcileContext): Promise<StepOutcome> {
  const ds = await ctx.kube.get("apps/v1", "DaemonSet", CNI_DAEMONSET, CNI_NAMESPACE);
  if (!ds) {
    return notReady(
      "Pending",
      `DaemonSet ${CNI_NAMESPACE}/${CNI_DAEMONSET} does not exist yet (Cilium is installed by the addons step)`,
      // Until the Helm addons land (issue 12) nothing in this operator installs it.
      true,
    );
  }
  const nodes = ctx.nodes();
  const waiting = nodes.filter(isWaitingForNetwork).map((n) => n.metadata.name).sort();
  if (nodes.length === 0 || waiting.length > 0) {
    return notReady(
      "Pending",
      nodes.length === 0
        ? "No node has registered yet"
        : `Waiting for the pod network on ${waiting.length} node(s): ${waiting.join(", ")}`,
    );
  }
  return {
    done: true,
    conditions: [{
      type: "CNIReady",
      status: "True",
      reason: "Ready",
      message: `DaemonSet ${CNI_NAMESPACE}/${CNI_DAEMONSET} runs and every node has a pod network`,
    }],
  };
}

/** The CNI phase step. */
export const cniStep: PhaseStep = { name: "CNI", phase: "CNI", acts: false, run: reconcileCni };
