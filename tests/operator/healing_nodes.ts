/**
 * Nodes and servers for healing tests, as the watch and a server listing would show them: Node conditions come
 * from the local cloud's kubelet stand-in and node lifecycle controller (`kubeletConditions`,
 * `unknownConditions`), so a powered-off node looks exactly as it does there (Ready Unknown, `NodeStatusUnknown`,
 * `lastTransitionTime` when its lease expired); servers carry every field Hetzner returns.
 *
 * @module
 */
import { expandSpec, type ServerPlan } from "../../src/config/mod.ts";
import type { DesiredState } from "../../src/config/mod.ts";
import type { Server } from "../../src/hcloud/mod.ts";
import type { KubeObject } from "../../src/kube/mod.ts";
import { kubeletConditions, unknownConditions } from "../local_cloud/node_status.ts";

/** The `ha` cluster the healing tests use: demo-cp-1..3 (10.0.0.2-4) and demo-w-1..2 (10.0.1.2-3). */
export function haDesired(workers = 2): DesiredState {
  return expandSpec({ name: "demo", region: "nbg1", mode: "ha", workers: { count: workers, size: "cx23" } });
}

/** A `dev` cluster: one control plane. */
export function devDesired(): DesiredState {
  return expandSpec({ name: "solo", region: "fsn1", mode: "dev", workers: { count: 1, size: "cx23" } });
}

/** How a Node looks: Ready, NotReady (kubelet says so), or Unknown (kubelet stopped posting). */
export type NodeState = "ready" | "not-ready" | "unknown";

/** Options of {@link nodeOf}. */
export interface NodeOptions {
  state: NodeState;
  /** When the Node registered (epoch ms). */
  createdAt: number;
  /** When the Ready condition last flipped (epoch ms); the registration time when omitted. */
  since?: number;
  uid?: string;
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

/** A Node of planned server `plan` with our labels and provider ID, its Ready condition as `options` say. */
export function nodeOf(plan: ServerPlan, serverId: number, options: NodeOptions): KubeObject {
  const since = options.since ?? options.createdAt;
  const registered = kubeletConditions(undefined, "network-not-ready", iso(options.createdAt));
  const conditions = options.state === "ready"
    ? kubeletConditions(registered, "ready", iso(since))
    : options.state === "unknown"
    ? unknownConditions(kubeletConditions(registered, "ready", iso(options.createdAt)), iso(since))
    : since === options.createdAt
    ? registered
    : kubeletConditions(
      kubeletConditions(registered, "ready", iso(options.createdAt)),
      "network-not-ready",
      iso(since),
    );
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name: plan.name,
      uid: options.uid ?? `uid-${plan.name}-${options.createdAt}`,
      creationTimestamp: iso(options.createdAt),
      labels: { "k8zner.io/cluster": plan.labels["k8zner.io/cluster"]!, "k8zner.io/role": plan.role },
    },
    spec: { providerID: `hcloud://${serverId}` },
    status: { conditions },
  };
}

/** The server of planned `plan`, as `GET /servers` lists it. */
export function serverOf(plan: ServerPlan, id: number, createdAt: number): Server {
  return {
    id,
    name: plan.name,
    status: "running",
    created: new Date(createdAt).toISOString(),
    public_net: { ipv4: null, ipv6: null, floating_ips: [], firewalls: [] },
    private_net: [{ network: 1, ip: plan.privateIp, alias_ips: [], mac_address: "86:00:00:00:00:01" }],
    server_type: { id: 1, name: plan.server_type } as unknown as Server["server_type"],
    location: { id: 1, name: plan.location } as unknown as Server["location"],
    image: null,
    rescue_enabled: false,
    locked: false,
    labels: { ...plan.labels },
    placement_group: null,
    primary_disk_size: 40,
    protection: { delete: false, rebuild: false },
  };
}

/** Servers and Nodes for every planned server, all Ready since `createdAt`, server ids from 100. */
export function healthyCluster(desired: DesiredState, createdAt: number): { servers: Server[]; nodes: KubeObject[] } {
  return {
    servers: desired.servers.map((p, i) => serverOf(p, 100 + i, createdAt)),
    nodes: desired.servers.map((p, i) => nodeOf(p, 100 + i, { state: "ready", createdAt })),
  };
}
