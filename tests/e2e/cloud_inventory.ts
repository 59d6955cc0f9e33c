/**
 * What a Hetzner simulator holds, seen the way the end-to-end tests and the demo judge a run: the
 * resources of one cluster (by its ownership label), what was created (from the request log), and
 * what would be a leak (unlabelled objects, build servers and keys left behind, orphaned IPs).
 *
 * @module
 */
import type { RequestRecord, SimState } from "../hcloud_sim/mod.ts";
import { CCM_SERVICE_UID_LABEL } from "../../src/cluster/infra/observed.ts";

/** Label keys of ownership (mirrors `src/lib/labels.ts`, which tests must not need to agree with by import). */
export const CLUSTER_LABEL = "k8zner.io/cluster";
export const MANAGED_BY_LABEL = "k8zner.io/managed-by";
/** Marks the image build's temporary server and SSH key. */
export const PURPOSE_LABEL = "k8zner.io/purpose";

/** One resource in the simulated project. */
export interface CloudResource {
  kind: ResourceKind;
  id: number;
  name: string;
  labels: Record<string, string>;
}

/** Resource kinds as the API names its collections. */
export type ResourceKind =
  | "servers"
  | "images"
  | "networks"
  | "firewalls"
  | "load_balancers"
  | "placement_groups"
  | "ssh_keys"
  | "volumes"
  | "primary_ips";

/**
 * Every resource in the project except Hetzner's own system images, and except primary IPs that a
 * server got automatically (auto-delete and assigned: they live and die with their server).
 */
export function listResources(state: Readonly<SimState>): CloudResource[] {
  const out: CloudResource[] = [];
  const add = (
    kind: ResourceKind,
    records: Iterable<{ id: number; name: string | null; labels: Record<string, string> }>,
  ) => {
    for (const r of records) out.push({ kind, id: r.id, name: r.name ?? "", labels: { ...r.labels } });
  };
  add("servers", state.servers.values());
  add("images", [...state.images.values()].filter((i) => i.type !== "system"));
  add("networks", state.networks.values());
  add("firewalls", state.firewalls.values());
  add("load_balancers", state.loadBalancers.values());
  add("placement_groups", state.placementGroups.values());
  add("ssh_keys", state.sshKeys.values());
  add("volumes", state.volumes.values());
  add("primary_ips", [...state.primaryIps.values()].filter((p) => !(p.autoDelete && p.assigneeId !== null)));
  return out;
}

/** The resources carrying `k8zner.io/cluster=<cluster>`. */
export function listClusterResources(state: Readonly<SimState>, cluster: string): CloudResource[] {
  return listResources(state).filter((r) => r.labels[CLUSTER_LABEL] === cluster);
}

/** Counts resources by kind, e.g. `{servers: 1, networks: 1}` (kinds with none are left out). */
export function countByKind(resources: readonly CloudResource[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of resources) counts[r.kind] = (counts[r.kind] ?? 0) + 1;
  return counts;
}

/**
 * Resources created, by kind, from the request log: successful `POST /<kind>` creates, plus
 * snapshots (`POST /servers/{id}/actions/create_image`).
 */
export function countCreated(requests: readonly RequestRecord[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of requests) {
    if (r.method !== "POST" || r.status < 200 || r.status >= 300) continue;
    const kind = /^\/([a-z_]+)$/.exec(r.path)?.[1] ??
      (/^\/servers\/\d+\/actions\/create_image$/.test(r.path) ? "images" : undefined);
    if (kind) counts[kind] = (counts[kind] ?? 0) + 1;
  }
  return counts;
}

/** Requests by method, e.g. `{GET: 40, POST: 12, DELETE: 7}` (faulted requests included). */
export function countByMethod(requests: readonly RequestRecord[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of requests) counts[r.method] = (counts[r.method] ?? 0) + 1;
  return counts;
}

/** Mutating requests (anything but GET/HEAD) in the log. */
export function countMutating(requests: readonly RequestRecord[]): number {
  return requests.filter((r) => r.method !== "GET" && r.method !== "HEAD").length;
}

/**
 * Problems that mean a run leaked or duplicated something: a resource without the managed-by
 * label, a name used twice within a kind (snapshots: the same labels twice), the image build's
 * temporary server or SSH key left behind (or any server that is not a cluster node, any key of no
 * cluster), a primary IP nobody uses.
 */
export function findLeaks(state: Readonly<SimState>): string[] {
  const problems: string[] = [];
  const resources = listResources(state);
  const seen = new Map<string, CloudResource>();
  for (const r of resources) {
    const label = `${r.kind} ${r.id} "${r.name}"`;
    // The cloud controller's load balancers (Traefik's Service) carry its own label, not ours; destroy finds
    // them by that label, their targets and network.
    const ccmOwned = r.kind === "load_balancers" && r.labels[CCM_SERVICE_UID_LABEL] !== undefined;
    if (r.labels[MANAGED_BY_LABEL] !== "k8zner" && !ccmOwned) {
      problems.push(`${label} has no k8zner.io/managed-by label`);
    }
    // Snapshots have no name; two with the same labels are the same image built twice.
    const key = r.kind === "images"
      ? `images/${JSON.stringify(Object.entries(r.labels).sort())}`
      : `${r.kind}/${r.name}`;
    if (seen.has(key)) problems.push(`${label} duplicates ${r.kind} ${seen.get(key)!.id}`);
    seen.set(key, r);
    if (r.kind === "ssh_keys" && (r.labels[PURPOSE_LABEL] === "image-build" || !r.labels[CLUSTER_LABEL])) {
      problems.push(`${label} left behind (temporary build key)`);
    }
    if (r.kind === "primary_ips") problems.push(`${label} is not assigned to a server`);
    if (r.kind === "servers" && !isClusterNode(r)) problems.push(`${label} is not a cluster node (build server?)`);
  }
  return problems;
}

function isClusterNode(r: CloudResource): boolean {
  const role = r.labels["k8zner.io/role"];
  return r.labels[CLUSTER_LABEL] !== undefined && r.labels[PURPOSE_LABEL] === undefined &&
    (role === "control-plane" || role === "worker");
}
