/**
 * Load balancers: create with services, targets and a network; add a service or target; attach
 * to a network; delete.
 *
 * @module
 */
import { hasLabels } from "./labels.ts";
import { deleteIfExists, type Transport } from "./transport.ts";
import type { Action, CallOptions, Labels, ListOptions, Location, LocationPrice, Page } from "./types.ts";

/** A health check of a service. HTTP checks need `http.path` (and `domain`, null for none). */
export interface LoadBalancerHealthCheck {
  protocol: "tcp" | "http";
  port: number;
  interval: number;
  timeout: number;
  retries: number;
  http?: { domain: string | null; path: string; response?: string; status_codes?: string[]; tls?: boolean };
}

/** A service (listen port -> destination port). k8zner uses TCP services. */
export interface LoadBalancerService {
  protocol: "tcp" | "http" | "https";
  listen_port: number;
  destination_port: number;
  proxyprotocol: boolean;
  health_check: LoadBalancerHealthCheck;
  http?: Record<string, unknown>;
}

/** A target as sent in requests. */
export type LoadBalancerTargetRequest =
  & ({ type: "server"; server: { id: number } } | { type: "label_selector"; label_selector: { selector: string } } | {
    type: "ip";
    ip: { ip: string };
  })
  & { use_private_ip?: boolean };

/** A target as returned, with health per listen port. */
export interface LoadBalancerTarget {
  type: "server" | "label_selector" | "ip";
  server?: { id: number };
  label_selector?: { selector: string };
  ip?: { ip: string };
  use_private_ip?: boolean;
  health_status?: { listen_port: number; status: "healthy" | "unhealthy" | "unknown" }[];
  targets?: LoadBalancerTarget[];
}

/** A load balancer. */
export interface LoadBalancer {
  id: number;
  name: string;
  public_net: {
    enabled: boolean;
    ipv4: { ip: string | null; dns_ptr?: string | null };
    ipv6: { ip: string | null; dns_ptr?: string | null };
  };
  private_net: { network: number; ip: string }[];
  location: Location;
  load_balancer_type: { id: number; name: string; prices: LocationPrice[] };
  protection: { delete: boolean };
  labels: Labels;
  created: string;
  services: LoadBalancerService[];
  targets: LoadBalancerTarget[];
  algorithm: { type: "round_robin" | "least_connections" };
}

/** Body of `POST /load_balancers`. */
export interface CreateLoadBalancerRequest {
  name: string;
  load_balancer_type: string;
  location?: string;
  network_zone?: string;
  algorithm?: { type: "round_robin" | "least_connections" };
  services?: LoadBalancerService[];
  targets?: LoadBalancerTargetRequest[];
  labels?: Labels;
  public_interface?: boolean;
  network?: number;
}

/** The load balancer calls. */
export interface LoadBalancersApi {
  /** Never retried blindly: after an ambiguous failure it is looked up by name first. */
  create(
    request: CreateLoadBalancerRequest,
    options?: CallOptions,
  ): Promise<{ loadBalancer: LoadBalancer; actions: Action[]; recovered: boolean }>;
  get(id: number): Promise<LoadBalancer | undefined>;
  findByName(name: string): Promise<LoadBalancer | undefined>;
  list(options?: ListOptions): Promise<Page<LoadBalancer>>;
  listAll(options?: ListOptions): Promise<LoadBalancer[]>;
  delete(id: number): Promise<boolean>;
  /** Not retried after an ambiguous failure (`source_port_already_used` on a repeat). */
  addService(id: number, service: LoadBalancerService): Promise<Action>;
  /** Not retried after an ambiguous failure (`target_already_defined` on a repeat). */
  addTarget(id: number, target: LoadBalancerTargetRequest): Promise<Action>;
  /** Not retried after an ambiguous failure (`load_balancer_already_attached` on a repeat). */
  attachToNetwork(id: number, request: { network: number; ip?: string }): Promise<Action>;
}

/** Creates the load balancer calls over a transport. */
export function createLoadBalancersApi(t: Transport): LoadBalancersApi {
  const action = async (id: number, name: string, body: unknown) =>
    (await t.request<{ action: Action }>("POST", `/load_balancers/${id}/actions/${name}`, { body, idempotent: false }))
      .action;
  const api: LoadBalancersApi = {
    async create(request, options) {
      const outcome = await t.create<{ load_balancer: LoadBalancer; action: Action }, LoadBalancer>(
        "/load_balancers",
        request,
        async () => {
          const found = await api.findByName(request.name);
          return found && hasLabels(found.labels, request.labels) ? found : undefined;
        },
        options,
      );
      if (outcome.recovered) return { loadBalancer: outcome.found, actions: [], recovered: true };
      const r = outcome.response;
      return { loadBalancer: r.load_balancer, actions: r.action ? [r.action] : [], recovered: false };
    },
    get: (id) => t.getOrUndefined<LoadBalancer>(`/load_balancers/${id}`, "load_balancer"),
    async findByName(name) {
      return (await t.listPage<LoadBalancer>("/load_balancers", "load_balancers", { name })).items[0];
    },
    list: (options) => t.listPage<LoadBalancer>("/load_balancers", "load_balancers", options),
    listAll: (options) => t.listAll<LoadBalancer>("/load_balancers", "load_balancers", options),
    delete: (id) => deleteIfExists(t, `/load_balancers/${id}`),
    addService: (id, service) => action(id, "add_service", service),
    addTarget: (id, target) => action(id, "add_target", target),
    attachToNetwork: (id, request) => action(id, "attach_to_network", request),
  };
  return api;
}
