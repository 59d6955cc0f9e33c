/**
 * Server actions: power (poweron, poweroff, shutdown, reboot, reset), rescue mode, create_image
 * (labelled snapshot, `creating` until done) and network attach/detach. Each locks the server
 * while it runs; a second action meanwhile gets `423 locked`.
 *
 * @module
 */
import { isoTime } from "../clock.ts";
import { invalidField, notFound } from "../errors.ts";
import { bodyObject, optionalArray, optionalString, requireId, type Route, type SimRequest } from "../http.ts";
import { validateLabels } from "../label_selector.ts";
import type { ImageRecord, ServerRecord, SimContext } from "../state.ts";
import { renderImage } from "./images.ts";
import { bootServer, emitServer, powerOffServer } from "./server_lifecycle.ts";
import { attachServerToNetwork, rootPassword, servers } from "./server_create.ts";
import { resolveSshKey } from "./ssh_keys.ts";

type ActionHandler = (ctx: SimContext, s: ServerRecord, req: SimRequest) => Record<string, unknown>;

function serverAction(name: string, handler: ActionHandler): Route {
  return {
    method: "POST",
    pattern: `/servers/{id}/actions/${name}`,
    handler: (ctx, req) => {
      const s = servers.fromPathUnlocked(ctx, req);
      return { status: 201, body: handler(ctx, s, req) };
    },
  };
}

function run(ctx: SimContext, s: ServerRecord, command: string, onSuccess: () => void, onError?: () => void) {
  const action = ctx.engine.start(command, [{ id: s.id, type: "server" }], {
    durationMs: ctx.durations[command] ?? 2000,
    onSuccess: () => {
      if (ctx.state.servers.has(s.id)) onSuccess();
    },
    onError,
  });
  return ctx.engine.render(action);
}

/** Routes for `/servers/{id}/actions/*`. */
export const serverActionRoutes: Route[] = [
  serverAction("poweron", (ctx, s) => {
    const wasOff = s.status === "off";
    if (wasOff) s.status = "starting";
    return {
      action: run(ctx, s, "start_server", () => {
        if (s.status === "starting") bootServer(ctx, s, "server.running");
      }, () => {
        if (wasOff) s.status = "off";
      }),
    };
  }),
  serverAction("poweroff", (ctx, s) => {
    const was = s.status;
    if (was === "running") s.status = "stopping";
    return { action: run(ctx, s, "stop_server", () => powerOffServer(ctx, s), () => (s.status = was)) };
  }),
  serverAction("shutdown", (ctx, s) => ({
    // The action only says the ACPI request was sent; the OS powers off a little later.
    action: run(ctx, s, "shutdown_server", () => {
      if (s.status !== "running") return;
      ctx.engine.schedule(ctx.clock.now() + ctx.durations.shutdown_os!, () => {
        if (s.status === "running") powerOffServer(ctx, s);
      });
    }),
  })),
  serverAction("reboot", (ctx, s) => ({
    action: run(ctx, s, "reboot_server", () => {
      if (s.status === "running") bootServer(ctx, s, "server.reset");
    }),
  })),
  serverAction("reset", (ctx, s) => ({
    action: run(
      ctx,
      s,
      "reset_server",
      () => bootServer(ctx, s, s.status === "running" ? "server.reset" : "server.running"),
    ),
  })),
  serverAction("enable_rescue", (ctx, s, req) => {
    const body = bodyObject(req);
    const type = optionalString(body, "type") ?? "linux64";
    if (type !== "linux64") throw invalidField("type", 'must be "linux64"');
    const authorizedKeys = optionalArray(body, "ssh_keys").map((ref) => {
      const key = resolveSshKey(ctx, ref);
      if (!key) throw invalidField("ssh_keys", `SSH key ${JSON.stringify(ref)} not found`);
      return key.publicKey;
    });
    const password = rootPassword(ctx);
    return {
      root_password: password,
      action: run(ctx, s, "enable_rescue", () => {
        s.rescueEnabled = true;
        s.rescueLogin = { authorizedKeys, rootPassword: password };
      }),
    };
  }),
  serverAction("disable_rescue", (ctx, s) => ({
    action: run(ctx, s, "disable_rescue", () => {
      s.rescueEnabled = false;
    }),
  })),
  serverAction("create_image", (ctx, s, req) => {
    const body = bodyObject(req);
    const type = optionalString(body, "type") ?? "snapshot";
    if (type !== "snapshot" && type !== "backup") throw invalidField("type", "must be snapshot or backup");
    const source = s.imageId === null ? undefined : ctx.state.images.get(s.imageId);
    const image: ImageRecord = {
      id: ctx.nextId("image"),
      type,
      status: "creating",
      name: null,
      description: optionalString(body, "description") ?? `${s.name}-${isoTime(ctx.clock.now())}`,
      imageSize: null,
      diskSize: s.serverType.disk,
      created: ctx.clock.now(),
      createdFrom: { id: s.id, name: s.name },
      boundTo: type === "backup" ? s.id : null,
      osFlavor: source?.osFlavor ?? "unknown",
      osVersion: source?.osVersion ?? null,
      architecture: s.serverType.architecture,
      labels: validateLabels(body.labels),
      protection: { delete: false },
      deprecated: null,
    };
    ctx.state.images.set(image.id, image);
    const action = ctx.engine.start("create_image", [{ id: s.id, type: "server" }, { id: image.id, type: "image" }], {
      durationMs: ctx.durations.create_image!,
      onSuccess: () => {
        image.status = "available";
        image.imageSize = Math.round((0.3 + ctx.random() * 0.4) * 100) / 100;
        ctx.emit({
          type: "image.available",
          at: isoTime(ctx.clock.now()),
          image: { id: image.id, labels: { ...image.labels } },
        });
      },
      onError: () => ctx.state.images.delete(image.id),
    });
    return { image: renderImage(image), action: ctx.engine.render(action) };
  }),
  serverAction("attach_to_network", (ctx, s, req) => {
    const body = bodyObject(req);
    const networkId = requireId(body, "network");
    if (!ctx.state.networks.has(networkId)) throw notFound("network", networkId);
    const entry = attachServerToNetwork(ctx, s, networkId, optionalString(body, "ip"));
    entry.alias_ips = optionalArray(body, "alias_ips").map(String);
    return {
      action: run(ctx, s, "attach_to_network", () => emitServer(ctx, "server.network_attached", s), () => {
        s.privateNet = s.privateNet.filter((p) => p !== entry);
      }),
    };
  }),
  serverAction("detach_from_network", (ctx, s, req) => {
    const networkId = requireId(bodyObject(req), "network");
    const entry = s.privateNet.find((p) => p.network === networkId);
    if (!entry) throw notFound("server network attachment", networkId);
    s.privateNet = s.privateNet.filter((p) => p !== entry);
    return {
      action: run(ctx, s, "detach_from_network", () => emitServer(ctx, "server.network_detached", s), () => {
        s.privateNet.push(entry);
      }),
    };
  }),
];
