/**
 * Server routes: create, get, list (name, label_selector, status), update and delete
 * (`deleting` until `delete_server` ends, then gone with its auto-delete primary IPs).
 *
 * @module
 */
import { notFound, SimError, uniquenessError } from "../errors.ts";
import { bodyObject, idParam, listResponse, mustGet, optionalString, type Route, validateName } from "../http.ts";
import { validateLabels } from "../label_selector.ts";
import { createServer } from "./server_create.ts";
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
  {
    method: "GET",
    pattern: "/servers/{id}",
    handler: (ctx, req) => ({
      status: 200,
      body: { server: renderServer(ctx, mustGet(ctx.state.servers, idParam(req, "server"), "server")) },
    }),
  },
  {
    method: "PUT",
    pattern: "/servers/{id}",
    handler: (ctx, req) => {
      const s = mustGet(ctx.state.servers, idParam(req, "server"), "server");
      const body = bodyObject(req);
      const name = optionalString(body, "name");
      if (name !== undefined) {
        validateName(name, true);
        if ([...ctx.state.servers.values()].some((x) => x.name === name && x.id !== s.id)) {
          throw uniquenessError(`server name "${name}" is already used`, ["name"]);
        }
        s.name = name;
      }
      if (body.labels !== undefined) s.labels = validateLabels(body.labels);
      return { status: 200, body: { server: renderServer(ctx, s) } };
    },
  },
  {
    method: "DELETE",
    pattern: "/servers/{id}",
    handler: (ctx, req) => {
      const id = idParam(req, "server");
      const s = ctx.state.servers.get(id);
      if (!s) throw notFound("server", id);
      if (s.protection.delete) throw new SimError(423, "protected", `server ${id} is delete-protected`);
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
