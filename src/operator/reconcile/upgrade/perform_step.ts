/**
 * The actions of one rollout step, each idempotent: a Talos upgrade through the Image Factory installer of
 * the new version with the schematic the nodes boot (the node stages it and reboots), and the Kubernetes
 * steps as machine config patches applied without a reboot: the node's config rendered by the same renderer
 * that created it, with the new version (for the components step, with the kubelet still at its current
 * version), so nothing but the images changes.
 *
 * @module
 */
import type { InfrastructureResult } from "../../../cluster/infra/ensure_infrastructure.ts";
import { renderPlannedNodeConfig, SCHEMATIC_ID } from "../../../cluster/nodes/node_config.ts";
import type { RolloutStep } from "../../../cluster/upgrade/rollout.ts";
import type { KubeObject } from "../../../kube/mod.ts";
import { installerImage } from "../../../talos/machine_config.ts";
import type { ComputeView, ReconcileContext } from "../context.ts";
import { controlPlaneIpv4s, plannedServer, record } from "../compute/node_actions.ts";
import { COMPONENTS_ANNOTATION } from "./node_versions.ts";

/** Deadline of one Talos call of the rollout (an apply answers once the config is accepted). */
export const UPGRADE_CALL_TIMEOUT_MS = 30_000;

type TalosStep = Extract<RolloutStep, { kind: "talos" }>;
type ConfigStep = Extract<RolloutStep, { kind: "control-plane-components" | "kubelet" }>;

/** Asks the node of `step` to upgrade Talos to `step.to` (it stages the installer and reboots). */
export async function startTalosUpgrade(ctx: ReconcileContext, step: TalosStep): Promise<void> {
  const plan = plannedServer(ctx, step.node);
  const image = installerImage(step.to, SCHEMATIC_ID);
  await ctx.requireLeadership(`upgrade Talos on ${step.node}`);
  const client = ctx.talos.talosClient(plan.privateIp);
  try {
    await client.upgrade({ image, timeoutMs: UPGRADE_CALL_TIMEOUT_MS, signal: ctx.signal });
  } finally {
    await client.close().catch(() => {});
  }
  ctx.log.info("talos upgrade started", { cluster: ctx.desired.cluster.name, node: step.node, from: step.from, image });
  await record(
    ctx,
    "Normal",
    "UpgradingTalos",
    `Upgrading Talos on ${step.node}: ${step.from} -> ${step.to} (${image})`,
  );
}

/**
 * Applies the machine config of a Kubernetes step with `NO_REBOOT`: the control-plane components step renders
 * the config at the new version with the kubelet kept at `kubeletVersion`, the kubelet step at the new version.
 * After the components step the Node is marked with the version its components now run.
 */
export async function applyKubernetesStep(
  ctx: ReconcileContext,
  step: ConfigStep,
  facts: { view: ComputeView; infra: InfrastructureResult | undefined; node: KubeObject; kubeletVersion: string },
): Promise<void> {
  const plan = plannedServer(ctx, step.node);
  const server = facts.view.servers.find((s) => s.name === step.node);
  if (!server) throw new Error(`Cannot upgrade Kubernetes on ${step.node}: its server is not in the last listing`);
  const configYaml = renderPlannedNodeConfig(ctx.bundle, ctx.desired, step.node, {
    lbPublicIpv4: facts.infra?.loadBalancer.public_net.ipv4.ip ?? null,
    controlPlaneIpv4s: controlPlaneIpv4s(facts.view.servers),
    serverId: server.id,
    ...(step.kind === "control-plane-components" ? { kubeletVersion: facts.kubeletVersion } : {}),
  });
  await ctx.requireLeadership(`apply the ${step.kind} upgrade to ${step.node}`);
  const client = ctx.talos.talosClient(plan.privateIp);
  try {
    await client.applyConfiguration(configYaml, {
      mode: "NO_REBOOT",
      timeoutMs: UPGRADE_CALL_TIMEOUT_MS,
      signal: ctx.signal,
    });
  } finally {
    await client.close().catch(() => {});
  }
  if (plan.role === "control-plane" && facts.node.metadata.annotations?.[COMPONENTS_ANNOTATION] !== step.to) {
    await ctx.kube.patchMerge("v1", "Node", step.node, undefined, {
      metadata: { annotations: { [COMPONENTS_ANNOTATION]: step.to } },
    });
  }
  const what = step.kind === "kubelet" ? "kubelet" : "control-plane components";
  ctx.log.info("kubernetes upgrade applied", { cluster: ctx.desired.cluster.name, node: step.node, what, to: step.to });
  await record(
    ctx,
    "Normal",
    "UpgradingKubernetes",
    `Upgrading the ${what} on ${step.node}: ${step.from} -> ${step.to}`,
  );
}
