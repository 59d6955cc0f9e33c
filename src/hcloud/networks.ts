/**
 * Networks and their subnets.
 *
 * @module
 */
import { hasLabels } from "./labels.ts";
import { deleteIfExists, type Transport } from "./transport.ts";
import type { Action, CallOptions, Labels, ListOptions, Page } from "./types.ts";

/** A subnet of a network. */
export interface Subnet {
  type: "cloud" | "server" | "vswitch";
  ip_range?: string;
  network_zone: string;
  gateway?: string;
  vswitch_id?: number | null;
}

/** A private network. */
export interface Network {
  id: number;
  name: string;
  ip_range: string;
  subnets: Subnet[];
  routes: { destination: string; gateway: string }[];
  servers: number[];
  load_balancers?: number[];
  protection: { delete: boolean };
  labels: Labels;
  created: string;
  expose_routes_to_vswitch: boolean;
}

/** Body of `POST /networks`. */
export interface CreateNetworkRequest {
  name: string;
  ip_range: string;
  labels?: Labels;
  subnets?: { type: Subnet["type"]; ip_range?: string; network_zone: string; vswitch_id?: number }[];
  routes?: { destination: string; gateway: string }[];
  expose_routes_to_vswitch?: boolean;
}

/** Body of `POST /networks/{id}/actions/add_subnet`. */
export interface AddSubnetRequest {
  type: Subnet["type"];
  ip_range?: string;
  network_zone: string;
  vswitch_id?: number;
}

/** The network calls. */
export interface NetworksApi {
  /** Never retried blindly: after an ambiguous failure it is looked up by name first. */
  create(request: CreateNetworkRequest, options?: CallOptions): Promise<{ network: Network; recovered: boolean }>;
  get(id: number): Promise<Network | undefined>;
  findByName(name: string): Promise<Network | undefined>;
  list(options?: ListOptions): Promise<Page<Network>>;
  listAll(options?: ListOptions): Promise<Network[]>;
  delete(id: number): Promise<boolean>;
  /** Adds a subnet; not retried after an ambiguous failure (re-read the network instead). */
  addSubnet(id: number, request: AddSubnetRequest): Promise<Action>;
}

/** Creates the network calls over a transport. */
export function createNetworksApi(t: Transport): NetworksApi {
  const api: NetworksApi = {
    async create(request, options) {
      const outcome = await t.create<{ network: Network }, Network>("/networks", request, async () => {
        const found = await api.findByName(request.name);
        return found && hasLabels(found.labels, request.labels) ? found : undefined;
      }, options);
      if (outcome.recovered) return { network: outcome.found, recovered: true };
      return { network: outcome.response.network, recovered: false };
    },
    get: (id) => t.getOrUndefined<Network>(`/networks/${id}`, "network"),
    async findByName(name) {
      return (await t.listPage<Network>("/networks", "networks", { name })).items[0];
    },
    list: (options) => t.listPage<Network>("/networks", "networks", options),
    listAll: (options) => t.listAll<Network>("/networks", "networks", options),
    delete: (id) => deleteIfExists(t, `/networks/${id}`),
    async addSubnet(id, request) {
      return (await t.request<{ action: Action }>("POST", `/networks/${id}/actions/add_subnet`, {
        body: request,
        idempotent: false,
      })).action;
    },
  };
  return api;
}
