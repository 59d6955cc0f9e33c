/**
 * Primary IPs: servers' public addresses (auto-created with `auto_delete: true` at server create),
 * bound to a location; assign/unassign need the server powered off; delete needs it unassigned.
 *
 * @module
 */
import { byIdOrName, LOCATIONS } from "../catalog.ts";
import { isoTime } from "../clock.ts";
import { invalidField, notFound, unprocessable } from "../errors.ts";
import { bodyObject, listResponse, optionalBool, requireId, requireString, type Route } from "../http.ts";
import { validateLabels } from "../label_selector.ts";
import { NamedResource } from "./named_resource.ts";
import type { Location } from "../catalog.ts";
import type { PrimaryIpRecord, SimContext } from "../state.ts";

/** API shape of a primary IP. */
export function renderPrimaryIp(p: PrimaryIpRecord) {
  return {
    id: p.id,
    name: p.name,
    labels: { ...p.labels },
    created: isoTime(p.created),
    blocked: false,
    location: { ...p.location },
    ip: p.ip,
    dns_ptr: p.type === "ipv4" ? [{ ip: p.ip, dns_ptr: reverseName(p.ip) }] : [],
    protection: { ...p.protection },
    type: p.type,
    auto_delete: p.autoDelete,
    assignee_type: "server" as const,
    assignee_id: p.assigneeId,
  };
}

/** Hetzner's default reverse DNS name for an IPv4 address. */
export function reverseName(ip: string): string {
  return `static.${ip.split(".").reverse().join(".")}.clients.your-server.de`;
}

/** Creates a primary IP record (used by server create for automatic addresses). */
export function createPrimaryIp(
  ctx: SimContext,
  type: "ipv4" | "ipv6",
  location: Location,
  opts: { name?: string; assigneeId?: number | null; autoDelete?: boolean; labels?: Record<string, string> } = {},
): PrimaryIpRecord {
  const id = ctx.nextId("primary_ip");
  const ip: PrimaryIpRecord = {
    id,
    name: opts.name ?? `primary_ip-${id}`,
    type,
    ip: type === "ipv4" ? ctx.publicIps.allocateV4() : ctx.publicIps.allocateV6Net(),
    location,
    assigneeId: opts.assigneeId ?? null,
    autoDelete: opts.autoDelete ?? false,
    labels: opts.labels ?? {},
    created: ctx.clock.now(),
    protection: { delete: false },
  };
  ctx.state.primaryIps.set(id, ip);
  return ip;
}

/** Frees a primary IP record and its address. */
export function deletePrimaryIp(ctx: SimContext, p: PrimaryIpRecord): void {
  ctx.state.primaryIps.delete(p.id);
  if (p.type === "ipv4") ctx.publicIps.releaseV4(p.ip);
}

const primaryIps = new NamedResource<PrimaryIpRecord>({
  kind: "primary_ip",
  noun: "primary IP",
  records: (ctx) => ctx.state.primaryIps,
});

function mustBeStopped(ctx: SimContext, serverId: number): void {
  const s = ctx.state.servers.get(serverId);
  if (s && s.status !== "off") throw unprocessable("server_not_stopped", `server ${serverId} must be powered off`);
}

