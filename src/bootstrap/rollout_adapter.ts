/**
 * TEMPORARY stand-in for `src/cluster/upgrade/rollout.ts` (branch h15-operator), which `plan` uses to show the
 * rollout: the same types and the same order (Talos control planes then workers, then control-plane components,
 * then kubelets). Delete this file and import from `../cluster/upgrade/rollout.ts` once that is in main.
 *
 * @module
 */

/** The versions one node runs; undefined = unknown. */
export interface NodeVersions {
  name: string;
  role: "control-plane" | "worker";
  talos: string | undefined;
  kubelet: string | undefined;
  apiServer?: string;
}

/** One step of a rollout. Versions: Talos with `v`, Kubernetes without. */
export type RolloutStep =
  | { kind: "talos"; node: string; role: "control-plane" | "worker"; from: string; to: string }
  | { kind: "control-plane-components"; node: string; from: string; to: string }
  | { kind: "kubelet"; node: string; role: "control-plane" | "worker"; from: string; to: string }
  | { kind: "manifests"; to: string };

/** The steps in the order they run. */
export interface RolloutPlan {
  steps: RolloutStep[];
  talos: { to: string };
  kubernetes: { to: string };
}

const UNKNOWN = "unknown";
const collator = new Intl.Collator("en", { numeric: true });
const withV = (v: string) => (v.startsWith("v") ? v : `v${v}`);
const kube = (v: string | undefined) => (v === undefined ? UNKNOWN : v.replace(/^v/, ""));

/** The rollout from `nodes` to `desired`. */
export function planRollout(nodes: NodeVersions[], desired: { talos: string; kubernetes: string }): RolloutPlan {
  const talosTo = withV(desired.talos);
  const k8sTo = kube(desired.kubernetes);
  const ordered = [...nodes].sort((a, b) =>
    a.role !== b.role ? (a.role === "control-plane" ? -1 : 1) : collator.compare(a.name, b.name)
  );
  const steps: RolloutStep[] = [];
  for (const n of ordered) {
    const from = n.talos === undefined ? UNKNOWN : withV(n.talos);
    if (from !== talosTo) steps.push({ kind: "talos", node: n.name, role: n.role, from, to: talosTo });
  }
  for (const n of ordered.filter((n) => n.role === "control-plane")) {
    const from = kube(n.apiServer ?? n.kubelet);
    if (from !== k8sTo) steps.push({ kind: "control-plane-components", node: n.name, from, to: k8sTo });
  }
  for (const n of ordered) {
    const from = kube(n.kubelet);
    if (from !== k8sTo) steps.push({ kind: "kubelet", node: n.name, role: n.role, from, to: k8sTo });
  }
  return { steps, talos: { to: talosTo }, kubernetes: { to: k8sTo } };
}

/** A one-line description of a step. */
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
