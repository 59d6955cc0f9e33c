/**
 * `planRollout()`: the steps of a rolling upgrade from the versions each node runs to the desired
 * ones. Pure: the operator performs the first step of each pass and plans again from what the nodes
 * then report; `k8zner plan` prints the whole list.
 *
 * The order is Talos' own: the OS first (control planes one at a time, then workers), because a
 * Talos minor runs only some Kubernetes minors; then Kubernetes as `talosctl upgrade-k8s` does it:
 * the control-plane components node by node, then every kubelet (control planes first), then the
 * manifests Talos manages. Level-triggered: a node already at the target contributes no step, so a
 * restarted operator continues from where the cluster stands.
 *
 * @module
 */

/** The versions one node runs, as observed. `undefined` = unknown (node unreachable, no Node object yet). */
export interface NodeVersions {
  name: string;
  role: "control-plane" | "worker";
  /** Talos version, e.g. `v1.13.9`. */
  talos: string | undefined;
  /** Kubelet version, `1.36.3` or `v1.36.3`. */
  kubelet: string | undefined;
  /**
   * Version of the node's control-plane components (its kube-apiserver), control planes only. When
   * absent the kubelet's is assumed: components are upgraded before kubelets, so a node whose
   * kubelet is at the target had its components upgraded too.
   */
  apiServer?: string;
}

/** One step of a rollout. Versions: Talos with `v`, Kubernetes without. */
export type RolloutStep =
  | { kind: "talos"; node: string; role: "control-plane" | "worker"; from: string; to: string }
  | { kind: "control-plane-components"; node: string; from: string; to: string }
  | { kind: "kubelet"; node: string; role: "control-plane" | "worker"; from: string; to: string }
  | { kind: "manifests"; to: string };

/** The steps in the order they run; empty when every node runs the desired versions. */
export interface RolloutPlan {
  steps: RolloutStep[];
  talos: { to: string };
  kubernetes: { to: string };
}

/** What the planner knows besides the nodes. */
export interface RolloutOptions {
  /**
   * Kubernetes version of the Talos-managed manifests (kube-proxy's image) when the cluster runs
   * them. k8zner disables kube-proxy (Cilium replaces it) and CoreDNS follows the Talos version, so
   * its clusters have no such manifests and the operator leaves this out: no manifests step.
   */
  manifests?: string;
}

/** Shown for a version that could not be read. */
export const UNKNOWN_VERSION = "unknown";

/** The rollout from `nodes` to `desired` (`talos` like `v1.13.9`, `kubernetes` like `1.36.3`). */
export function planRollout(
  nodes: NodeVersions[],
  desired: { talos: string; kubernetes: string },
  options: RolloutOptions = {},
): RolloutPlan {
  const talosTo = withV(desired.talos);
  const k8sTo = withoutV(desired.kubernetes);
  const ordered = [...nodes].sort(byRoleThenName);
  const steps: RolloutStep[] = [];

  for (const node of ordered) {
    const from = node.talos === undefined ? UNKNOWN_VERSION : withV(node.talos);
    if (from !== talosTo) steps.push({ kind: "talos", node: node.name, role: node.role, from, to: talosTo });
  }
  for (const node of ordered) {
    if (node.role !== "control-plane") continue;
    const from = kubeVersion(node.apiServer ?? node.kubelet);
    if (from !== k8sTo) steps.push({ kind: "control-plane-components", node: node.name, from, to: k8sTo });
  }
  for (const node of ordered) {
    const from = kubeVersion(node.kubelet);
    if (from !== k8sTo) steps.push({ kind: "kubelet", node: node.name, role: node.role, from, to: k8sTo });
  }
  if (options.manifests !== undefined && withoutV(options.manifests) !== k8sTo) {
    steps.push({ kind: "manifests", to: k8sTo });
  }
  return { steps, talos: { to: talosTo }, kubernetes: { to: k8sTo } };
}

/** A one-line description of a step, for status, events and `plan`. */
export function describeStep(step: RolloutStep): string {
  switch (step.kind) {
    case "talos":
      return `Talos ${step.from} -> ${step.to} on ${step.role} ${step.node}`;
    case "control-plane-components":
      return `control-plane components ${step.from} -> ${step.to} on ${step.node}`;
    case "kubelet":
      return `kubelet ${step.from} -> ${step.to} on ${step.role} ${step.node}`;
    case "manifests":
      return `Talos-managed manifests -> ${step.to}`;
  }
}

// Control planes first, then by name with numbers compared as numbers (cp-2 before cp-10).
const collator = new Intl.Collator("en", { numeric: true });
function byRoleThenName(a: NodeVersions, b: NodeVersions): number {
  if (a.role !== b.role) return a.role === "control-plane" ? -1 : 1;
  return collator.compare(a.name, b.name);
}

function kubeVersion(version: string | undefined): string {
  return version === undefined ? UNKNOWN_VERSION : withoutV(version);
}

function withV(version: string): string {
  return version.startsWith("v") ? version : `v${version}`;
}

function withoutV(version: string): string {
  return version.replace(/^v/, "");
}
