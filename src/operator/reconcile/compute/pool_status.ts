/**
 * The `status.controlPlanes` / `status.workers` blocks (`desired`, `ready`, `unhealthy`, `nodes[]`), built
 * from what the Compute step observed. Pure.
 *
 * @module
 */
import type { NODE_PHASES } from "../../../addons/k8zner_crd.ts";
import type { Server } from "../../../hcloud/mod.ts";
import type { KubeObject } from "../../../kube/mod.ts";
import { isNodeReady, isNodeUnreachable } from "./node_facts.ts";

/** A per-node phase of the CRD. */
export type NodePhase = typeof NODE_PHASES[number];

/** One entry of `nodes[]`. */
export interface PoolNodeStatus {
  name: string;
  serverID?: number;
  privateIP?: string;
  publicIP?: string;
  phase: NodePhase;
  healthy: boolean;
}

/** One pool's status block. */
export interface PoolStatus {
  desired: number;
  /** Nodes whose Kubernetes `Ready` condition is True. */
  ready: number;
  /** Nodes that were up and are not now (kubelet silent, or a joined control plane's etcd unhealthy). */
  unhealthy: number;
  nodes: PoolNodeStatus[];
}

/** The `nodes[]` entry of a node from its server, Node and phase. */
export function nodeStatus(
  name: string,
  facts: { server: Server | undefined; node: KubeObject | undefined; privateIp: string | undefined },
  phase: NodePhase,
): PoolNodeStatus {
  const entry: PoolNodeStatus = { name, phase, healthy: phase === "Ready" || phase === "NodeInitializing" };
  if (facts.server) entry.serverID = facts.server.id;
  const privateIp = facts.server?.private_net[0]?.ip ?? facts.privateIp;
  if (privateIp) entry.privateIP = privateIp;
  const publicIp = facts.server?.public_net.ipv4?.ip;
  if (publicIp) entry.publicIP = publicIp;
  return entry;
}

/** The phase of a node that has a server, from its Node (after any role-specific checks). */
export function phaseFromNode(node: KubeObject | undefined): NodePhase {
  if (!node) return "WaitingForK8s";
  if (isNodeUnreachable(node)) return "Unhealthy";
  return isNodeReady(node) ? "Ready" : "NodeInitializing";
}

/** Sums up a pool. */
export function poolStatus(desired: number, nodes: PoolNodeStatus[]): PoolStatus {
  return {
    desired,
    ready: nodes.filter((n) => n.phase === "Ready").length,
    unhealthy: nodes.filter((n) => n.phase === "Unhealthy").length,
    nodes,
  };
}

/** The 1-based index in a server name `<cluster>-cp-<n>` / `<cluster>-w-<n>`, or undefined. */
export function indexOfName(cluster: string, pool: "cp" | "w", name: string): number | undefined {
  const prefix = `${cluster}-${pool}-`;
  if (!name.startsWith(prefix)) return undefined;
  const rest = name.slice(prefix.length);
  return /^[1-9]\d*$/.test(rest) ? Number(rest) : undefined;
}
