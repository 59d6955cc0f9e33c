/**
 * Which K8znerCluster a watch event concerns: the work queue takes keys (`namespace/name`), never
 * events. A K8znerCluster maps to itself; a Node maps to the cluster that owns it, found by our
 * `k8zner.io/cluster` label or by its `hcloud://<server id>` provider ID or name in a cluster's status.
 *
 * @module
 */
import type { KubeObject } from "../../kube/mod.ts";
import { LABEL_KEYS } from "../../lib/labels.ts";

/** The work-queue key of an object: `namespace/name` (just `name` when cluster-scoped). */
export function keyOf(object: Pick<KubeObject, "metadata">): string {
  const { name, namespace } = object.metadata;
  return namespace ? `${namespace}/${name}` : name;
}

interface StatusNode {
  name?: string;
  serverID?: number;
}

function statusNodes(cluster: KubeObject): StatusNode[] {
  const status = (cluster.status ?? {}) as Record<string, { nodes?: StatusNode[] } | undefined>;
  return [...(status.controlPlanes?.nodes ?? []), ...(status.workers?.nodes ?? [])];
}

/** The Hetzner server ID in a Node's `spec.providerID` (`hcloud://123456`), if any. */
export function serverIdOfNode(node: KubeObject): number | undefined {
  const providerId = (node.spec as { providerID?: unknown } | undefined)?.providerID;
  const m = typeof providerId === "string" ? providerId.match(/^hcloud:\/\/(\d+)$/) : null;
  return m ? Number(m[1]) : undefined;
}

/**
 * The keys of the clusters that own `node`, among `clusters` (the K8znerClusters currently known).
 * Empty when no cluster claims it (a node k8zner did not create is none of its business).
 */
export function clusterKeysForNode(node: KubeObject, clusters: readonly KubeObject[]): string[] {
  const label = node.metadata.labels?.[LABEL_KEYS.cluster];
  if (label !== undefined) {
    return clusters.filter((c) => c.metadata.name === label).map(keyOf);
  }
  const serverId = serverIdOfNode(node);
  return clusters.filter((c) =>
    statusNodes(c).some((n) =>
      serverId !== undefined && n.serverID === serverId || n.name !== undefined && n.name === node.metadata.name
    )
  ).map(keyOf);
}

/**
 * Whether a K8znerCluster event should queue a reconcile: always, except a MODIFIED whose
 * generation did not move (a status write, usually our own; reacting to it would loop).
 */
export function clusterEventNeedsReconcile(
  type: "ADDED" | "MODIFIED" | "DELETED",
  object: KubeObject,
  previous: KubeObject | undefined,
): boolean {
  if (type !== "MODIFIED" || previous === undefined) return true;
  const changed = object.metadata.generation !== previous.metadata.generation;
  const deleting = object.metadata.deletionTimestamp !== previous.metadata.deletionTimestamp;
  return changed || deleting;
}

/**
 * Whether a Node event can change what a reconcile decides: its labels, spec (taints, providerID,
 * unschedulable), addresses, kubelet version, deletion, or a condition's status. A kubelet's status
 * report that only moves timestamps or resource figures is not one: reacting to those ran a full pass
 * per report (about 60,000 Kubernetes requests an hour from an idle operator in the local cloud).
 */
export function nodeEventNeedsReconcile(
  type: "ADDED" | "MODIFIED" | "DELETED",
  node: KubeObject,
  previous: KubeObject | undefined,
): boolean {
  if (type !== "MODIFIED" || previous === undefined) return true;
  return JSON.stringify(nodeFacts(node)) !== JSON.stringify(nodeFacts(previous));
}

function nodeFacts(node: KubeObject): unknown {
  const status = (node.status ?? {}) as {
    conditions?: { type?: string; status?: string }[];
    addresses?: unknown;
    nodeInfo?: { kubeletVersion?: string };
  };
  return [
    node.metadata.labels ?? {},
    node.metadata.deletionTimestamp ?? null,
    (node as { spec?: unknown }).spec ?? {},
    (status.conditions ?? []).map((c) => `${c.type}=${c.status}`).sort(),
    status.addresses ?? [],
    status.nodeInfo?.kubeletVersion ?? "",
  ];
}
