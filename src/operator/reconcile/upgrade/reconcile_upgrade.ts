/**
 * The rolling upgrade: each pass reads the versions the Nodes report, plans the rollout to the spec's
 * versions (`planRollout`) and performs at most its first step, after every gate holds (all planned Nodes
 * Ready, etcd healthy with every control plane voting). A worker is drained first (PodDisruptionBudgets
 * honoured, as in scale-down); the step that was started is waited for until the node reports the new
 * version, and only then do the gates open for the next one. A gate that stays shut past
 * `spec.healthCheck.upgradeGateTimeout` sets `UpgradeBlocked` True and nothing more happens until it
 * opens; a cluster at the desired versions costs no request at all.
 *
 * Level-triggered: what a pass does follows from the Nodes alone. The in-process memory only stops a step
 * from being started twice while its node has not reacted yet, and times the waits; a restarted operator
 * finds the upgraded node rebooting (a shut gate) or back on the new version (its step gone from the plan).
 *
 * @module
 */
import type { InfrastructureResult } from "../../../cluster/infra/ensure_infrastructure.ts";
import { describeStep, planRollout, type RolloutPlan, type RolloutStep } from "../../../cluster/upgrade/rollout.ts";
import type { KubeObject } from "../../../kube/mod.ts";
import type { ComputeView, ConditionInput, ReconcileContext, StepOutcome } from "../context.ts";
import { drainOnce } from "../compute/drain.ts";
import { drainTimeoutMs } from "../compute/drain_timeout.ts";
import { observeEtcd } from "../healing/etcd_observe.ts";
import { isNodeReady } from "../steps/node_facts.ts";
import { checkEtcdGate, checkNodeGate, type GateResult } from "./gates.ts";
import { upgradeGateTimeoutMs } from "./gate_timeout.ts";
import { readNodeVersions, UPGRADE_CORDON_ANNOTATION } from "./node_versions.ts";
import { applyKubernetesStep, startTalosUpgrade } from "./perform_step.ts";

/** How soon to look again while a rollout runs. */
export const ROLLOUT_REQUEUE_MS = 5_000;

const STARTED_KEY = "upgrade.started";
const GATE_SINCE_KEY = "upgrade.gateShutSince";
const DRAIN_SINCE_KEY = "upgrade.drainSince";

/** A step this process started, and when. */
interface Started {
  key: string;
  atMs: number;
}

/** One pass of the rollout. */
export async function reconcileUpgrade(
  ctx: ReconcileContext,
  view: ComputeView,
  infra: InfrastructureResult | undefined,
): Promise<StepOutcome> {
  const versions = readNodeVersions(ctx.desired.servers, view.nodes);
  const plan = planRollout(versions, {
    talos: ctx.desired.versions.talos,
    kubernetes: ctx.desired.versions.kubernetes,
  });
  await uncordonUpgraded(ctx, view.nodes, plan);
  const step = plan.steps[0];
  if (!step) {
    for (const key of [...ctx.memory.keys()]) if (key.startsWith("upgrade.")) ctx.memory.delete(key);
    return outcome(
      plan,
      undefined,
      blocked("False", "UpToDate", `Every node runs Talos ${plan.talos.to} and Kubernetes ${plan.kubernetes.to}`),
    );
  }
  const timeoutMs = upgradeGateTimeoutMs(ctx.cluster);
  const now = ctx.now();
  const what = describeStep(step);

  const started = ctx.memory.get(STARTED_KEY) as Started | undefined;
  if (started?.key === stepKey(step)) {
    if (now - started.atMs >= timeoutMs) {
      return outcome(
        plan,
        step,
        blocked(
          "True",
          "StepNotDone",
          `${what}: started at ${iso(started.atMs)}, the node does not report ${step.to} yet`,
        ),
      );
    }
    return outcome(plan, step, blocked("False", "InProgress", `${what}: started at ${iso(started.atMs)}`));
  }
  ctx.memory.delete(STARTED_KEY);

  const gate = await checkGates(ctx, view);
  if (!gate.ok) {
    const since = sinceOf(ctx, GATE_SINCE_KEY, now);
    const status = now - since >= timeoutMs ? "True" : "False";
    const reason = status === "True" ? gate.reason : "WaitingForGate";
    return outcome(plan, step, blocked(status, reason, `Before ${what}: ${gate.message} (since ${iso(since)})`));
  }
  ctx.memory.delete(GATE_SINCE_KEY);

  const node = view.nodes.find((n) => n.metadata.name === ("node" in step ? step.node : ""));
  if (step.kind === "talos" && step.role === "worker" && node) {
    const drained = await drain(ctx, node, now);
    if (drained) return outcome(plan, step, drained);
  }

  if (step.kind === "talos") await startTalosUpgrade(ctx, step);
  else if (step.kind === "manifests") throw new Error("Cannot sync Talos-managed manifests: this cluster has none");
  else {
    const kubelet = versions.find((v) => v.name === step.node)?.kubelet;
    if (!node || !kubelet) {
      throw new Error(`Cannot upgrade Kubernetes on ${step.node}: its Node reports no kubelet version`);
    }
    await applyKubernetesStep(ctx, step, { view, infra, node, kubeletVersion: kubelet });
  }
  ctx.memory.set(STARTED_KEY, { key: stepKey(step), atMs: now } satisfies Started);
  return outcome(plan, step, blocked("False", "InProgress", `${what}: started at ${iso(now)}`));
}

