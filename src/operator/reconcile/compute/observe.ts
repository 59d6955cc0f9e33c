/**
 * `observeCompute()`: the cluster's servers and Nodes as the Compute and healing steps see them.
 *
 * Nodes come from the Node watch (no request). Servers come from Hetzner, one
 * `GET /servers?label_selector=k8zner.io/cluster=<name>`, but only when something may have changed: the
 * spec's generation moved, a node action of this process has an outcome the listing does not show yet (it
 * failed or is under way: the servers it created or deleted are written into the listing), the last
 * listing is 60 min old, or the watch says so: the Nodes do not match the planned names exactly, or a Node
 * is not Ready. The watch's reasons list at most once a minute (`NODE_RELIST_MIN_MS`): while 47 new
 * workers join, every Node event starts a pass, and each would otherwise list all servers again to learn
 * nothing the pass before did not know. Otherwise the last listing (kept in `ctx.memory`) is reused, so
 * an idle cluster costs about one listing an hour.
 *
 * @module
 */
import type { Server } from "../../../hcloud/mod.ts";
import type { KubeObject } from "../../../kube/mod.ts";
import { clusterSelector } from "../../../lib/labels.ts";
import type { InfrastructureResult } from "../../../cluster/infra/ensure_infrastructure.ts";
import type { ComputeView, ReconcileContext } from "../context.ts";
import { isNodeReady } from "./node_facts.ts";

/** Servers are listed again at the latest after this long, even when nothing else asks for it. */
export const SERVER_LISTING_MAX_AGE_MS = 60 * 60_000;
/** A listing asked for by the Nodes alone (joining, not Ready) is at least this old. */
export const NODE_RELIST_MIN_MS = 60_000;

const LISTING_KEY = "compute.servers";
const BUSY_KEY = "compute.busy";

/** The last server listing of this process. */
export interface ServerListing {
  servers: readonly Server[];
  /** `ctx.now()` when it was taken. */
  at: number;
  /** `metadata.generation` of the K8znerCluster at the time. */
  generation: number | undefined;
}

/** What decides whether servers are listed again. */
export interface ListingInput {
  last: ServerListing | undefined;
  now: number;
  generation: number | undefined;
  plannedNames: readonly string[];
  nodes: readonly KubeObject[];
  /** A node action (create, join, drain, delete) whose outcome the last listing does not show. */
  busy: boolean;
}

/** Why servers must be listed now, or undefined when the last listing still stands. Pure. */
export function serverListingReason(input: ListingInput): string | undefined {
  const { last } = input;
  if (!last) return "first pass of this process";
  if (input.generation !== last.generation) return "the spec changed";
  if (input.busy) return "a node action is under way";
  if (input.now - last.at >= SERVER_LISTING_MAX_AGE_MS) return "the last listing is 60 min old";
  if (input.now - last.at < NODE_RELIST_MIN_MS) return undefined;
  const names = new Set(input.nodes.map((n) => n.metadata.name));
  const planned = new Set(input.plannedNames);
  if (names.size !== planned.size || [...planned].some((n) => !names.has(n))) {
    return "the Nodes differ from the planned servers";
  }
  const notReady = input.nodes.find((n) => !isNodeReady(n));
  if (notReady) return `Node ${notReady.metadata.name} is not Ready`;
  return undefined;
}

/** The cluster's servers (listed only when needed, see the module docs) and its Nodes. */
export async function observeCompute(ctx: ReconcileContext, _infra: InfrastructureResult): Promise<ComputeView> {
  const nodes = [...ctx.nodes()];
  const last = ctx.memory.get(LISTING_KEY) as ServerListing | undefined;
  const reason = serverListingReason({
    last,
    now: ctx.now(),
    generation: ctx.cluster.metadata.generation,
    plannedNames: ctx.desired.servers.map((s) => s.name),
    nodes,
    busy: busyNames(ctx).size > 0,
  });
  if (reason === undefined && last) return { servers: last.servers, nodes };
  const servers = await ctx.cloud.hc.servers.listAll({ labelSelector: clusterSelector(ctx.desired.cluster.name) });
  ctx.memory.set(LISTING_KEY, { servers, at: ctx.now(), generation: ctx.cluster.metadata.generation });
  ctx.memory.delete(BUSY_KEY);
  ctx.log.debug("listed servers", { cluster: ctx.desired.cluster.name, reason, servers: servers.length });
  return { servers, nodes };
}

function busyNames(ctx: Pick<ReconcileContext, "memory">): Set<string> {
  let names = ctx.memory.get(BUSY_KEY) as Set<string> | undefined;
  if (!names) ctx.memory.set(BUSY_KEY, names = new Set());
  return names;
}

/**
 * Marks a node action on server `name` under way: the next pass lists servers again unless the action's
 * outcome is written into the listing first ({@link rememberServer}, {@link forgetServer}).
 */
export function markComputeBusy(ctx: Pick<ReconcileContext, "memory">, name: string): void {
  busyNames(ctx).add(name);
}

/** Replaces (or adds) `server` in the remembered listing after this process changed it. */
export function rememberServer(ctx: Pick<ReconcileContext, "memory">, server: Server): void {
  busyNames(ctx).delete(server.name);
  const last = ctx.memory.get(LISTING_KEY) as ServerListing | undefined;
  if (!last) return;
  const servers = [...last.servers.filter((s) => s.name !== server.name), server];
  ctx.memory.set(LISTING_KEY, { ...last, servers });
}

/** Drops `name` from the remembered listing after this process deleted it. */
export function forgetServer(ctx: Pick<ReconcileContext, "memory">, name: string): void {
  busyNames(ctx).delete(name);
  const last = ctx.memory.get(LISTING_KEY) as ServerListing | undefined;
  if (!last) return;
  ctx.memory.set(LISTING_KEY, { ...last, servers: last.servers.filter((s) => s.name !== name) });
}
