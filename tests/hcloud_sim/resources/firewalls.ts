/**
 * Firewalls: rules (default-drop inbound when none), application to servers directly or by
 * label selector (matching servers are resolved live), and the operation-specific errors of
 * `apply_to_resources` / `remove_from_resources` / delete.
 *
 * @module
 */
import { isoTime } from "../clock.ts";
import { invalidField, SimError, unprocessable } from "../errors.ts";
import { bodyObject, listResponse, optionalArray, optionalString, requireString, type Route } from "../http.ts";
import { matchesSelector, parseLabelSelector, validateLabels } from "../label_selector.ts";
import { NamedResource } from "./named_resource.ts";
import type { ActionRecord } from "../actions.ts";
import type { FirewallRecord, FirewallRule, ServerRecord, SimContext } from "../state.ts";

const PROTOCOLS = ["tcp", "udp", "icmp", "esp", "gre"];
const CIDR = /^([0-9.]+\/\d{1,2}|[0-9a-fA-F:]+\/\d{1,3})$/;
const PORT = /^(any|\d{1,5}(-\d{1,5})?)$/;

/** Servers a firewall is applied to through a label selector. */
function selectorServers(ctx: SimContext, selector: string): ServerRecord[] {
  return [...ctx.state.servers.values()].filter((s) => matchesSelector(s.labels, selector));
}

/** Firewall ids applied to a server (directly or via a matching selector). */
export function firewallIdsForServer(ctx: SimContext, s: ServerRecord): number[] {
  return [...ctx.state.firewalls.values()].filter((fw) =>
    fw.appliedTo.some((a) => a.type === "server" ? a.server === s.id : matchesSelector(s.labels, a.selector))
  ).map((fw) => fw.id);
}

/** API shape of a firewall. */
export function renderFirewall(ctx: SimContext, fw: FirewallRecord) {
  return {
    id: fw.id,
    name: fw.name,
    labels: { ...fw.labels },
    created: isoTime(fw.created),
    rules: fw.rules.map((r) => ({ ...r, source_ips: [...r.source_ips], destination_ips: [...r.destination_ips] })),
    applied_to: fw.appliedTo.map((a) =>
      a.type === "server" ? { type: "server" as const, server: { id: a.server } } : {
        type: "label_selector" as const,
        label_selector: { selector: a.selector },
        applied_to_resources: selectorServers(ctx, a.selector).map((s) => ({
          type: "server" as const,
          server: { id: s.id },
        })),
      }
    ),
  };
}

function parseRules(raw: unknown[]): FirewallRule[] {
  return raw.map((r, i) => {
    const f = `rules[${i}]`;
    if (typeof r !== "object" || r === null) throw invalidField(f, "must be an object");
    const body = r as Record<string, unknown>;
    const direction = requireString(body, "direction");
    if (direction !== "in" && direction !== "out") throw invalidField(`${f}.direction`, "must be in or out");
    const protocol = requireString(body, "protocol");
    if (!PROTOCOLS.includes(protocol)) throw invalidField(`${f}.protocol`, `must be one of ${PROTOCOLS.join(", ")}`);
    const port = optionalString(body, "port") ?? null;
    if (protocol === "tcp" || protocol === "udp") {
      if (port === null || !PORT.test(port)) {
        throw invalidField(`${f}.port`, "is required for tcp/udp (e.g. 80, 80-85, any)");
      }
    } else if (port !== null) {
      throw invalidField(`${f}.port`, `is not allowed for ${protocol}`);
    }
    const ips = (field: string) => {
      const list = optionalArray(body, field);
      for (const ip of list) {
        if (typeof ip !== "string" || !CIDR.test(ip)) throw invalidField(`${f}.${field}`, `"${ip}" is not a CIDR`);
      }
      return list as string[];
    };
    const source = ips("source_ips"), destination = ips("destination_ips");
    if (direction === "in" && source.length === 0) throw invalidField(`${f}.source_ips`, "is required for in rules");
    if (direction === "out" && destination.length === 0) {
      throw invalidField(`${f}.destination_ips`, "is required for out rules");
    }
    return {
      description: optionalString(body, "description") ?? null,
      direction,
      source_ips: direction === "in" ? source : [],
      destination_ips: direction === "out" ? destination : [],
      protocol: protocol as FirewallRule["protocol"],
      port,
    };
  });
}

