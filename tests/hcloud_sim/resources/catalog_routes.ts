/**
 * Read-only catalog endpoints: server types, load balancer types, locations, pricing, and the
 * actions endpoints (`GET /actions?id=…`, `GET /actions/{id}`).
 *
 * @module
 */
import { LOAD_BALANCER_TYPES, LOCATIONS, renderPricing, SERVER_TYPES } from "../catalog.ts";
import { invalidField, notFound } from "../errors.ts";
import { idParam, listResponse, mustGet, type Route } from "../http.ts";
import type { SimContext } from "../state.ts";

/** `GET /<kind>s/{id}/actions`: the resource's actions, filterable by status, sorted and paged. */
function resourceActionsRoute(plural: string, kind: string, records: (ctx: SimContext) => Map<number, unknown>): Route {
  return {
    method: "GET",
    pattern: `/${plural}/{id}/actions`,
    handler: (ctx, req) => {
      const id = idParam(req, kind);
      mustGet(records(ctx), id, kind);
      const actions = [...ctx.engine.actions.values()].filter((a) =>
        a.resources.some((r) => r.type === kind && r.id === id)
      );
      return listResponse(ctx, req, "actions", actions, (a) => ctx.engine.render(a), (a, q) => {
        const statuses = q.getAll("status");
        return statuses.length === 0 || statuses.includes(a.status);
      }, (a) => a.started);
    },
  };
}

/** Per-resource action lists. */
export const resourceActionRoutes: Route[] = [
  resourceActionsRoute("servers", "server", (ctx) => ctx.state.servers),
  resourceActionsRoute("networks", "network", (ctx) => ctx.state.networks),
  resourceActionsRoute("firewalls", "firewall", (ctx) => ctx.state.firewalls),
  resourceActionsRoute("load_balancers", "load_balancer", (ctx) => ctx.state.loadBalancers),
  resourceActionsRoute("volumes", "volume", (ctx) => ctx.state.volumes),
  resourceActionsRoute("primary_ips", "primary_ip", (ctx) => ctx.state.primaryIps),
  resourceActionsRoute("images", "image", (ctx) => ctx.state.images),
];

/** Routes for the catalog and actions. */
export const catalogRoutes: Route[] = [
  {
    method: "GET",
    pattern: "/server_types",
    handler: (ctx, req) => listResponse(ctx, req, "server_types", SERVER_TYPES, (t) => t),
  },
  {
    method: "GET",
    pattern: "/server_types/{id}",
    handler: (_ctx, req) => {
      const id = idParam(req, "server_type");
      const t = SERVER_TYPES.find((x) => x.id === id);
      if (!t) throw notFound("server_type", id);
      return { status: 200, body: { server_type: t } };
    },
  },
  {
    method: "GET",
    pattern: "/load_balancer_types",
    handler: (ctx, req) => listResponse(ctx, req, "load_balancer_types", LOAD_BALANCER_TYPES, (t) => t),
  },
  {
    method: "GET",
    pattern: "/load_balancer_types/{id}",
    handler: (_ctx, req) => {
      const id = idParam(req, "load_balancer_type");
      const t = LOAD_BALANCER_TYPES.find((x) => x.id === id);
      if (!t) throw notFound("load_balancer_type", id);
      return { status: 200, body: { load_balancer_type: t } };
    },
  },
  {
    method: "GET",
    pattern: "/locations",
    handler: (ctx, req) => listResponse(ctx, req, "locations", LOCATIONS, (l) => l),
  },
  {
    method: "GET",
    pattern: "/locations/{id}",
    handler: (_ctx, req) => {
      const id = idParam(req, "location");
      const l = LOCATIONS.find((x) => x.id === id);
      if (!l) throw notFound("location", id);
      return { status: 200, body: { location: l } };
    },
  },
  { method: "GET", pattern: "/pricing", handler: () => ({ status: 200, body: renderPricing() }) },
  {
    method: "GET",
    pattern: "/actions",
    handler: (ctx, req) => {
      const ids = req.url.searchParams.getAll("id");
      if (ids.length === 0) throw invalidField("id", "at least one id is required");
      if (ids.some((raw) => !/^\d+$/.test(raw))) throw invalidField("id", "must be integers");
      // Unknown ids are left out (clients notice the missing action), as the API does.
      const actions = ids.map((raw) => ctx.engine.actions.get(Number(raw))).filter((a) => a !== undefined).map((a) =>
        ctx.engine.render(a)
      );
      return { status: 200, body: { actions } };
    },
  },
  {
    method: "GET",
    pattern: "/actions/{id}",
    handler: (ctx, req) => {
      const id = idParam(req, "action");
      const a = ctx.engine.actions.get(id);
      if (!a) throw notFound("action", id);
      return { status: 200, body: { action: ctx.engine.render(a) } };
    },
  },
];
