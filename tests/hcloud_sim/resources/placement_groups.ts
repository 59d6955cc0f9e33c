/**
 * Placement groups (`spread` only; at most 10 servers, enforced at server create).
 *
 * @module
 */
import { isoTime } from "../clock.ts";
import { invalidField, uniquenessError, unprocessable } from "../errors.ts";
import {
  bodyObject,
  idParam,
  listResponse,
  mustGet,
  optionalString,
  requireString,
  type Route,
  validateName,
} from "../http.ts";
import { validateLabels } from "../label_selector.ts";
import type { PlacementGroupRecord, SimContext } from "../state.ts";

/** Maximum servers in one spread group. */
export const PLACEMENT_GROUP_MAX_SERVERS = 10;

/** API shape of a placement group. */
export function renderPlacementGroup(ctx: SimContext, pg: PlacementGroupRecord) {
  return {
    id: pg.id,
    name: pg.name,
    labels: { ...pg.labels },
    type: pg.type,
    created: isoTime(pg.created),
    servers: [...ctx.state.servers.values()].filter((s) => s.placementGroup === pg.id).map((s) => s.id),
  };
}

function uniqueName(ctx: SimContext, name: string, except?: number): string {
  validateName(name, false);
  for (const pg of ctx.state.placementGroups.values()) {
    if (pg.name === name && pg.id !== except) {
      throw uniquenessError(`placement group name "${name}" is already used`, ["name"]);
    }
  }
  return name;
}

/** Routes for `/placement_groups`. */
export const placementGroupRoutes: Route[] = [
  {
    method: "GET",
    pattern: "/placement_groups",
    handler: (ctx, req) =>
      listResponse(
        ctx,
        req,
        "placement_groups",
        ctx.state.placementGroups.values(),
        (pg) => renderPlacementGroup(ctx, pg),
        (pg, q) => q.getAll("type").length === 0 || q.getAll("type").includes(pg.type),
        (pg) => pg.created,
      ),
  },
  {
    method: "POST",
    pattern: "/placement_groups",
    handler: (ctx, req) => {
      const body = bodyObject(req);
      const name = uniqueName(ctx, requireString(body, "name"));
      const type = requireString(body, "type");
      if (type !== "spread") throw invalidField("type", 'must be "spread"');
      const pg: PlacementGroupRecord = {
        id: ctx.nextId("placement_group"),
        name,
        labels: validateLabels(body.labels),
        created: ctx.clock.now(),
        type: "spread",
      };
      ctx.state.placementGroups.set(pg.id, pg);
      return { status: 201, body: { placement_group: renderPlacementGroup(ctx, pg), action: null } };
    },
  },
  {
    method: "GET",
    pattern: "/placement_groups/{id}",
    handler: (ctx, req) => ({
      status: 200,
      body: {
        placement_group: renderPlacementGroup(
          ctx,
          mustGet(ctx.state.placementGroups, idParam(req, "placement_group"), "placement_group"),
        ),
      },
    }),
  },
  {
    method: "PUT",
    pattern: "/placement_groups/{id}",
    handler: (ctx, req) => {
      const pg = mustGet(ctx.state.placementGroups, idParam(req, "placement_group"), "placement_group");
      const body = bodyObject(req);
      const name = optionalString(body, "name");
      if (name !== undefined) pg.name = uniqueName(ctx, name, pg.id);
      if (body.labels !== undefined) pg.labels = validateLabels(body.labels);
      return { status: 200, body: { placement_group: renderPlacementGroup(ctx, pg) } };
    },
  },
  {
    method: "DELETE",
    pattern: "/placement_groups/{id}",
    handler: (ctx, req) => {
      const id = idParam(req, "placement_group");
      const pg = mustGet(ctx.state.placementGroups, id, "placement_group");
      // Not confirmed against the real API: we refuse while servers are members so teardown order bugs surface.
      if (renderPlacementGroup(ctx, pg).servers.length > 0) {
        throw unprocessable("resource_in_use", `placement group ${id} still contains servers`);
      }
      ctx.state.placementGroups.delete(id);
      return { status: 204 };
    },
  },
];