type Target = { type: "server"; server: number } | { type: "label_selector"; selector: string };

function parseTargets(raw: unknown[], field: string): Target[] {
  return raw.map((t, i) => {
    const body = (typeof t === "object" && t !== null ? t : {}) as Record<string, Record<string, unknown>>;
    const type = (body as Record<string, unknown>).type;
    if (type === "server" && Number.isSafeInteger(body.server?.id)) {
      return { type, server: body.server!.id as number };
    }
    if (type === "label_selector" && typeof body.label_selector?.selector === "string") {
      parseLabelSelector(body.label_selector.selector as string);
      return { type, selector: body.label_selector.selector as string };
    }
    throw invalidField(`${field}[${i}]`, "needs type server with server.id or type label_selector with selector");
  });
}

function applyTargets(ctx: SimContext, fw: FirewallRecord, targets: Target[]): ActionRecord[] {
  for (const t of targets) {
    if (t.type === "server") {
      const s = ctx.state.servers.get(t.server);
      if (!s) throw new SimError(404, "firewall_resource_not_found", `server ${t.server} not found`);
      if (s.ipv4 === null && s.ipv6 === null) {
        throw unprocessable("private_net_only_server", `server ${s.id} has no public interface`);
      }
    }
    const dup = fw.appliedTo.some((a) =>
      a.type === t.type && (a.type === "server" ? a.server === (t as { server: number }).server : a.selector ===
        (t as { selector: string }).selector)
    );
    if (dup) throw unprocessable("firewall_already_applied", `firewall ${fw.id} is already applied to this resource`);
  }
  return targets.map((t) => {
    fw.appliedTo.push(t);
    const resources = [
      { id: fw.id, type: "firewall" },
      ...(t.type === "server" ? [{ id: t.server, type: "server" }] : []),
    ];
    return ctx.engine.start("apply_firewall", resources, {
      durationMs: ctx.durations.apply_firewall!,
      locks: [{ id: fw.id, type: "firewall" }],
      onError: () => fw.appliedTo.splice(fw.appliedTo.indexOf(t), 1),
    });
  });
}

const firewalls = new NamedResource<FirewallRecord>({
  kind: "firewall",
  noun: "firewall",
  records: (ctx) => ctx.state.firewalls,
});

