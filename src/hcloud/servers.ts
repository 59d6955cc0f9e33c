/**
 * Servers: create (with user data, labels, networks, firewalls, placement group, public net),
 * look up, list by label, delete, and the power/rescue/image/network actions k8zner uses.
 *
 * @module
 */
import { isHcloudError } from "./errors.ts";
import type { Image } from "./images.ts";
import { hasLabels, selectorFor } from "./labels.ts";
import type { PlacementGroup } from "./placement_groups.ts";
import type { ServerType } from "./server_types.ts";
import type { Transport } from "./transport.ts";
import type { Action, CallOptions, Labels, ListOptions, Location, Page } from "./types.ts";

/** A server as the API returns it (fields k8zner reads; the API sends more). */
export interface Server {
  id: number;
  name: string;
  status:
    | "running"
    | "initializing"
    | "starting"
    | "stopping"
    | "off"
    | "deleting"
    | "migrating"
    | "rebuilding"
    | "unknown";
  created: string;
  public_net: {
    ipv4: { id?: number; ip: string; blocked: boolean; dns_ptr: string } | null;
    ipv6: { id?: number; ip: string; blocked: boolean; dns_ptr: { ip: string; dns_ptr: string }[] | null } | null;
    floating_ips: number[];
    firewalls?: { id?: number; status?: "applied" | "pending" }[];
  };
  private_net: { network?: number; ip?: string; alias_ips?: string[]; mac_address?: string }[];
  server_type: ServerType;
  location: Location;
  image: Image | null;
  rescue_enabled: boolean;
  locked: boolean;
  labels: Labels;
  placement_group?: PlacementGroup | null;
  load_balancers?: number[];
  volumes?: number[];
  primary_disk_size: number;
  protection: { delete: boolean; rebuild: boolean };
}

/** Body of `POST /servers`, exactly as the API takes it. */
export interface CreateServerRequest {
  name: string;
  server_type: string;
  /** Image ID (as a string) or name. */
  image: string;
  location?: string;
  start_after_create?: boolean;
  placement_group?: number;
  /** SSH key IDs or names, as strings. */
  ssh_keys?: string[];
  volumes?: number[];
  networks?: number[];
  firewalls?: { firewall: number }[];
  user_data?: string;
  labels?: Labels;
  automount?: boolean;
  public_net?: { enable_ipv4?: boolean; enable_ipv6?: boolean; ipv4?: number | null; ipv6?: number | null };
}

/** The outcome of `servers.create`. */
export interface CreateServerResult {
  server: Server;
  /** Every action to wait for: `action` and `next_actions`, or the server's running actions when recovered. */
  actions: Action[];
  /** Only when no SSH keys were given and the server was really created by this call. */
  rootPassword: string | null;
  /** True when the create failed ambiguously and the server was found by name instead. */
  recovered: boolean;
}

/** Filters of `servers.list`/`listAll`. */
export interface ServerListOptions extends ListOptions {
  status?: Server["status"][];
}

/** The server calls. */
export interface ServersApi {
  /** `POST /servers`; never retried blindly (see `Transport.create`). */
  create(request: CreateServerRequest, options?: CallOptions): Promise<CreateServerResult>;
  /** `GET /servers/{id}`; undefined when it does not exist. */
  get(id: number): Promise<Server | undefined>;
  /** `GET /servers?name=`; undefined when absent. */
  findByName(name: string): Promise<Server | undefined>;
  list(options?: ServerListOptions): Promise<Page<Server>>;
  listAll(options?: ServerListOptions): Promise<Server[]>;
  /** `DELETE /servers/{id}`; returns the delete action, or undefined when the server was already gone. */
  delete(id: number): Promise<Action | undefined>;
  /** Running actions of a server (`GET /servers/{id}/actions?status=running`). */
  listRunningActions(id: number): Promise<Action[]>;
  /** Cuts power (`stop_server`). */
  poweroff(id: number): Promise<Action>;
  /** Starts the server (`start_server`). */
  poweron(id: number): Promise<Action>;
  /** Hard reset (`reset_server`); not retried after an ambiguous failure. */
  reset(id: number): Promise<Action>;
  /** Boots into rescue on next reboot; returns the rescue root password. */
  enableRescue(
    id: number,
    request?: { type?: "linux64"; ssh_keys?: number[] },
  ): Promise<{ action: Action; rootPassword: string | undefined }>;
  disableRescue(id: number): Promise<Action>;
  /** Snapshot of the server's disk; after an ambiguous failure the snapshot is looked up by labels. */
  createImage(
    id: number,
    request?: { type?: "snapshot" | "backup"; description?: string; labels?: Labels },
  ): Promise<{ image: Image; action: Action | undefined; recovered: boolean }>;
  /** Attaches to a network, optionally with a fixed private IP; not retried after an ambiguous failure. */
  attachToNetwork(id: number, request: { network: number; ip?: string; alias_ips?: string[] }): Promise<Action>;
}

