/**
 * `planDestroy()`: everything `destroy` deletes, from one discovery pass: only objects with the
 * cluster's label, plus the cloud controller's load balancers and CSI volumes that discovery proved
 * to be this cluster's. Talos snapshots are shared by clusters and kept. Pure.
 *
 * @module
 */
import type {
  Firewall,
  LoadBalancer,
  Network,
  PlacementGroup,
  Pricing,
  PrimaryIp,
  Server,
  SshKey,
  Volume,
} from "../../hcloud/mod.ts";
import { type CostLine, currentCost } from "../cost/cost.ts";
import type { ObservedCluster, ResourceKind } from "../infra/observed.ts";

/** What `destroy` deletes, in the order it deletes it. */
export interface DestroyPlan {
  cluster: string;
  servers: Server[];
  /** The API load balancer and the cloud controller's load balancers of this cluster. */
  loadBalancers: LoadBalancer[];
  firewalls: Firewall[];
  volumes: Volume[];
  primaryIps: PrimaryIp[];
  placementGroups: PlacementGroup[];
  networks: Network[];
  sshKeys: SshKey[];
}

/** One line of the destroy listing. */
export interface DestroyItem {
  kind: ResourceKind;
  name: string;
  id: number;
  detail: string;
}

/** The destroy plan of what discovery found. */
export function planDestroy(observed: ObservedCluster): DestroyPlan {
  return {
    cluster: observed.name,
    servers: [...observed.servers],
    loadBalancers: [...observed.loadBalancers, ...observed.ccmLoadBalancers],
    firewalls: [...observed.firewalls],
    volumes: [...observed.volumes],
    primaryIps: [...observed.primaryIps],
    placementGroups: [...observed.placementGroups],
    networks: [...observed.networks],
    sshKeys: [...observed.sshKeys],
  };
}

/** The plan as a flat list, in deletion order. */
export function destroyItems(plan: DestroyPlan): DestroyItem[] {
  const ccm = (lb: LoadBalancer) => Object.keys(lb.labels ?? {}).some((k) => k.startsWith("hcloud-ccm/"));
  return [
    ...plan.servers.map((s): DestroyItem => ({
      kind: "server",
      name: s.name,
      id: s.id,
      detail: `${s.server_type.name}, ${s.public_net.ipv4?.ip ?? "no IPv4"}`,
    })),
    ...plan.loadBalancers.map((lb): DestroyItem => ({
      kind: "load_balancer",
      name: lb.name,
      id: lb.id,
      detail: `${lb.load_balancer_type.name}${ccm(lb) ? ", created by the cloud controller" : ""}`,
    })),
    ...plan.firewalls.map((f): DestroyItem => ({ kind: "firewall", name: f.name, id: f.id, detail: "" })),
    ...plan.volumes.map((v): DestroyItem => ({
      kind: "volume",
      name: v.name,
      id: v.id,
      detail: `${v.size} GB${
        v.labels?.["pvc-name"] ? `, PVC ${v.labels["pvc-namespace"]}/${v.labels["pvc-name"]}` : ""
      }`,
    })),
    ...plan.primaryIps.map((p): DestroyItem => ({ kind: "primary_ip", name: p.name, id: p.id, detail: p.ip })),
    ...plan.placementGroups.map((g): DestroyItem => ({ kind: "placement_group", name: g.name, id: g.id, detail: "" })),
    ...plan.networks.map((n): DestroyItem => ({ kind: "network", name: n.name, id: n.id, detail: n.ip_range })),
    ...plan.sshKeys.map((k): DestroyItem => ({ kind: "ssh_key", name: k.name, id: k.id, detail: "" })),
  ];
}

/** True when there is nothing to delete. */
export function isEmptyDestroyPlan(plan: DestroyPlan): boolean {
  return destroyItems(plan).length === 0;
}

/** The monthly cost the deletion frees (servers, their IPs, load balancers, volumes), net and gross. */
export function freedMonthlyCost(plan: DestroyPlan, pricing: Pricing): { lines: CostLine[]; notes: string[] } {
  const { lines, notes } = currentCost(
    { servers: plan.servers, loadBalancers: plan.loadBalancers, snapshots: [] },
    pricing,
  );
  const gb = plan.volumes.reduce((sum, v) => sum + v.size, 0);
  if (gb > 0) {
    const per = pricing.volume.price_per_gb_month;
    const unit = { net: Number(per.net) * gb, gross: Number(per.gross) * gb };
    lines.push({ resource: "volumes", detail: `${gb} GB`, count: 1, unit, monthly: unit });
  }
  return { lines, notes };
}