/** Routes for `/firewalls`. */
export const firewallRoutes: Route[] = [
  {
    method: "GET",
    pattern: "/firewalls",
    handler: (ctx, req) =>
      listResponse(ctx, req, "firewalls", ctx.state.firewalls.values(), (fw) => renderFirewall(ctx, fw), undefined, (
        fw,
      ) => fw.created),
  },
  {
    method: "POST",
    pattern: "/firewalls",
    handler: (ctx, req) => {
      const body = bodyObject(req);
      const fw: FirewallRecord = {
        id: 0,
        name: firewalls.uniqueName(ctx, requireString(body, "name")),
        labels: validateLabels(body.labels),
        created: ctx.clock.now(),
        rules: parseRules(optionalArray(body, "rules")),
        appliedTo: [],
      };
      const targets = parseTargets(optionalArray(body, "apply_to"), "apply_to");
      fw.id = ctx.nextId("firewall");
      ctx.state.firewalls.set(fw.id, fw);
      const actions: ActionRecord[] = [];
      try {
        if (fw.rules.length > 0) {
          actions.push(ctx.engine.start("set_firewall_rules", [{ id: fw.id, type: "firewall" }], {
            durationMs: ctx.durations.set_firewall_rules!,
          }));
        }
        actions.push(...applyTargets(ctx, fw, targets));
      } catch (err) {
        ctx.state.firewalls.delete(fw.id);
        throw err;
      }
      return {
        status: 201,
        body: { firewall: renderFirewall(ctx, fw), actions: actions.map((a) => ctx.engine.render(a)) },
      };
    },
  },
  firewalls.getRoute("/firewalls", renderFirewall),
  firewalls.updateRoute("/firewalls", renderFirewall),
  {
    method: "DELETE",
    pattern: "/firewalls/{id}",
    handler: (ctx, req) => {
      const fw = firewalls.fromPathUnlocked(ctx, req);
      if (fw.appliedTo.length > 0) {
        throw unprocessable("resource_in_use", `firewall ${fw.id} is still applied to resources`);
      }
      ctx.state.firewalls.delete(fw.id);
      return { status: 204 };
    },
  },
  {
    method: "POST",
    pattern: "/firewalls/{id}/actions/set_rules",
    handler: (ctx, req) => {
      const fw = firewalls.fromPathUnlocked(ctx, req);
      const body = bodyObject(req);
      if (!Array.isArray(body.rules)) throw invalidField("rules", "is required");
      const previous = fw.rules;
      fw.rules = parseRules(body.rules);
      const actions = [
        ctx.engine.start("set_firewall_rules", [{ id: fw.id, type: "firewall" }], {
          durationMs: ctx.durations.set_firewall_rules!,
          onError: () => {
            fw.rules = previous;
          },
        }),
        ...fw.appliedTo.map((t) =>
          ctx.engine.start("apply_firewall", [
            { id: fw.id, type: "firewall" },
            ...(t.type === "server" ? [{ id: t.server, type: "server" }] : []),
          ], { durationMs: ctx.durations.apply_firewall!, locks: [{ id: fw.id, type: "firewall" }] })
        ),
      ];
      return { status: 201, body: { actions: actions.map((a) => ctx.engine.render(a)) } };
    },
  },
  {
    method: "POST",
    pattern: "/firewalls/{id}/actions/apply_to_resources",
    handler: (ctx, req) => {
      const fw = firewalls.fromPathUnlocked(ctx, req);
      const body = bodyObject(req);
      if (!Array.isArray(body.apply_to)) throw invalidField("apply_to", "is required");
      const actions = applyTargets(ctx, fw, parseTargets(body.apply_to, "apply_to"));
      return { status: 201, body: { actions: actions.map((a) => ctx.engine.render(a)) } };
    },
  },
  {
    method: "POST",
    pattern: "/firewalls/{id}/actions/remove_from_resources",
    handler: (ctx, req) => {
      const fw = firewalls.fromPathUnlocked(ctx, req);
      const body = bodyObject(req);
      if (!Array.isArray(body.remove_from)) throw invalidField("remove_from", "is required");
      const targets = parseTargets(body.remove_from, "remove_from");
      const keptSelectors = fw.appliedTo.filter((a) =>
        a.type === "label_selector" && !targets.some((t) => t.type === "label_selector" && t.selector === a.selector)
      ) as { type: "label_selector"; selector: string }[];
      const indexes = targets.map((t) => {
        const i = fw.appliedTo.findIndex((a) =>
          a.type === t.type && (a.type === "server" ? a.server === (t as { server: number }).server : a.selector ===
            (t as { selector: string }).selector)
        );
        const s = t.type === "server" ? ctx.state.servers.get(t.server) : undefined;
        // A server applied both directly and through a selector that stays cannot lose the direct binding
        // (reported from a production cluster: hcloud-talos/terraform-hcloud-talos#494).
        if (i >= 0 && s && keptSelectors.some((k) => matchesSelector(s.labels, k.selector))) {
          throw unprocessable(
            "firewall_managed_by_label_selector",
            `firewall ${fw.id} is applied to server ${s.id} via a label selector`,
          );
        }
        if (i >= 0) return i;
        if (t.type === "server") {
          const s = ctx.state.servers.get(t.server);
          if (s && firewallIdsForServer(ctx, s).includes(fw.id)) {
            throw unprocessable(
              "firewall_managed_by_label_selector",
              `firewall ${fw.id} is applied to server ${s.id} via a label selector`,
            );
          }
        }
        throw new SimError(404, "firewall_resource_not_found", `firewall ${fw.id} is not applied to this resource`);
      });
      fw.appliedTo = fw.appliedTo.filter((_, i) => !indexes.includes(i));
      const actions = targets.map((t) =>
        ctx.engine.start("remove_firewall", [
          { id: fw.id, type: "firewall" },
          ...(t.type === "server" ? [{ id: t.server, type: "server" }] : []),
        ], { durationMs: ctx.durations.remove_firewall!, locks: [{ id: fw.id, type: "firewall" }] })
      );
      return { status: 201, body: { actions: actions.map((a) => ctx.engine.render(a)) } };
    },
  },
];
