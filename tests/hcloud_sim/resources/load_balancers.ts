/**
 * Load balancers: services, targets (server, label selector expanded to matching servers, IP),
 * private network attachment, and target health answered by a pluggable probe (default:
 * healthy when the server is running).
 *
 * @module
 */
import { byIdOrName, LOAD_BALANCER_TYPES, LOCATIONS } from "../catalog.ts";
import { isoTime } from "../clock.ts";
import { invalidField, notFound, SimError, unprocessable } from "../errors.ts";
import {
  bodyObject,
  listResponse,
  optionalArray,
  optionalBool,
  optionalString,
  requireId,
  requireString,
  type Route,
} from "../http.ts";
import { matchesSelector, validateLabels } from "../label_selector.ts";
import { NamedResource } from "./named_resource.ts";
import { parseService, parseTarget, port } from "./load_balancer_specs.ts";
import type { LbService, LbTarget, LoadBalancerRecord, ServerRecord, SimContext } from "../state.ts";
import { allocatePrivateIp } from "./networks.ts";

/** API shape of a load balancer (target health evaluated now). */
export function renderLoadBalancer(ctx: SimContext, lb: LoadBalancerRecord) {
  const creating = ctx.engine.isLocked("load_balancer", lb.id) &&
    [...ctx.engine.actions.values()].some((a) =>
      a.status === "running" && a.command === "create_load_balancer" && a.resources[0]?.id === lb.id
    );
  const serverTarget = (s: ServerRecord, usePrivateIp: boolean) => {
    const ip = targetIp(ctx, lb, s, usePrivateIp);
    return {
      type: "server",
      server: { id: s.id, ip: ip ?? "" },
      health_status: lb.services.map((svc) => ({
        listen_port: svc.listen_port,
        status: creating || ip === undefined ? "unknown" as const : health(ctx, lb, s, ip, svc),
      })),
      use_private_ip: usePrivateIp,
    };
  };
  const location = lb.location;
  return {
    id: lb.id,
    name: lb.name,
    public_net: {
      enabled: lb.publicEnabled,
      ipv4: {
        ip: lb.ipv4,
        dns_ptr: lb.ipv4 ? `static.${lb.ipv4.split(".").reverse().join(".")}.clients.your-server.de` : null,
      },
      ipv6: { ip: lb.ipv6, dns_ptr: null },
    },
    private_net: lb.privateNet.map((p) => ({ ...p })),
    location: { ...location },
    load_balancer_type: lb.type,
    protection: { ...lb.protection },
    labels: { ...lb.labels },
    created: isoTime(lb.created),
    services: lb.services.map((s) => structuredClone(s)),
    targets: lb.targets.map((t) => {
      if (t.type === "server") {
        const s = ctx.state.servers.get(t.server);
        return s
          ? serverTarget(s, t.usePrivateIp)
          : { type: "server", server: { id: t.server, ip: "" }, health_status: [], use_private_ip: t.usePrivateIp };
      }
      if (t.type === "label_selector") {
        return {
          type: "label_selector",
          label_selector: { selector: t.selector },
          targets: [...ctx.state.servers.values()].filter((s) => matchesSelector(s.labels, t.selector)).map((s) =>
            serverTarget(s, t.usePrivateIp)
          ),
          use_private_ip: t.usePrivateIp,
        };
      }
      return {
        type: "ip",
        ip: { ip: t.ip },
        health_status: lb.services.map((svc) => ({ listen_port: svc.listen_port, status: "unknown" as const })),
      };
    }),
    algorithm: { type: lb.algorithm },
    outgoing_traffic: 0,
    ingoing_traffic: 0,
    included_traffic: lb.type.prices.find((p) => p.location === location.name)?.included_traffic ?? 0,
  };
}

function targetIp(ctx: SimContext, lb: LoadBalancerRecord, s: ServerRecord, usePrivateIp: boolean): string | undefined {
  if (usePrivateIp) {
    return s.privateNet.find((p) => lb.privateNet.some((l) => l.network === p.network))?.ip;
  }
  return s.ipv4 === null ? undefined : ctx.state.primaryIps.get(s.ipv4)?.ip;
}