/** The Node gate (no request), then the etcd gate (each control plane's Talos API, only when a step waits). */
async function checkGates(ctx: ReconcileContext, view: ComputeView): Promise<GateResult> {
  const nodes = checkNodeGate(ctx.desired.servers, view.nodes);
  if (!nodes.ok) return nodes;
  const controlPlanes = ctx.desired.servers.filter((s) => s.role === "control-plane");
  const observed = await observeEtcd(ctx.talos, controlPlanes, { signal: ctx.signal });
  return checkEtcdGate(controlPlanes.map((c) => c.name), observed);
}

/** One drain attempt of the worker about to be upgraded: undefined once it is empty, else what to report. */
async function drain(ctx: ReconcileContext, node: KubeObject, now: number): Promise<ConditionInput | undefined> {
  const name = node.metadata.name;
  if (node.metadata.annotations?.[UPGRADE_CORDON_ANNOTATION] === undefined) {
    // Marked before the cordon, so the operator knows to uncordon it after its upgrade even after a restart.
    await ctx.kube.patchMerge("v1", "Node", name, undefined, {
      metadata: { annotations: { [UPGRADE_CORDON_ANNOTATION]: "true" } },
    });
  }
  const attempt = await drainOnce(ctx, node);
  const key = `${DRAIN_SINCE_KEY}:${name}`;
  if (attempt.remaining.length === 0) {
    ctx.memory.delete(key);
    return undefined;
  }
  const since = sinceOf(ctx, key, now);
  const kept = attempt.blocked.map((b) => b.pod).join(", ");
  const waiting =
    `draining ${name} before its Talos upgrade since ${iso(since)}: ${attempt.remaining.join(", ")} left` +
    (kept ? ` (kept by a PodDisruptionBudget: ${kept})` : "");
  return now - since >= drainTimeoutMs(ctx.cluster)
    ? blocked("True", "DrainBlocked", waiting)
    : blocked("False", "Draining", waiting);
}

/** Uncordons the nodes this rollout cordoned once they are back, Ready, on the new Talos version. */
async function uncordonUpgraded(ctx: ReconcileContext, nodes: readonly KubeObject[], plan: RolloutPlan): Promise<void> {
  const pendingTalos = new Set(plan.steps.filter((s) => s.kind === "talos").map((s) => s.node));
  for (const node of nodes) {
    const name = node.metadata.name;
    if (node.metadata.annotations?.[UPGRADE_CORDON_ANNOTATION] === undefined) continue;
    if (pendingTalos.has(name) || !isNodeReady(node)) continue;
    await ctx.kube.patchMerge("v1", "Node", name, undefined, {
      metadata: { annotations: { [UPGRADE_CORDON_ANNOTATION]: null } },
      spec: { unschedulable: null },
    });
    ctx.log.info("uncordoned upgraded node", { cluster: ctx.desired.cluster.name, node: name });
  }
}

function blocked(status: "True" | "False", reason: string, message: string): ConditionInput {
  return { type: "UpgradeBlocked", status, reason, message };
}

/** Never gates later phases: the addons are reconciled while the nodes roll. */
function outcome(plan: RolloutPlan, step: RolloutStep | undefined, condition: ConditionInput): StepOutcome {
  return {
    conditions: [condition],
    done: true,
    ...(step ? { requeueAfterMs: ROLLOUT_REQUEUE_MS } : {}),
    status: {
      upgrade: {
        talos: plan.talos.to,
        kubernetes: plan.kubernetes.to,
        pendingSteps: plan.steps.length,
        // Empty, not null: a step's status is merged as a JSON merge patch, where null would be dropped.
        step: step ? describeStep(step) : "",
        node: step && "node" in step ? step.node : "",
      },
    },
  };
}

function stepKey(step: RolloutStep): string {
  return `${step.kind}/${"node" in step ? step.node : ""}/${step.to}`;
}

function sinceOf(ctx: ReconcileContext, key: string, now: number): number {
  const since = ctx.memory.get(key);
  if (typeof since === "number") return since;
  ctx.memory.set(key, now);
  return now;
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}
