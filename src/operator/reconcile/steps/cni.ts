/**
 * CNI phase: the Gateway API CRDs (server-side apply, only when missing or of another bundle version),
 * then the `cilium` Helm release, then `CNIReady` once the `kube-system/cilium` DaemonSet runs a ready
 * agent on every node it schedules to (observedGeneration current), no Node still carries Cilium's
 * `node.cilium.io/agent-not-ready` taint, and no Node waits for a pod network (`NetworkReady=false`, the
 * kubelet's word until the agent has written its CNI configuration). A node that stopped reporting
 * (powered off) does not make the CNI unready: that is healing's business, which runs only while
 * `CNIReady` is True.
 *
 * @module
 */
import { addonReleases } from "../../../addons/catalog.ts";
import type { KubeObject } from "../../../kube/mod.ts";
import type { ReconcileContext, StepOutcome } from "../context.ts";
import type { PhaseStep } from "../phase_step.ts";
import { ensureCrdBundle, GATEWAY_API_BUNDLE } from "../releases/crd_bundle.ts";
import { releasesSummary } from "../releases/summary.ts";
import { reconcileReleases } from "../releases/reconcile_releases.ts";
import { isWaitingForNetwork, readyCondition } from "./node_facts.ts";

export const CNI_NAMESPACE = "kube-system";
export const CNI_DAEMONSET = "cilium";
/** The taint Cilium's agent removes from its Node once it runs. */
export const CILIUM_NOT_READY_TAINT = "node.cilium.io/agent-not-ready";
/** Requeue while waiting for the CNI (its pods start within seconds once installed). */
export const CNI_POLL_MS = 10_000;

function notReady(reason: string, message: string, extra: Partial<StepOutcome> = {}): StepOutcome {
  return {
    done: false,
    requeueAfterMs: CNI_POLL_MS,
    conditions: [{ type: "CNIReady", status: "False", reason, message }],
    ...extra,
  };
}

/**
 * Why the DaemonSet is not ready on every node yet; undefined when it is. `unreported` nodes (stopped
 * reporting: powered off, crashed) keep their agent pod scheduled but not ready; they may account for as
 * many missing ready agents, since replacing them is healing's work, which waits for `CNIReady`.
 */
export function daemonSetNotReady(ds: KubeObject, unreported = 0): string | undefined {
  const status = (ds.status ?? {}) as Record<string, number | undefined>;
  const generation = ds.metadata.generation ?? 0;
  const desired = status.desiredNumberScheduled ?? 0;
  const ready = status.numberReady ?? 0;
  const updated = status.updatedNumberScheduled ?? desired;
  const name = `DaemonSet ${ds.metadata.namespace}/${ds.metadata.name}`;
  if ((status.observedGeneration ?? 0) < generation) return `${name} has not observed generation ${generation} yet`;
  if (desired === 0) return `${name} schedules no pod yet`;
  if (ready + unreported < desired || updated < desired) {
    return `${name}: ${ready} of ${desired} agents ready, ${updated} updated`;
  }
  return undefined;
}

/** A Node whose kubelet stopped reporting (Ready Unknown): what runs there is unknown, not failing. */
function isUnreported(node: KubeObject): boolean {
  return readyCondition(node)?.status === "Unknown";
}

function hasTaint(node: KubeObject, key: string): boolean {
  const taints = ((node.spec as { taints?: { key: string }[] } | undefined)?.taints) ?? [];
  return taints.some((t) => t.key === key);
}

/** Reports `CNIReady`. */
export async function reconcileCni(ctx: ReconcileContext): Promise<StepOutcome> {
  await ensureCrdBundle(ctx, GATEWAY_API_BUNDLE);
  const outcomes = await reconcileReleases(ctx, addonReleases(ctx.desired).filter((r) => r.phase === "CNI"));
  const summary = releasesSummary(outcomes);
  const status = { addons: summary.entries };
  if (!summary.ready) {
    return notReady(summary.reason, summary.message, {
      status,
      requeueAfterMs: summary.requeueAfterMs ?? CNI_POLL_MS,
    });
  }
  const ds = await ctx.kube.get("apps/v1", "DaemonSet", CNI_DAEMONSET, CNI_NAMESPACE);
  if (!ds) {
    return notReady(
      "Pending",
      `DaemonSet ${CNI_NAMESPACE}/${CNI_DAEMONSET} does not exist although the cilium release is deployed`,
      { status },
    );
  }
  const nodes = ctx.nodes();
  const dsWaits = daemonSetNotReady(ds, nodes.filter(isUnreported).length);
  if (dsWaits) return notReady("Pending", dsWaits, { status });
  if (nodes.length === 0) return notReady("Pending", "No node has registered yet", { status });
  const tainted = nodes.filter((n) => !isUnreported(n) && hasTaint(n, CILIUM_NOT_READY_TAINT))
    .map((n) => n.metadata.name).sort();
  if (tainted.length > 0) {
    return notReady(
      "Pending",
      `Cilium's agent is not ready on ${tainted.length} node(s): ${tainted.join(", ")}`,
      { status },
    );
  }
  const waiting = nodes.filter(isWaitingForNetwork).map((n) => n.metadata.name).sort();
  if (waiting.length > 0) {
    return notReady(
      "Pending",
      `Waiting for the pod network on ${waiting.length} node(s): ${waiting.join(", ")}`,
      { status },
    );
  }
  return {
    done: true,
    status,
    conditions: [{
      type: "CNIReady",
      status: "True",
      reason: "Ready",
      message: `DaemonSet ${CNI_NAMESPACE}/${CNI_DAEMONSET} runs and every node has a pod network`,
    }],
  };
}

/** The CNI phase step. */
export const cniStep: PhaseStep = { name: "CNI", phase: "CNI", acts: true, run: reconcileCni };
