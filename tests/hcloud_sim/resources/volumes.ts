/**
 * Volumes: 10..10240 GB in a location, optionally attached to a server there (`create_volume`,
 * `attach_volume`, `detach_volume` actions); delete needs them detached.
 *
 * @module
 */
import { byIdOrName, LOCATIONS } from "../catalog.ts";
import { isoTime } from "../clock.ts";
import { invalidField, notFound, unprocessable } from "../errors.ts";
import { bodyObject, listResponse, optionalString, requireId, requireString, type Route } from "../http.ts";
import { validateLabels } from "../label_selector.ts";
import { NamedResource } from "./named_resource.ts";
import type { VolumeRecord } from "../state.ts";

/** API shape of a volume. */
export function renderVolume(v: VolumeRecord) {
  return {
    id: v.id,
    created: isoTime(v.created),
    name: v.name,
    server: v.server,
    location: { ...v.location },
    size: v.size,
    linux_device: `/dev/disk/by-id/scsi-0HC_Volume_${v.id}`,
    protection: { ...v.protection },
    labels: { ...v.labels },
    status: v.status,
    format: v.format,
  };
}

const volumes = new NamedResource<VolumeRecord>({
  kind: "volume",
  noun: "volume",
  records: (ctx) => ctx.state.volumes,
});

/** Routes for `/volumes`. */
export const volumeRoutes: Route[] = [
  {
    method: "GET",
    pattern: "/volumes",
    handler: (ctx, req) =>
      listResponse(ctx, req, "volumes", ctx.state.volumes.values(), renderVolume, (v, q) => {
        const st = q.getAll("status");
        return st.length === 0 || st.includes(v.status);
      }, (v) => v.created),
  },
  {
    method: "POST",
    pattern: "/volumes",
    handler: (ctx, req) => {
      const body = bodyObject(req);
      const name = volumes.uniqueName(ctx, requireString(body, "name"));
      const size = body.size;
      if (!Number.isInteger(size) || size < 10 || size > 10240) throw invalidField("size", "must be 10..10240 (GB)");
      const server = body.server === undefined || body.server === null
        ? undefined
        : ctx.state.servers.get(requireId(body, "server"));
      if (body.server !== undefined && body.server !== null && !server) throw notFound("server", body.server);
      const location = server?.location ?? byIdOrName(LOCATIONS, body.location);
      if (!location) throw invalidField("location", "is required unless server is given");
      if (server) ctx.engine.assertUnlocked("server", server.id);
      const format = optionalString(body, "format") ?? null;
      if (format !== null && format !== "ext4" && format !== "xfs") throw invalidField("format", "must be ext4 or xfs");
      const v: VolumeRecord = {
        id: ctx.nextId("volume"),
        name,
        size,
        location,
        server: null,
        labels: validateLabels(body.labels),
        created: ctx.clock.now(),
        status: "creating",
        format,
        protection: { delete: false },
      };
      ctx.state.volumes.set(v.id, v);
      const action = ctx.engine.start("create_volume", [{ id: v.id, type: "volume" }], {
        durationMs: ctx.durations.create_volume!,
        onSuccess: () => {
          v.status = "available";
        },
      });
      const next = [];
      if (server) {
        v.server = server.id;
        server.volumes.push(v.id);
        next.push(
          ctx.engine.start("attach_volume", [{ id: v.id, type: "volume" }, { id: server.id, type: "server" }], {
            durationMs: ctx.durations.attach_volume!,
            startAt: action.endsAt,
          }),
        );
      }
      return {
        status: 201,
        body: {
          volume: renderVolume(v),
          action: ctx.engine.render(action),
          next_actions: next.map((a) => ctx.engine.render(a)),
        },
      };
    },
  },
  volumes.getRoute("/volumes", (_ctx, v) => renderVolume(v)),
  volumes.updateRoute("/volumes", (_ctx, v) => renderVolume(v)),
  {
    method: "DELETE",
    pattern: "/volumes/{id}",
    handler: (ctx, req) => {
      const v = volumes.fromPathUnlocked(ctx, req);
      volumes.assertNotProtected(v);
      if (v.server !== null) throw unprocessable("service_error", `volume ${v.id} is still attached to a server`);
      ctx.state.volumes.delete(v.id);
      return { status: 204 };
    },
  },
  {
    method: "POST",
    pattern: "/volumes/{id}/actions/attach",
    handler: (ctx, req) => {
      const v = volumes.fromPathUnlocked(ctx, req);
      const serverId = requireId(bodyObject(req), "server");
      const server = ctx.state.servers.get(serverId);
      if (!server) throw notFound("server", serverId);
      if (v.server !== null) throw unprocessable("volume_already_attached", `volume ${v.id} is already attached`);
      if (server.location.id !== v.location.id) throw invalidField("server", "must be in the volume's location");
      v.server = serverId;
      server.volumes.push(v.id);
      const action = ctx.engine.start(
        "attach_volume",
        [{ id: v.id, type: "volume" }, { id: serverId, type: "server" }],
        {
          durationMs: ctx.durations.attach_volume!,
        },
      );
      return { status: 201, body: { action: ctx.engine.render(action) } };
    },
  },
  {
    method: "POST",
    pattern: "/volumes/{id}/actions/detach",
    handler: (ctx, req) => {
      const v = volumes.fromPathUnlocked(ctx, req);
      const serverId = v.server;
      if (serverId !== null) {
        const server = ctx.state.servers.get(serverId);
        if (server) server.volumes = server.volumes.filter((x) => x !== v.id);
      }
      v.server = null;
      const resources = [{ id: v.id, type: "volume" }, ...(serverId ? [{ id: serverId, type: "server" }] : [])];
      const action = ctx.engine.start("detach_volume", resources, { durationMs: ctx.durations.detach_volume! });
      return { status: 201, body: { action: ctx.engine.render(action) } };
    },
  },
];
