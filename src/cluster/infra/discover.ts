/**
 * `discoverCluster()`: one discovery pass (ADR 0002). A handful of `GET`s filtered by
 * `k8zner.io/cluster=<name>` find everything k8zner created; one more finds the cloud
 * controller's load balancers, which are kept only when they provably belong to this cluster;
 * deterministic names that are missing are looked up once to report same-named foreign objects.
 *
 * @module
 */
import { clusterSelector, type DesiredState, LABEL_KEYS } from "../../config/mod.ts";
import type {
  Firewall,
  HcloudClient,
  LoadBalancer,
  Network,
  PlacementGroup,
  PrimaryIp,
  Server,
  SshKey,
  Volume,
} from "../../hcloud/mod.ts";
import { readWithRetry } from "./ensure_common.ts";
import {
  CCM_SERVICE_UID_LABEL,
  type Conflict,
  CSI_MANAGED_LABEL,
  type ObservedCluster,
  ownerOf,
  type ProjectListing,
  type ResourceKind,
  sshKeyName,
} from "./observed.ts";

/** Options of {@link discoverCluster}. */
export interface DiscoverOptions {
  /** With a desired state, its deterministic names are checked for same-named foreign objects. */
  desired?: DesiredState;
  /** Waits between retries of a failed read (default: a timer). */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Finds everything of cluster `name`. Read-only: only `GET` requests.
 *
 * With `options.desired` the deterministic names are checked too. Then the six kinds that have them
 * (servers, networks, firewalls, load balancers, placement groups, SSH keys) are listed once without
 * a label selector and split here: the cluster's objects are those whose `k8zner.io/cluster` label is
 * `name` (what the API's `label_selector=k8zner.io/cluster=<name>` returns), the cloud controller's
 * load balancers carry its label, and a wanted name held by anything else is a conflict. One request
 * per kind instead of a labelled list plus a lookup by name for what is missing (every name is
 * missing before a first run); the unfiltered lists are kept in `project` for the image build's
 * leftover checks. A project with more than 50 objects of a kind pays one request per 50.
 */
export async function discoverCluster(
  client: HcloudClient,
  name: string,
  options: DiscoverOptions = {},
): Promise<ObservedCluster> {
  const hc = retryingReads(client, options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))));
  const labelSelector = clusterSelector(name);
  const desired = options.desired;
  const ours = <T extends { labels?: Record<string, string> }>(items: T[]) =>
    items.filter((o) => o.labels?.[LABEL_KEYS.cluster] === name);
  let project: ProjectListing | undefined;
  let listed: Pick<
    ObservedCluster,
    "servers" | "networks" | "firewalls" | "loadBalancers" | "placementGroups" | "sshKeys"
  >;
  let ccm: LoadBalancer[];
  const labelledOnly = () =>
    Promise.all([hc.volumes.listAll({ labelSelector }), hc.primaryIps.listAll({ labelSelector })]);
  let volumes: Volume[];
  let primaryIps: PrimaryIp[];
  if (desired) {
    let servers: Server[], networks: Network[], firewalls: Firewall[], loadBalancers: LoadBalancer[];
    let placementGroups: PlacementGroup[], sshKeys: SshKey[];
    [[volumes, primaryIps], servers, networks, firewalls, loadBalancers, placementGroups, sshKeys] = await Promise.all([
      labelledOnly(),
      hc.servers.listAll(),
      hc.networks.listAll(),
      hc.firewalls.listAll(),
      hc.loadBalancers.listAll(),
      hc.placementGroups.listAll(),
      hc.sshKeys.listAll(),
    ]);
    project = { servers, networks, firewalls, loadBalancers, placementGroups, sshKeys };
    listed = {
      servers: ours(servers),
      networks: ours(networks),
      firewalls: ours(firewalls),
      loadBalancers: ours(loadBalancers),
      placementGroups: ours(placementGroups),
      sshKeys: ours(sshKeys),
    };
    ccm = loadBalancers.filter((lb) => lb.labels?.[CCM_SERVICE_UID_LABEL] !== undefined);
  } else {
    let servers: Server[], networks: Network[], firewalls: Firewall[], loadBalancers: LoadBalancer[];
    let placementGroups: PlacementGroup[], sshKeys: SshKey[], ccmLbs: LoadBalancer[];
    [[volumes, primaryIps], servers, networks, firewalls, loadBalancers, placementGroups, sshKeys, ccmLbs] =
      await Promise.all([
        labelledOnly(),
        hc.servers.listAll({ labelSelector }),
        hc.networks.listAll({ labelSelector }),
        hc.firewalls.listAll({ labelSelector }),
        hc.loadBalancers.listAll({ labelSelector }),
        hc.placementGroups.listAll({ labelSelector }),
        hc.sshKeys.listAll({ labelSelector }),
        hc.loadBalancers.listAll({ labelSelector: CCM_SERVICE_UID_LABEL }),
      ]);
    listed = { servers, networks, firewalls, loadBalancers, placementGroups, sshKeys };
    ccm = ccmLbs;
  }
  const serverIds = new Set(listed.servers.map((s) => s.id));
  const networkIds = new Set(listed.networks.map((n) => n.id));
  const ccmLoadBalancers = await selectCcmLoadBalancers(
    project ? () => Promise.resolve(project!) : () => listClusterOwners(hc),
    name,
    ccm.filter((lb) => !listed.loadBalancers.some((own) => own.id === lb.id)),
    serverIds,
    networkIds,
  );
  const labelledVolumes = volumes;
  const observed: ObservedCluster = {
    name,
    ...listed,
    ccmLoadBalancers,
    volumes: [...labelledVolumes, ...await findCsiVolumesOfServers(hc, name, labelledVolumes, listed.servers)],
    primaryIps,
    conflicts: [],
    ...(project ? { project } : {}),
  };
  if (desired && project) observed.conflicts = findConflicts(observed, project, desired);
  return observed;
}