function health(ctx: SimContext, lb: LoadBalancerRecord, s: ServerRecord, ip: string, svc: LbService) {
  const result = ctx.healthProbe()({
    lb,
    server: s,
    ip,
    listenPort: svc.listen_port,
    destinationPort: svc.destination_port,
  });
  return result === true ? "healthy" : result === false ? "unhealthy" : result;
}

/** Load balancer ids that target a server (directly or through a selector). */
export function lbIdsForServer(ctx: SimContext, s: ServerRecord): number[] {
  return [...ctx.state.loadBalancers.values()].filter((lb) =>
    lb.targets.some((t) =>
      t.type === "server" ? t.server === s.id : t.type === "label_selector" && matchesSelector(s.labels, t.selector)
    )
  ).map((lb) => lb.id);
}

function addTarget(ctx: SimContext, lb: LoadBalancerRecord, t: LbTarget): void {
  if (!lb.publicEnabled && (t.type === "ip" || !t.usePrivateIp)) {
    throw unprocessable("load_balancer_public_interface_disabled", "the load balancer's public interface is disabled");
  }
  if (t.type === "server") {
    const s = ctx.state.servers.get(t.server);
    if (!s) throw notFound("server", t.server);
    if (t.usePrivateIp) {
      if (lb.privateNet.length === 0) {
        throw unprocessable(
          "load_balancer_not_attached_to_network",
          `load balancer ${lb.id} is not attached to a network`,
        );
      }
      if (targetIp(ctx, lb, s, true) === undefined) {
        throw unprocessable(
          "resolve_cloud_private_targets_error",
          `server ${s.id} is not in the load balancer's network`,
        );
      }
    } else if (s.ipv4 === null) {
      throw unprocessable("resolve_cloud_public_targets_error", `server ${s.id} has no public IPv4`);
    }
  }
  if (t.type === "label_selector" && t.usePrivateIp && lb.privateNet.length === 0) {
    throw unprocessable("load_balancer_not_attached_to_network", `load balancer ${lb.id} is not attached to a network`);
  }
  const same = lb.targets.some((x) =>
    JSON.stringify({ ...x, usePrivateIp: 0 }) === JSON.stringify({ ...t, usePrivateIp: 0 })
  );
  if (same) throw unprocessable("target_already_defined", "the target is already defined");
  if (lb.targets.length >= lb.type.max_targets) {
    throw unprocessable(
      "resource_limit_exceeded",
      `load balancer type ${lb.type.name} allows ${lb.type.max_targets} targets`,
    );
  }
  lb.targets.push(t);
}

function addService(lb: LoadBalancerRecord, svc: LbService): void {
  if (lb.services.some((s) => s.listen_port === svc.listen_port)) {
    throw new SimError(412, "source_port_already_used", `listen port ${svc.listen_port} is already used`);
  }
  if (lb.services.length >= lb.type.max_services) {
    throw unprocessable(
      "resource_limit_exceeded",
      `load balancer type ${lb.type.name} allows ${lb.type.max_services} services`,
    );
  }
  lb.services.push(svc);
}

function attachNetwork(
  ctx: SimContext,
  lb: LoadBalancerRecord,
  networkId: number,
  ip?: string,
  ipRange?: string,
): void {
  const network = ctx.state.networks.get(networkId);
  if (!network) throw notFound("network", networkId);
  if (lb.privateNet.length > 0) {
    throw unprocessable("load_balancer_already_attached", `load balancer ${lb.id} is already attached to a network`);
  }
  // `ip_range` names the subnet to take the address from (what the hcloud CCM sends from
  // HCLOUD_LOAD_BALANCERS_PRIVATE_SUBNET_IP_RANGE); it must be one of the network's subnets.
  if (ipRange !== undefined && !network.subnets.some((s) => s.ip_range === ipRange)) {
    throw invalidField("ip_range", `${ipRange} is not a subnet of network ${networkId}`);
  }
  lb.privateNet.push({
    network: networkId,
    ip: allocatePrivateIp(ctx, network, lb.location.network_zone, ip, ipRange),
  });
}

const loadBalancers = new NamedResource<LoadBalancerRecord>({
  kind: "load_balancer",
  noun: "load balancer",
  records: (ctx) => ctx.state.loadBalancers,
});