/** Routes for `/primary_ips`. */
export const primaryIpRoutes: Route[] = [
  {
    method: "GET",
    pattern: "/primary_ips",
    handler: (ctx, req) =>
      listResponse(ctx, req, "primary_ips", ctx.state.primaryIps.values(), renderPrimaryIp, (p, q) => {
        const ip = q.get("ip");
        return ip === null || p.ip === ip;
      }, (p) => p.created),
  },
  {
    method: "POST",
    pattern: "/primary_ips",
    handler: (ctx, req) => {
      const body = bodyObject(req);
      const name = primaryIps.uniqueName(ctx, requireString(body, "name"));
      const type = requireString(body, "type");
      if (type !== "ipv4" && type !== "ipv6") throw invalidField("type", "must be ipv4 or ipv6");
      const assigneeId = body.assignee_id ?? null;
      let location: Location | undefined;
      if (assigneeId !== null) {
        const server = ctx.state.servers.get(requireId(body, "assignee_id"));
        if (!server) throw notFound("server", assigneeId);
        mustBeStopped(ctx, server.id);
        if ((type === "ipv4" ? server.ipv4 : server.ipv6) !== null) {
          throw unprocessable("primary_ip_already_assigned", `server ${server.id} already has a ${type} primary IP`);
        }
        location = server.location;
      } else {
        location = byIdOrName(LOCATIONS, body.location);
        if (!location) throw invalidField("location", "is required and must name a location");
      }
      const p = createPrimaryIp(ctx, type, location, {
        name,
        assigneeId,
        autoDelete: optionalBool(body, "auto_delete", false),
        labels: validateLabels(body.labels),
      });
      let action = null;
      if (assigneeId !== null) {
        const server = ctx.state.servers.get(assigneeId)!;
        if (type === "ipv4") server.ipv4 = p.id;
        else server.ipv6 = p.id;
        action = ctx.engine.render(
          ctx.engine.start("assign_primary_ip", [{ id: p.id, type: "primary_ip" }, { id: server.id, type: "server" }], {
            durationMs: ctx.durations.assign_primary_ip!,
          }),
        );
      }
      return { status: 201, body: { primary_ip: renderPrimaryIp(p), action } };
    },
  },
  primaryIps.getRoute("/primary_ips", (_ctx, p) => renderPrimaryIp(p)),
  primaryIps.updateRoute("/primary_ips", (_ctx, p) => renderPrimaryIp(p), (p, body) => {
    p.autoDelete = optionalBool(body, "auto_delete", p.autoDelete);
  }),
  {
    method: "DELETE",
    pattern: "/primary_ips/{id}",
    handler: (ctx, req) => {
      const p = primaryIps.fromPath(ctx, req);
      primaryIps.assertNotProtected(p);
      if (p.assigneeId !== null) throw unprocessable("must_be_unassigned", `primary IP ${p.id} is still assigned`);
      deletePrimaryIp(ctx, p);
      return { status: 204 };
    },
  },
  {
    method: "POST",
    pattern: "/primary_ips/{id}/actions/unassign",
    handler: (ctx, req) => {
      const p = primaryIps.fromPathUnlocked(ctx, req);
      const serverId = p.assigneeId;
      if (serverId !== null) {
        mustBeStopped(ctx, serverId);
        const server = ctx.state.servers.get(serverId);
        if (server?.ipv4 === p.id) server.ipv4 = null;
        if (server?.ipv6 === p.id) server.ipv6 = null;
      }
      p.assigneeId = null;
      const resources = [{ id: p.id, type: "primary_ip" }, ...(serverId ? [{ id: serverId, type: "server" }] : [])];
      const action = ctx.engine.start("unassign_primary_ip", resources, {
        durationMs: ctx.durations.unassign_primary_ip!,
      });
      return { status: 201, body: { action: ctx.engine.render(action) } };
    },
  },
  {
    method: "POST",
    pattern: "/primary_ips/{id}/actions/assign",
    handler: (ctx, req) => {
      const p = primaryIps.fromPathUnlocked(ctx, req);
      const body = bodyObject(req);
      const serverId = requireId(body, "assignee_id");
      const server = ctx.state.servers.get(serverId);
      if (!server) throw notFound("server", serverId);
      if (p.assigneeId !== null) {
        throw unprocessable("primary_ip_already_assigned", `primary IP ${p.id} is assigned to server ${p.assigneeId}`);
      }
      mustBeStopped(ctx, serverId);
      if ((p.type === "ipv4" ? server.ipv4 : server.ipv6) !== null) {
        throw unprocessable("primary_ip_already_assigned", `server ${serverId} already has a ${p.type} primary IP`);
      }
      if (p.type === "ipv4") server.ipv4 = p.id;
      else server.ipv6 = p.id;
      p.assigneeId = serverId;
      const action = ctx.engine.start("assign_primary_ip", [{ id: p.id, type: "primary_ip" }, {
        id: serverId,
        type: "server",
      }], { durationMs: ctx.durations.assign_primary_ip! });
      return { status: 201, body: { action: ctx.engine.render(action) } };
    },
  },
];