/**
 * Keeps the cloud controller's load balancers that belong to cluster `name`: targets on its
 * servers, attached to its network, or named `<name>-…` (the Traefik service's load balancer is
 * `<name>-ingress`) with no targets elsewhere. A name prefix alone is not enough when another
 * k8zner cluster's name also matches (`demo` vs `demo-2`): the load balancer is then left alone.
 * Anything targeting another cluster's servers is never ours (the earlier implementation deleted
 * every CCM load balancer in the project, inventory §10).
 */
async function selectCcmLoadBalancers(
  owners: () => Promise<Pick<ProjectListing, "networks" | "loadBalancers">>,
  name: string,
  candidates: LoadBalancer[],
  serverIds: Set<number>,
  networkIds: Set<number>,
): Promise<LoadBalancer[]> {
  const ours: LoadBalancer[] = [];
  const byPrefixOnly: LoadBalancer[] = [];
  for (const lb of candidates) {
    const owner = lb.labels?.[LABEL_KEYS.cluster];
    if (owner !== undefined && owner !== name) continue;
    const targets = lb.targets.filter((t) => t.type === "server" && t.server).map((t) => t.server!.id);
    if (targets.some((id) => !serverIds.has(id))) continue;
    if (targets.length > 0 || lb.private_net.some((p) => networkIds.has(p.network))) ours.push(lb);
    else if (lb.name.startsWith(`${name}-`)) byPrefixOnly.push(lb);
  }
  if (byPrefixOnly.length > 0) {
    const others = otherClusterNames(await owners(), name);
    for (const lb of byPrefixOnly) {
      const longer = others.some((o) => o.startsWith(`${name}-`) && lb.name.startsWith(`${o}-`));
      if (!longer) ours.push(lb);
    }
  }
  return ours;
}

/** Networks and load balancers labelled for any cluster (for {@link otherClusterNames}). */
async function listClusterOwners(hc: HcloudClient): Promise<Pick<ProjectListing, "networks" | "loadBalancers">> {
  const [networks, loadBalancers] = await Promise.all([
    hc.networks.listAll({ labelSelector: LABEL_KEYS.cluster }),
    hc.loadBalancers.listAll({ labelSelector: LABEL_KEYS.cluster }),
  ]);
  return { networks, loadBalancers };
}

function otherClusterNames(owners: Pick<ProjectListing, "networks" | "loadBalancers">, name: string): string[] {
  const names = new Set([...owners.networks, ...owners.loadBalancers].map((o) => o.labels?.[LABEL_KEYS.cluster] ?? ""));
  names.delete(name);
  names.delete("");
  return [...names];
}