function lbAction(ctx: SimContext, lb: LoadBalancerRecord, command: string, undo?: () => void) {
  const action = ctx.engine.start(command, [{ id: lb.id, type: "load_balancer" }], {
    durationMs: ctx.durations[command] ?? 1500,
    onError: undo,
  });
  return { status: 201, body: { action: ctx.engine.render(action) } };
}

function lbActionRoute(
  command: string,
  apply: (ctx: SimContext, lb: LoadBalancerRecord, body: Record<string, unknown>) => () => void,
): Route {
  return {
    method: "POST",
    pattern: `/load_balancers/{id}/actions/${command}`,
    handler: (ctx, req) => {
      const lb = loadBalancers.fromPathUnlocked(ctx, req);
      const undo = apply(ctx, lb, bodyObject(req));
      ctx.emit({ type: "lb.updated", at: isoTime(ctx.clock.now()), lb: { id: lb.id, name: lb.name } });
      return lbAction(ctx, lb, command, undo);
    },
  };
}

/** Routes for `/load_balancers`. */
export const loadBalancerRoutes: Route[] = [
  {
    method: "GET",
    pattern: "/load_balancers",
    handler: (ctx, req) =>
      listResponse(
        ctx,
        req,
        "load_balancers",
        ctx.state.loadBalancers.values(),
        (lb) => renderLoadBalancer(ctx, lb),
        undefined,
        (
          lb,
        ) => lb.created,
      ),
  },
  {
    method: "POST",
    pattern: "/load_balancers",
    handler: (ctx, req) => {
      const body = bodyObject(req);
      const name = loadBalancers.uniqueName(ctx, requireString(body, "name"));
      const type = byIdOrName(LOAD_BALANCER_TYPES, body.load_balancer_type);
      if (!type) throw invalidField("load_balancer_type", "load balancer type not found");
      const zone = optionalString(body, "network_zone");
      const location = body.location !== undefined
        ? byIdOrName(LOCATIONS, body.location)
        : LOCATIONS.find((l) => l.network_zone === zone);
      if (!location) {
        throw invalidField(body.location !== undefined ? "location" : "network_zone", "location not found");
      }
      const algorithm = (body.algorithm?.type ?? "round_robin") as LoadBalancerRecord["algorithm"];
      if (!["round_robin", "least_connections"].includes(algorithm)) throw invalidField("algorithm.type", "is invalid");
      const publicEnabled = optionalBool(body, "public_interface", true);
      const lb: LoadBalancerRecord = {
        id: 0,
        name,
        labels: validateLabels(body.labels),
        created: ctx.clock.now(),
        type,
        location,
        publicEnabled,
        ipv4: null,
        ipv6: null,
        privateNet: [],
        services: [],
        targets: [],
        algorithm,
        protection: { delete: false },
      };
      if (body.network !== undefined && body.network !== null) attachNetwork(ctx, lb, requireId(body, "network"));
      // Without a public interface the load balancer is reachable only over a network.
      if (!publicEnabled && lb.privateNet.length === 0) {
        throw unprocessable(
          "load_balancer_not_attached_to_network",
          "a load balancer without public interface needs a network",
        );
      }
      optionalArray(body, "services").forEach((s, i) => addService(lb, parseService(s, `services[${i}]`)));
      optionalArray(body, "targets").forEach((t, i) => addTarget(ctx, lb, parseTarget(t, `targets[${i}]`)));
      lb.id = ctx.nextId("load_balancer");
      // The addresses belong to the load balancer either way; a disabled public interface only makes
      // them unreachable ("will be not accessible from the internet via its public IPs").
      lb.ipv4 = ctx.publicIps.allocateV4("load_balancer");
      // One address per id, in valid groups of at most 4 hex digits (ids pass 0xffff).
      lb.ipv6 = `2001:db8:ffff::${(lb.id >>> 16).toString(16)}:${(lb.id & 0xffff).toString(16)}`;
      ctx.state.loadBalancers.set(lb.id, lb);
      const action = ctx.engine.start("create_load_balancer", [{ id: lb.id, type: "load_balancer" }], {
        durationMs: ctx.durations.create_load_balancer!,
        onSuccess: () =>
          ctx.emit({ type: "lb.created", at: isoTime(ctx.clock.now()), lb: { id: lb.id, name: lb.name } }),
      });
      return { status: 201, body: { load_balancer: renderLoadBalancer(ctx, lb), action: ctx.engine.render(action) } };
    },
  },
  loadBalancers.getRoute("/load_balancers", renderLoadBalancer),
  loadBalancers.updateRoute("/load_balancers", renderLoadBalancer),
  {
    method: "DELETE",
    pattern: "/load_balancers/{id}",
    handler: (ctx, req) => {
      const lb = loadBalancers.fromPathUnlocked(ctx, req);
      loadBalancers.assertNotProtected(lb);
      if (lb.ipv4) ctx.publicIps.releaseV4(lb.ipv4);
      ctx.state.loadBalancers.delete(lb.id);
      ctx.emit({ type: "lb.deleted", at: isoTime(ctx.clock.now()), lb: { id: lb.id, name: lb.name } });
      return { status: 204 };
    },
  },
  lbActionRoute("add_service", (_ctx, lb, body) => {
    const svc = parseService(body, "service");
    addService(lb, svc);
    return () => lb.services.splice(lb.services.indexOf(svc), 1);
  }),
  // Fields left out keep their value (Hetzner's "Update Service"); the result is checked as a new service would be.
  lbActionRoute("update_service", (_ctx, lb, body) => {
    const listen = port(body.listen_port, "listen_port");
    const i = lb.services.findIndex((s) => s.listen_port === listen);
    if (i < 0) throw notFound("service", listen);
    const old = lb.services[i]!;
    const merged = parseService({
      ...old,
      ...body,
      health_check: { ...old.health_check as object, ...body.health_check as object | undefined },
      http: { ...old.http as object | undefined, ...body.http as object | undefined },
    }, "service");
    lb.services[i] = merged;
    return () => lb.services.splice(lb.services.indexOf(merged), 1, old);
  }),
  lbActionRoute("delete_service", (_ctx, lb, body) => {
    const listen = port(body.listen_port, "listen_port");
    const i = lb.services.findIndex((s) => s.listen_port === listen);
    if (i < 0) throw notFound("service", listen);
    const [svc] = lb.services.splice(i, 1);
    return () => lb.services.push(svc!);
  }),
  lbActionRoute("add_target", (ctx, lb, body) => {
    const t = parseTarget(body, "target");
    addTarget(ctx, lb, t);
    return () => lb.targets.splice(lb.targets.indexOf(t), 1);
  }),
  lbActionRoute("remove_target", (_ctx, lb, body) => {
    const t = parseTarget(body, "target");
    const key = (x: LbTarget) => JSON.stringify({ ...x, usePrivateIp: 0 });
    const i = lb.targets.findIndex((x) => key(x) === key(t));
    if (i < 0) throw notFound("target");
    const [removed] = lb.targets.splice(i, 1);
    return () => lb.targets.push(removed!);
  }),
  lbActionRoute("disable_public_interface", (_ctx, lb) => {
    if (lb.privateNet.length === 0) {
      throw unprocessable(
        "load_balancer_not_attached_to_network",
        `load balancer ${lb.id} is not attached to a network`,
      );
    }
    if (lb.targets.some((t) => t.type === "ip" || !t.usePrivateIp)) {
      throw unprocessable("targets_without_use_private_ip", "the load balancer has targets that use their public IP");
    }
    const was = lb.publicEnabled;
    lb.publicEnabled = false;
    return () => lb.publicEnabled = was;
  }),
  lbActionRoute("enable_public_interface", (_ctx, lb) => {
    const was = lb.publicEnabled;
    lb.publicEnabled = true;
    return () => lb.publicEnabled = was;
  }),
  lbActionRoute("attach_to_network", (ctx, lb, body) => {
    attachNetwork(ctx, lb, requireId(body, "network"), optionalString(body, "ip"), optionalString(body, "ip_range"));
    return () => lb.privateNet.pop();
  }),
  lbActionRoute("detach_from_network", (_ctx, lb, body) => {
    const network = requireId(body, "network");
    const i = lb.privateNet.findIndex((p) => p.network === network);
    if (i < 0) throw unprocessable("load_balancer_not_attached_to_network", `not attached to network ${network}`);
    const [p] = lb.privateNet.splice(i, 1);
    return () => lb.privateNet.push(p!);
  }),
];
