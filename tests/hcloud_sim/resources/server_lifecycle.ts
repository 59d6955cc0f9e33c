/**
 * Server state changes shared by create, power actions and delete: booting (normal or into
 * the rescue system), powering off, removal, and the event payload other components consume.
 *
 * @module
 */
import { isoTime } from "../clock.ts";
import type { ServerEventInfo, ServerRecord, SimContext, SimEvent } from "../state.ts";
import { deletePrimaryIp } from "./primary_ips.ts";

/** The event view of a server (addresses, image labels, rescue flag, user data). */
export function serverEventInfo(ctx: SimContext, s: ServerRecord): ServerEventInfo {
  const image = s.imageId === null ? undefined : ctx.state.images.get(s.imageId);
  return {
    id: s.id,
    name: s.name,
    status: s.status,
    labels: { ...s.labels },
    serverType: s.serverType.name,
    location: s.location.name,
    publicIpv4: s.ipv4 === null ? null : ctx.state.primaryIps.get(s.ipv4)?.ip ?? null,
    publicIpv6: s.ipv6 === null ? null : ctx.state.primaryIps.get(s.ipv6)?.ip ?? null,
    privateIps: s.privateNet.map((p) => ({ network: p.network, ip: p.ip })),
    image: image
      ? {
        id: image.id,
        type: image.type,
        name: image.name,
        description: image.description,
        labels: { ...image.labels },
      }
      : null,
    rescue: s.inRescue,
    userData: s.userData,
  };
}

/** Emits a server event with the server's current view. */
export function emitServer(ctx: SimContext, type: Extract<SimEvent, { server: unknown }>["type"], s: ServerRecord) {
  ctx.emit({ type, at: isoTime(ctx.clock.now()), server: serverEventInfo(ctx, s) });
}

/** The server (re)boots: into rescue when the flag is set (which clears it, as on Hetzner), else normally. */
export function bootServer(ctx: SimContext, s: ServerRecord, event: "server.running" | "server.reset"): void {
  s.inRescue = s.rescueEnabled;
  s.rescueEnabled = false;
  s.status = "running";
  emitServer(ctx, event, s);
}

/** The server is powered off. */
export function powerOffServer(ctx: SimContext, s: ServerRecord): void {
  if (!ctx.state.servers.has(s.id) || s.status === "off") return;
  s.status = "off";
  s.inRescue = false;
  emitServer(ctx, "server.off", s);
}

/**
 * Removes a deleted server: auto-delete primary IPs go, others are unassigned; it leaves its
 * networks, placement group, firewalls, load balancer targets and volumes.
 */
export function removeServer(ctx: SimContext, s: ServerRecord): void {
  const info = serverEventInfo(ctx, s);
  for (const ipId of [s.ipv4, s.ipv6]) {
    const p = ipId === null ? undefined : ctx.state.primaryIps.get(ipId);
    if (!p) continue;
    if (p.autoDelete) deletePrimaryIp(ctx, p);
    else p.assigneeId = null;
  }
  for (const v of ctx.state.volumes.values()) if (v.server === s.id) v.server = null;
  for (const fw of ctx.state.firewalls.values()) {
    fw.appliedTo = fw.appliedTo.filter((a) => !(a.type === "server" && a.server === s.id));
  }
  for (const lb of ctx.state.loadBalancers.values()) {
    lb.targets = lb.targets.filter((t) => !(t.type === "server" && t.server === s.id));
  }
  ctx.state.servers.delete(s.id);
  ctx.emit({ type: "server.deleted", at: isoTime(ctx.clock.now()), server: { ...info, status: "deleting" } });
}