/**
 * CSI volumes attached to the cluster's servers that lack the cluster label (created before the
 * CSI driver was given `HCLOUD_VOLUME_EXTRA_LABELS`). Volumes without the CSI driver's label are
 * someone's hand-attached disks and are left out; so is anything labelled for another cluster.
 */
async function findCsiVolumesOfServers(
  hc: HcloudClient,
  name: string,
  labelled: Volume[],
  servers: ObservedCluster["servers"],
): Promise<Volume[]> {
  const known = new Set(labelled.map((v) => v.id));
  const attached = new Set(servers.flatMap((s) => s.volumes ?? []).filter((id) => !known.has(id)));
  if (attached.size === 0) return [];
  const csi = await hc.volumes.listAll({ labelSelector: `${CSI_MANAGED_LABEL.key}=${CSI_MANAGED_LABEL.value}` });
  return csi.filter((v) =>
    attached.has(v.id) && (v.labels?.[LABEL_KEYS.cluster] === undefined || v.labels[LABEL_KEYS.cluster] === name)
  );
}

/** The desired names that were not found with our label but are taken in the project: conflicts. */
function findConflicts(observed: ObservedCluster, project: ProjectListing, desired: DesiredState): Conflict[] {
  const wanted: Record<Exclude<ResourceKind, "volume" | "primary_ip">, string[]> = {
    network: [desired.network.request.name],
    firewall: [desired.firewall.request.name],
    load_balancer: [desired.loadBalancer.request.name],
    placement_group: desired.placementGroups.map((p) => p.request.name),
    server: desired.servers.map((s) => s.name),
    ssh_key: [sshKeyName(desired.cluster.name)],
  };
  const have: Record<keyof typeof wanted, { name: string }[]> = {
    network: observed.networks,
    firewall: observed.firewalls,
    load_balancer: observed.loadBalancers,
    placement_group: observed.placementGroups,
    server: observed.servers,
    ssh_key: observed.sshKeys,
  };
  const all: Record<keyof typeof wanted, { id: number; name: string; labels?: Record<string, string> }[]> = {
    network: project.networks,
    firewall: project.firewalls,
    load_balancer: project.loadBalancers,
    placement_group: project.placementGroups,
    server: project.servers,
    ssh_key: project.sshKeys,
  };
  return (Object.keys(wanted) as (keyof typeof wanted)[]).flatMap((kind) => {
    const missing = wanted[kind].filter((n) => !have[kind].some((o) => o.name === n));
    return all[kind].filter((o) => missing.includes(o.name))
      // Carrying all our labels it is ours (the same test as before the lists were shared).
      .filter((o) => !Object.entries(desired.labels).every(([k, v]) => o.labels?.[k] === v))
      .map((o): Conflict => ({ kind, name: o.name, id: o.id, owner: ownerOf(o.labels) }));
  });
}

/** The client's list and lookup calls, each retried on transient failures (they only read). */
function retryingReads(hc: HcloudClient, sleep: (ms: number) => Promise<void>): HcloudClient {
  const wrap = <A extends { listAll: unknown; findByName: unknown }>(api: A): A => {
    const a = api as unknown as {
      listAll: (...args: unknown[]) => Promise<unknown>;
      findByName: (...args: unknown[]) => Promise<unknown>;
    };
    return {
      ...api,
      listAll: (...args: unknown[]) => readWithRetry(sleep, () => a.listAll(...args)),
      findByName: (...args: unknown[]) => readWithRetry(sleep, () => a.findByName(...args)),
    } as A;
  };
  return {
    ...hc,
    servers: wrap(hc.servers),
    networks: wrap(hc.networks),
    firewalls: wrap(hc.firewalls),
    loadBalancers: wrap(hc.loadBalancers),
    placementGroups: wrap(hc.placementGroups),
    sshKeys: wrap(hc.sshKeys),
    volumes: { ...hc.volumes, listAll: (o) => readWithRetry(sleep, () => hc.volumes.listAll(o)) },
    primaryIps: { ...hc.primaryIps, listAll: (o) => readWithRetry(sleep, () => hc.primaryIps.listAll(o)) },
  };
}
