/**
 * What the Hetzner cloud controller manager (hcloud-cloud-controller-manager) does to Nodes, played
 * only in clusters where it runs: its DaemonSet or Deployment (`kube-system/hcloud-cloud-controller-manager`,
 * the chart's name for either `kind`) reports a ready pod, as the local cloud's workload controllers
 * count them (so a CCM that cannot schedule, or fails on demand, initializes nothing). Without it
 * Nodes keep the kubelet's view, as on a real cluster before the CCM is installed.
 *
 * - cloud node controller: a Node still carrying `node.cloudprovider.kubernetes.io/uninitialized` gets
 *   its addresses from the server (InternalIP = private network IP, ExternalIP = public IPv4, Hostname),
 *   the `node.kubernetes.io/instance-type` and `topology.kubernetes.io/region` labels, and loses the taint;
 * - cloud node lifecycle controller: a NotReady Node whose server is off gets the
 *   `node.cloudprovider.kubernetes.io/shutdown` taint (removed once it runs again); a NotReady Node
 *   whose server no longer exists is deleted.
 *
 * The zone label (the Hetzner datacenter, e.g. `fsn1-dc14`) is left out: the simulator has no datacenters.
 *
 * @module
 */
import type { HcloudSimulator } from "../hcloud_sim/mod.ts";
import type { FakeKubeStore, KubeObj } from "../kube_fake/mod.ts";
import { type Taint, UNINITIALIZED_TAINT } from "./node_facts.ts";
import { readyStatus } from "./node_status.ts";

/** Name and namespace of the CCM DaemonSet or Deployment whose ready pods turn this controller on. */
export const CCM_DEPLOYMENT = { name: "hcloud-cloud-controller-manager", namespace: "kube-system" } as const;
/** Taint the cloud node lifecycle controller puts on NotReady nodes whose server is shut down. */
export const SHUTDOWN_TAINT = "node.cloudprovider.kubernetes.io/shutdown";

const PROVIDER_ID = /^hcloud:\/\/(\d+)$/;

/** Whether the cluster runs the Hetzner CCM: a ready pod of its DaemonSet or Deployment (the leader runs in one). */
export function runsCloudControllerManager(store: FakeKubeStore): boolean {
  const { name, namespace } = CCM_DEPLOYMENT;
  const ds = store.viewObject("apps/v1", "DaemonSet", name, namespace);
  const deployment = store.viewObject("apps/v1", "Deployment", name, namespace);
  return ((ds?.status as { numberReady?: number } | undefined)?.numberReady ?? 0) > 0 ||
    ((deployment?.status as { readyReplicas?: number } | undefined)?.readyReplicas ?? 0) > 0;
}

/** One pass of the CCM's node controllers over a cluster's Nodes; returns the names of Nodes it deleted. */
export function reconcileCloudNodes(store: FakeKubeStore, sim: HcloudSimulator): string[] {
  if (!runsCloudControllerManager(store)) return [];
  const deleted: string[] = [];
  for (const node of store.viewObjects("v1", "Node")) {
    const meta = node.metadata as { name: string; labels?: Record<string, string> };
    const spec = (node.spec ?? {}) as { providerID?: string; taints?: Taint[] };
    const id = PROVIDER_ID.exec(spec.providerID ?? "")?.[1];
    if (id === undefined) continue;
    const server = sim.state.servers.get(Number(id));
    const notReady = readyStatus(node) !== "True";
    if (!server) {
      if (notReady) {
        store.remove("v1", "Node", meta.name);
        deleted.push(meta.name);
      }
      continue;
    }
    let next: KubeObj = node;
    let taints = spec.taints ?? [];
    if (taints.some((t) => t.key === UNINITIALIZED_TAINT)) {
      const publicIp = server.ipv4 === null ? undefined : sim.state.primaryIps.get(server.ipv4)?.ip;
      const status = (node.status ?? {}) as Record<string, unknown>;
      next = {
        ...next,
        metadata: {
          ...meta,
          labels: {
            ...meta.labels,
            "node.kubernetes.io/instance-type": server.serverType.name,
            "topology.kubernetes.io/region": server.location.name,
          },
        },
        status: {
          ...status,
          addresses: [
            ...server.privateNet.map((p) => ({ type: "InternalIP", address: p.ip })),
            ...(publicIp ? [{ type: "ExternalIP", address: publicIp }] : []),
            { type: "Hostname", address: meta.name },
          ],
        },
      };
      taints = taints.filter((t) => t.key !== UNINITIALIZED_TAINT);
    }
    const shutDown = notReady && server.status === "off";
    const hasShutdown = taints.some((t) => t.key === SHUTDOWN_TAINT);
    if (shutDown && !hasShutdown) taints = [...taints, { key: SHUTDOWN_TAINT, effect: "NoSchedule" }];
    if (!shutDown && hasShutdown) taints = taints.filter((t) => t.key !== SHUTDOWN_TAINT);
    if (taints !== (spec.taints ?? [])) next = { ...next, spec: { ...spec, taints } };
    if (next !== node) store.put(next);
  }
  return deleted;
}
