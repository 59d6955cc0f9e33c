/**
 * Placement groups (`spread` only; at most 10 servers, enforced at server create).
 *
 * @module
 */
import { isoTime } from "../clock.ts";
import { invalidField, unprocessable } from "../errors.ts";
import { bodyObject, listResponse, requireString, type Route } from "../http.ts";
import { validateLabels } from "../label_selector.ts";
import { NamedResource } from "./named_resource.ts";
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

const placementGroups = new NamedResource<PlacementGroupRecord>({
  kind: "placement_group",
  noun: "placement group",
  records: (ctx) => ctx.state.placementGroups,
});

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
      const name = placementGroups.uniqueName(ctx, requireString(body, "name"));
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
  placementGroups.getRoute("/placement_groups", renderPlacementGroup),
  placementGroups.updateRoute("/placement_groups", renderPlacementGroup),
  {
    method: "DELETE",
    pattern: "/placement_groups/{id}",
    handler: (ctx, req) => {
      const pg = placementGroups.fromPath(ctx, req);
      const id = pg.id;
      // Not confirmed against the real API: we refuse while servers are members so teardown order bugs surface.
      if (renderPlacementGroup(ctx, pg).servers.length > 0) {
        throw unprocessable("resource_in_use", `placement group ${id} still contains servers`);
      }
      ctx.state.placementGroups.delete(id);
      return { status: 204 };
    },
  },
];
