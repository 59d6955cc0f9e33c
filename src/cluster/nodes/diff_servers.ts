/**
 * The servers' difference. Missing servers are created; a server a crash left half-done (created but
 * not yet attached to the network) or found off (created stopped by an older k8zner, or powered off)
 * is finished. Servers beyond the
 * planned count are reported but never deleted by apply: scaling down drains nodes first, which
 * is the operator's job. Type changes are the operator's too (it rescales node by node).
 *
 * @module
 */
import type { DesiredState, ServerPlan } from "../../config/mod.ts";
import type { Server } from "../../hcloud/mod.ts";
import type { Change } from "../infra/change.ts";
import { byName, type ObservedCluster } from "../infra/observed.ts";

/** The state of one planned server. */
export type ServerDiff =
  | { plan: ServerPlan; state: "missing" }
  | {
    plan: ServerPlan;
    state: "present";
    server: Server;
    /** Not in the cluster network yet: attach with the planned IP. */
    attach: boolean;
    /** Powered off (created stopped by an older k8zner that died before starting it, or by a user). */
    powerOn: boolean;
    /** A different server type than planned (the operator rescales it). */
    typeDiffers: boolean;
  };

/** What to do about servers. */
export interface ServersDiff {
  servers: ServerDiff[];
  /** Labelled servers k8zner does not plan (beyond the worker count): the operator removes them. */
  extra: Server[];
}

/** Compares desired and found servers. Pure. */
export function diffServers(desired: DesiredState, observed: ObservedCluster): ServersDiff {
  const network = byName(observed.networks, desired.network.request.name);
  const servers = desired.servers.map((plan): ServerDiff => {
    const server = byName(observed.servers, plan.name);
    if (!server) return { plan, state: "missing" };
    return {
      plan,
      state: "present",
      server,
      attach: network === undefined || !server.private_net.some((p) => p.network === network.id),
      powerOn: server.status === "off",
      typeDiffers: server.server_type.name !== plan.server_type,
    };
  });
  const planned = new Set(desired.servers.map((s) => s.name));
  return { servers, extra: observed.servers.filter((s) => !planned.has(s.name)) };
}

/** The plan lines of a server diff. */
export function serverChanges(diff: ServersDiff): Change[] {
  const changes: Change[] = [];
  for (const d of diff.servers) {
    const p = d.plan;
    if (d.state === "missing") {
      changes.push({
        action: "create",
        kind: "server",
        name: p.name,
        detail:
          `${p.role} ${p.server_type} in ${p.location}, private IP ${p.privateIp}, placement group ${p.placementGroup}`,
      });
      continue;
    }
    if (d.attach) {
      changes.push({
        action: "update",
        kind: "server",
        name: p.name,
        detail: `attach to network ${p.network} with IP ${p.privateIp}`,
      });
    }
    if (d.powerOn) changes.push({ action: "update", kind: "server", name: p.name, detail: "power on" });
    if (d.typeDiffers) {
      changes.push({
        action: "update",
        kind: "server",
        name: p.name,
        detail: `server type ${d.server.server_type.name} -> ${p.server_type} (the operator rescales it)`,
      });
    }
  }
  for (const s of diff.extra) {
    changes.push({
      action: "delete",
      kind: "server",
      name: s.name,
      detail: "beyond the planned count: the operator drains and deletes it; apply never deletes servers",
    });
  }
  return changes;
}
