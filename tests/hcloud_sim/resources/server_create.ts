/**
 * Server creation: type, image (by id, or system image name for the architecture), location,
 * networks with allocated private IPs, firewalls, placement group (at most 10), public IPs as
 * primary IPs, user data (32 KiB), SSH keys and labels; then `create_server` → `start_server`.
 *
 * @module
 */
import { byIdOrName, LOCATIONS, SERVER_TYPES } from "../catalog.ts";
import { invalidField, SimError, unprocessable } from "../errors.ts";
import { optionalArray, optionalBool, optionalString, requireString } from "../http.ts";
import { validateLabels } from "../label_selector.ts";
import { NamedResource } from "./named_resource.ts";
import type { ServerRecord, SimContext } from "../state.ts";
import { resolveImage } from "./images.ts";
import { allocatePrivateIp } from "./networks.ts";
import { PLACEMENT_GROUP_MAX_SERVERS } from "./placement_groups.ts";
import { createPrimaryIp } from "./primary_ips.ts";
import { bootServer, emitServer, removeServer } from "./server_lifecycle.ts";
import { renderServer } from "./server_render.ts";
import { resolveSshKey } from "./ssh_keys.ts";

/** Servers as a named resource: hostnames, unique among servers. */
export const servers = new NamedResource<ServerRecord>({
  kind: "server",
  noun: "server",
  records: (ctx) => ctx.state.servers,
  hostname: true,
});

const USER_DATA_MAX = 32 * 1024;

/** A random MAC address in Hetzner's `86:00:00` style. */
function macAddress(ctx: SimContext): string {
  const b = () => Math.floor(ctx.random() * 256).toString(16).padStart(2, "0");
  return `86:00:00:${b()}:${b()}:${b()}`;
}

/** A root password the way Hetzner returns one when no SSH key was given. */
export function rootPassword(ctx: SimContext): string {
  const alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  return Array.from({ length: 20 }, () => alphabet[Math.floor(ctx.random() * alphabet.length)]).join("");
}

/** Private network attachment for a server (explicit IP honoured). */
export function attachServerToNetwork(
  ctx: SimContext,
  s: ServerRecord,
  networkId: number,
  ip?: string,
  field = "network",
) {
  const network = ctx.state.networks.get(networkId);
  if (!network) throw invalidField(field, `network ${networkId} not found`);
  if (s.privateNet.some((p) => p.network === networkId)) {
    throw unprocessable("server_already_attached", `server ${s.id} is already attached to network ${networkId}`);
  }
  const entry = {
    network: networkId,
    ip: allocatePrivateIp(ctx, network, s.location.network_zone, ip),
    alias_ips: [] as string[],
    mac_address: macAddress(ctx),
  };
  s.privateNet.push(entry);
  return entry;
}

