/**
 * What one discovery pass found of a cluster in the Hetzner project: every object with the
 * cluster's label, what the cloud controller and CSI driver created for it, and same-named objects
 * that are not ours (conflicts: reported, never adopted or deleted).
 *
 * @module
 */
import type {
  Firewall,
  LoadBalancer,
  Network,
  PlacementGroup,
  PrimaryIp,
  Server,
  SshKey,
  Volume,
} from "../../hcloud/mod.ts";
import { LABEL_KEYS } from "../../config/mod.ts";

/** Kinds of Hetzner object k8zner plans and destroys. */
export type ResourceKind =
  | "network"
  | "firewall"
  | "load_balancer"
  | "placement_group"
  | "server"
  | "ssh_key"
  | "volume"
  | "primary_ip";

/** A same-named object without this cluster's label: k8zner cannot create its own. */
export interface Conflict {
  kind: ResourceKind;
  name: string;
  id: number;
  /** Whose it is, e.g. `labelled for cluster "other"` or `not created by k8zner (no k8zner.io/cluster label)`. */
  owner: string;
}

/** Everything found for one cluster. */
export interface ObservedCluster {
  name: string;
  networks: Network[];
  firewalls: Firewall[];
  /** Load balancers with the cluster's label (the API load balancer). */
  loadBalancers: LoadBalancer[];
  /** Load balancers the cloud controller created for this cluster's Services. */
  ccmLoadBalancers: LoadBalancer[];
  placementGroups: PlacementGroup[];
  servers: Server[];
  sshKeys: SshKey[];
  /** Volumes with the cluster's label, or CSI volumes attached to the cluster's servers. */
  volumes: Volume[];
  primaryIps: PrimaryIp[];
  conflicts: Conflict[];
  /**
   * Every object of these kinds in the project at discovery, whoever made it (present when discovery
   * checked conflicts): later steps of the same run look here instead of asking again by name.
   */
  project?: ProjectListing;
}

/** The project's objects of the kinds k8zner names deterministically, unfiltered. */
export interface ProjectListing {
  servers: Server[];
  networks: Network[];
  firewalls: Firewall[];
  loadBalancers: LoadBalancer[];
  placementGroups: PlacementGroup[];
  sshKeys: SshKey[];
}

/** The label key the Hetzner cloud controller puts on load balancers it creates for a Service. */
export const CCM_SERVICE_UID_LABEL = "hcloud-ccm/service-uid";

/** The label the Hetzner CSI driver puts on every volume it creates. */
export const CSI_MANAGED_LABEL = { key: "managed-by", value: "csi-driver" } as const;

/** An empty observation (a cluster that does not exist yet). */
export function emptyObserved(name: string): ObservedCluster {
  return {
    name,
    networks: [],
    firewalls: [],
    loadBalancers: [],
    ccmLoadBalancers: [],
    placementGroups: [],
    servers: [],
    sshKeys: [],
    volumes: [],
    primaryIps: [],
    conflicts: [],
  };
}

/** Describes who owns an object, for conflict messages. */
export function ownerOf(labels: Record<string, string> | undefined): string {
  const cluster = labels?.[LABEL_KEYS.cluster];
  return cluster === undefined
    ? "not created by k8zner (no k8zner.io/cluster label)"
    : `labelled for cluster "${cluster}"`;
}

/** The found object named `name`, if any. */
export function byName<T extends { name: string }>(items: readonly T[], name: string): T | undefined {
  return items.find((i) => i.name === name);
}

/** Name of the cluster's SSH key (only there to stop Hetzner e-mailing root passwords). */
export function sshKeyName(cluster: string): string {
  return `${cluster}-default`;
}
