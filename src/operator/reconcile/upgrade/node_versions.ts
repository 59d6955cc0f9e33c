/**
 * The versions each planned node runs, read from the Node objects the operator already watches: no
 * request per pass. The kubelet reports its own version (`status.nodeInfo.kubeletVersion`) and the OS
 * it runs on (`status.nodeInfo.osImage`, `Talos (v1.13.9)` on Talos), so a cluster at the desired
 * versions costs the upgrade step nothing. Pure.
 *
 * Control-plane components (kube-apiserver, controller-manager, scheduler) run as static pods that
 * no Node field reports; after their machine config patch is applied the operator marks the Node with
 * {@link COMPONENTS_ANNOTATION}. Absent, the planner assumes the kubelet's version (components are
 * always upgraded before the kubelet, so a node whose kubelet is at the target has them too).
 *
 * @module
 */
import type { ServerPlan } from "../../../config/mod.ts";
import type { KubeObject } from "../../../kube/mod.ts";
import type { NodeVersions } from "../../../cluster/upgrade/rollout.ts";

/** Kubernetes version of the control-plane components the operator last applied to this node. */
export const COMPONENTS_ANNOTATION = "k8zner.io/control-plane-version";

/** Set while a node is cordoned for its Talos upgrade: the operator uncordons it once it is back. */
export const UPGRADE_CORDON_ANNOTATION = "k8zner.io/upgrade-cordoned";

/** `Talos (v1.13.9)` -> `v1.13.9`; undefined for any other OS image. */
export function talosVersionOfOsImage(osImage: string | undefined): string | undefined {
  return osImage?.match(/^Talos \((v\d+\.\d+\.\d+[^)]*)\)$/)?.[1];
}

/**
 * The versions of every planned server that has a Node. A server without one is left out: it is being
 * created (or replaced) from the desired versions' snapshot and config, so it has nothing to roll; the gates
 * still wait for its Node before any step.
 */
export function readNodeVersions(planned: readonly ServerPlan[], nodes: readonly KubeObject[]): NodeVersions[] {
  const byName = new Map(nodes.map((n) => [n.metadata.name, n]));
  return planned.filter((plan) => byName.has(plan.name)).map((plan) => {
    const node = byName.get(plan.name)!;
    const info = (node.status as { nodeInfo?: { kubeletVersion?: string; osImage?: string } } | undefined)?.nodeInfo;
    const versions: NodeVersions = {
      name: plan.name,
      role: plan.role,
      talos: talosVersionOfOsImage(info?.osImage),
      kubelet: info?.kubeletVersion || undefined,
    };
    const components = node.metadata.annotations?.[COMPONENTS_ANNOTATION];
    if (plan.role === "control-plane" && components) versions.apiServer = components;
    return versions;
  });
}