/** `POST /servers`: validates like the API, allocates addresses, starts create_server (+ start_server). */
export function createServer(ctx: SimContext, body: Record<string, unknown>) {
  const name = servers.uniqueName(ctx, requireString(body, "name"));
  const serverType = byIdOrName(SERVER_TYPES, body.server_type);
  if (!serverType) {
    throw invalidField("server_type", body.server_type === undefined ? "is required" : "server type not found");
  }
  const location = body.location === undefined
    ? LOCATIONS.find((l) => serverType.locations.some((x) => x.name === l.name && x.available))
    : byIdOrName(LOCATIONS, body.location);
  if (!location && body.location === undefined) {
    throw new SimError(412, "resource_unavailable", `server type ${serverType.name} is not available for order`);
  }
  if (!location) throw invalidField("location", "location not found");
  if (!serverType.locations.some((x) => x.name === location.name && x.available)) {
    throw new SimError(
      412,
      "resource_unavailable",
      `server type ${serverType.name} is not available in ${location.name}`,
    );
  }
  if (body.image === undefined) throw invalidField("image", "is required");
  const image = resolveImage(ctx, body.image, serverType.architecture);
  if (!image) throw invalidField("image", "image not found");
  if (image.status !== "available") throw invalidField("image", "image is not available");
  if (image.architecture !== serverType.architecture) {
    throw invalidField(
      "image",
      `image architecture ${image.architecture} does not match server type ${serverType.name}`,
    );
  }
  const userData = optionalString(body, "user_data");
  if (userData !== undefined && new TextEncoder().encode(userData).length > USER_DATA_MAX) {
    throw invalidField("user_data", "is too long (max 32 KiB)");
  }
  const labels = validateLabels(body.labels);
  const sshKeys = optionalArray(body, "ssh_keys").map((ref) => {
    const key = resolveSshKey(ctx, ref);
    if (!key) throw invalidField("ssh_keys", `SSH key ${JSON.stringify(ref)} not found`);
    return key.id;
  });
  let placementGroup: number | null = null;
  if (body.placement_group !== undefined && body.placement_group !== null) {
    const pg = ctx.state.placementGroups.get(body.placement_group as number);
    if (!pg) throw invalidField("placement_group", "placement group not found");
    const members = [...ctx.state.servers.values()].filter((s) => s.placementGroup === pg.id).length;
    if (members >= PLACEMENT_GROUP_MAX_SERVERS) {
      throw unprocessable(
        "placement_error",
        `placement group ${pg.id} already has ${PLACEMENT_GROUP_MAX_SERVERS} servers`,
      );
    }
    placementGroup = pg.id;
  }
  const firewalls = optionalArray(body, "firewalls").map((f, i) => {
    const id = (f as { firewall?: unknown })?.firewall;
    if (!Number.isSafeInteger(id) || !ctx.state.firewalls.has(id as number)) {
      throw invalidField(`firewalls[${i}].firewall`, "firewall not found");
    }
    return id as number;
  });
  const networks = optionalArray(body, "networks").map((n, i) => {
    if (!Number.isSafeInteger(n) || !ctx.state.networks.has(n as number)) {
      throw invalidField(`networks[${i}]`, "network not found");
    }
    return n as number;
  });
  const publicNet = (body.public_net ?? {}) as Record<string, unknown>;
  const enableV4 = optionalBool(publicNet, "enable_ipv4", true);
  const enableV6 = optionalBool(publicNet, "enable_ipv6", true);
  if (!enableV4 && !enableV6 && networks.length === 0) {
    throw invalidField("public_net", "a server without public IPs needs at least one network");
  }
  const givenIp = (field: "ipv4" | "ipv6") => {
    const id = publicNet[field];
    if (id === undefined || id === null) return undefined;
    const p = ctx.state.primaryIps.get(id as number);
    if (!p) throw invalidField(`public_net.${field}`, "primary IP not found");
    if (p.type !== field) throw new SimError(412, "primary_ip_version_mismatch", `primary IP ${p.id} is not ${field}`);
    if (p.assigneeId !== null) throw unprocessable("primary_ip_assigned", `primary IP ${p.id} is already assigned`);
    if (p.location.id !== location.id) {
      throw unprocessable("primary_ip_datacenter_mismatch", `primary IP ${p.id} is in ${p.location.name}`);
    }
    return p;
  };
  const ipv4 = enableV4 ? givenIp("ipv4") : undefined;
  const ipv6 = enableV6 ? givenIp("ipv6") : undefined;

  const s: ServerRecord = {
    id: ctx.nextId("server"),
    name,
    labels,
    created: ctx.clock.now(),
    status: "initializing",
    serverType,
    location,
    imageId: image.id,
    userData,
    sshKeys,
    rescueEnabled: false,
    inRescue: false,
    ipv4: null,
    ipv6: null,
    privateNet: [],
    firewalls: [],
    placementGroup,
    volumes: [],
    protection: { delete: false, rebuild: false },
  };
  // Network IPs are allocated before the server is stored, so a failure leaves nothing behind.
  ctx.state.servers.set(s.id, s);
  try {
    for (const n of networks) attachServerToNetwork(ctx, s, n);
  } catch (err) {
    ctx.state.servers.delete(s.id);
    throw err;
  }
  if (enableV4) {
    const p = ipv4 ?? createPrimaryIp(ctx, "ipv4", location, { autoDelete: true });
    p.assigneeId = s.id;
    s.ipv4 = p.id;
  }
  if (enableV6) {
    const p = ipv6 ?? createPrimaryIp(ctx, "ipv6", location, { autoDelete: true });
    p.assigneeId = s.id;
    s.ipv6 = p.id;
  }
  for (const fw of firewalls) ctx.state.firewalls.get(fw)!.appliedTo.push({ type: "server", server: s.id });

  const start = optionalBool(body, "start_after_create", true);
  const resources = [{ id: s.id, type: "server" }];
  const create = ctx.engine.start("create_server", resources, {
    durationMs: ctx.durations.create_server!,
    onSuccess: () => {
      s.status = start ? "starting" : "off";
      emitServer(ctx, "server.created", s);
    },
    onError: () => removeServer(ctx, s),
  });
  const next = [];
  if (start) {
    next.push(ctx.engine.start("start_server", resources, {
      durationMs: ctx.durations.start_server!,
      startAt: create.endsAt,
      onSuccess: () => {
        if (ctx.state.servers.has(s.id) && s.status === "starting") bootServer(ctx, s, "server.running");
      },
    }));
  }
  return {
    server: renderServer(ctx, s),
    action: ctx.engine.render(create),
    next_actions: next.map((a) => ctx.engine.render(a)),
    root_password: sshKeys.length === 0 ? rootPassword(ctx) : null,
  };
}
