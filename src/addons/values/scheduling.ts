/**
 * Where the addons may run on a fresh cluster. Until the CNI runs every Node is NotReady
 * (`node.kubernetes.io/not-ready`), until the Hetzner CCM has initialised a Node it carries
 * `node.cloudprovider.kubernetes.io/uninitialized=true:NoSchedule` (the kubelet runs with
 * `--cloud-provider=external`), and in ha clusters the control planes carry
 * `node-role.kubernetes.io/control-plane:NoSchedule` (Talos `allowSchedulingOnControlPlanes` is on only in dev).
 * Each addon tolerates exactly what it must to start in its place in the install order:
 *
 * - host-network pods that bring the node up (Cilium's operator, the CCM) also tolerate not-ready;
 * - pods on the pod network (Hubble Relay, CSI, metrics-server) wait for a Ready node, but tolerate the
 *   control-plane and uninitialized taints: they are installed before the CCM has initialised every node,
 *   and an ha cluster may have no worker yet.
 *
 * The `node-role.kubernetes.io/master` taint is gone since Kubernetes 1.25 and Talos never sets it.
 *
 * @module
 */

/** A pod toleration as the Kubernetes API takes it. */
export interface Toleration {
  key: string;
  operator: "Exists" | "Equal";
  value?: string;
  effect?: "NoSchedule" | "NoExecute";
}

/** Talos labels control-plane Nodes with this (empty value). */
export const CONTROL_PLANE_LABEL = "node-role.kubernetes.io/control-plane";

/** Pins a pod to the control planes. */
export const CONTROL_PLANE_NODE_SELECTOR: Readonly<Record<string, string>> = { [CONTROL_PLANE_LABEL]: "" };

/** Tolerates the control planes' taint (ha clusters). */
export const TOLERATE_CONTROL_PLANE: Toleration = {
  key: CONTROL_PLANE_LABEL,
  operator: "Exists",
  effect: "NoSchedule",
};

/** Tolerates nodes the cloud controller manager has not initialised yet. */
export const TOLERATE_UNINITIALIZED: Toleration = {
  key: "node.cloudprovider.kubernetes.io/uninitialized",
  operator: "Exists",
  effect: "NoSchedule",
};

/** Tolerates NotReady nodes (both effects, for good: the pod does not need the node's pod network). */
export const TOLERATE_NOT_READY: Toleration = { key: "node.kubernetes.io/not-ready", operator: "Exists" };

/** Cilium's own startup taint, removed once the agent on the node runs (Cilium `agentNotReadyTaintKey`). */
export const TOLERATE_CILIUM_AGENT_NOT_READY: Toleration = {
  key: "node.cilium.io/agent-not-ready",
  operator: "Exists",
};

/** For pods on the pod network that must start before the CCM has initialised every node. */
export function podNetworkTolerations(): Toleration[] {
  return [{ ...TOLERATE_CONTROL_PLANE }, { ...TOLERATE_UNINITIALIZED }];
}

/** For host-network pods that bring nodes up: they run before any node is Ready. */
export function bootstrapTolerations(): Toleration[] {
  return [{ ...TOLERATE_CONTROL_PLANE }, { ...TOLERATE_UNINITIALIZED }, { ...TOLERATE_NOT_READY }];
}

/**
 * Spreads replicas over nodes when it can, never blocking a pod when it cannot (a node being replaced,
 * or fewer nodes than replicas): `--wait` must finish on every cluster shape.
 */
export function spreadByHostname(matchLabels: Record<string, string>): Record<string, unknown>[] {
  return [{
    maxSkew: 1,
    topologyKey: "kubernetes.io/hostname",
    whenUnsatisfiable: "ScheduleAnyway",
    labelSelector: { matchLabels },
  }];
}
