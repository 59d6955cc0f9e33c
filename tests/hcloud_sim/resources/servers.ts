/**
 * Server routes: create, get, list (name, label_selector, status), update and delete
 * (`deleting` until `delete_server` ends, then gone with its auto-delete primary IPs).
 *
 * @module
 */
import { bodyObject, listResponse, type Route } from "../http.ts";
import { createServer, servers } from "./server_create.ts";
import { removeServer } from "./server_lifecycle.ts";
import { renderServer } from "./server_render.ts";

export { renderServer } from "./server_render.ts";

/** Routes for `/servers` (actions live in server_actions.ts). */
export const serverRoutes: Route[] = [
  {
    method: "GET",
    pattern: "/servers",
    handler: (ctx, req) =>
      listResponse(ctx, req, "servers", ctx.state.servers.values(), (s) => renderServer(ctx, s), (s, q) => {
        const statuses = q.getAll("status");
        return statuses.length === 0 || statuses.includes(s.status);
      }, (s) => s.created),
  },
  {
    method: "POST",
    pattern: "/servers",
    handler: (ctx, req) => ({ status: 201, body: createServer(ctx, bodyObject(req)) }),
  },
  servers.getRoute("/servers", renderServer),
  servers.updateRoute("/servers", renderServer),
  {
    method: "DELETE",
    pattern: "/servers/{id}",
    handler: (ctx, req) => {
      const s = servers.fromPath(ctx, req);
      const id = s.id;
      servers.assertNotProtected(s);
      ctx.engine.assertUnlocked("server", id);
      s.status = "deleting";
      const action = ctx.engine.start("delete_server", [{ id, type: "server" }], {
        durationMs: ctx.durations.delete_server!,
        onSuccess: () => removeServer(ctx, s),
        onError: () => {
          s.status = "off";
        },
      });
      return { status: 200, body: { action: ctx.engine.render(action) } };
    },
  },
];