/** Creates the server calls over a transport. */
export function createServersApi(t: Transport): ServersApi {
  const action = async (id: number, name: string, body?: unknown, idempotent = true): Promise<Action> =>
    (await t.request<{ action: Action }>("POST", `/servers/${id}/actions/${name}`, { body, idempotent })).action;

  const api: ServersApi = {
    async create(request, options) {
      const outcome = await t.create<
        { server: Server; action: Action; next_actions: Action[]; root_password: string | null },
        Server
      >("/servers", request, async () => {
        const found = await api.findByName(request.name);
        return found && hasLabels(found.labels, request.labels) ? found : undefined;
      }, options);
      if (outcome.recovered) {
        return {
          server: outcome.found,
          actions: await api.listRunningActions(outcome.found.id),
          rootPassword: null,
          recovered: true,
        };
      }
      const r = outcome.response;
      return {
        server: r.server,
        actions: [r.action, ...(r.next_actions ?? [])],
        rootPassword: r.root_password ?? null,
        recovered: false,
      };
    },
    get: (id) => t.getOrUndefined<Server>(`/servers/${id}`, "server"),
    async findByName(name) {
      return (await t.listPage<Server>("/servers", "servers", { name })).items[0];
    },
    list: (options) => t.listPage<Server>("/servers", "servers", options, { status: options?.status }),
    listAll: (options) => t.listAll<Server>("/servers", "servers", options, { status: options?.status }),
    async delete(id) {
      try {
        return (await t.request<{ action: Action }>("DELETE", `/servers/${id}`)).action;
      } catch (err) {
        if (isHcloudError(err, "not_found")) return undefined;
        throw err;
      }
    },
    listRunningActions: (id) =>
      t.listAll<Action>(`/servers/${id}/actions`, "actions", undefined, { status: ["running"] }),
    poweroff: (id) => action(id, "poweroff"),
    poweron: (id) => action(id, "poweron"),
    reset: (id) => action(id, "reset", undefined, false),
    async enableRescue(id, request) {
      const r = await t.request<{ action: Action; root_password?: string }>(
        "POST",
        `/servers/${id}/actions/enable_rescue`,
        { body: request ?? {}, idempotent: true },
      );
      return { action: r.action, rootPassword: r.root_password };
    },
    disableRescue: (id) => action(id, "disable_rescue"),
    async createImage(id, request) {
      const path = `/servers/${id}/actions/create_image`;
      const labels = request?.labels ?? {};
      if (Object.keys(labels).length === 0) {
        // Without labels a repeat could not be told apart from an older snapshot: never repeat.
        const r = await t.request<{ image: Image; action: Action }>("POST", path, {
          body: request ?? {},
          idempotent: false,
        });
        return { image: r.image, action: r.action, recovered: false };
      }
      const startedAt = t.clock();
      const outcome = await t.create<{ image: Image; action: Action }, Image>(path, request ?? {}, async () => {
        const images = await t.listAll<Image>("/images", "images", { labelSelector: selectorFor(labels) }, {
          type: [request?.type ?? "snapshot"],
        });
        // Allow for clock skew between us and the API when comparing creation times.
        return images.filter((img) => img.created_from?.id === id && Date.parse(img.created) >= startedAt - 300_000)
          .sort((a, b) => b.id - a.id)[0];
      });
      if (outcome.recovered) return { image: outcome.found, action: undefined, recovered: true };
      return { image: outcome.response.image, action: outcome.response.action, recovered: false };
    },
    attachToNetwork: (id, request) => action(id, "attach_to_network", request, false),
  };
  return api;
}
