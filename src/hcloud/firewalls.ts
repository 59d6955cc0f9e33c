/**
 * Firewalls: create, replace rules, apply to / remove from resources (servers or a label selector).
 *
 * @module
 */
import { hasLabels } from "./labels.ts";
import { deleteIfExists, type Transport } from "./transport.ts";
import type { Action, CallOptions, Labels, ListOptions, Page } from "./types.ts";

/** One firewall rule. */
export interface FirewallRule {
  direction: "in" | "out";
  protocol: "tcp" | "udp" | "icmp" | "esp" | "gre";
  port?: string;
  source_ips?: string[];
  destination_ips?: string[];
  description?: string | null;
}

/** What a firewall applies to: one server, or every server matching a label selector. */
export type FirewallResource =
  | { type: "server"; server: { id: number } }
  | { type: "label_selector"; label_selector: { selector: string } };

/** A firewall. */
export interface Firewall {
  id: number;
  name: string;
  labels?: Labels;
  created: string;
  rules: (FirewallRule & { port: string | null; source_ips: string[]; destination_ips: string[] })[];
  applied_to: (FirewallResource & {
    applied_to_resources?: { type?: "server"; server?: { id: number } }[];
  })[];
}

/** Body of `POST /firewalls`. */
export interface CreateFirewallRequest {
  name: string;
  labels?: Labels;
  rules?: FirewallRule[];
  apply_to?: FirewallResource[];
}

/** A `label_selector` firewall resource. */
export function labelSelectorResource(selector: string): FirewallResource {
  return { type: "label_selector", label_selector: { selector } };
}

/** A `server` firewall resource. */
export function serverResource(id: number): FirewallResource {
  return { type: "server", server: { id } };
}

/** The firewall calls. */
export interface FirewallsApi {
  /** Never retried blindly: after an ambiguous failure it is looked up by name first. */
  create(
    request: CreateFirewallRequest,
    options?: CallOptions,
  ): Promise<{ firewall: Firewall; actions: Action[]; recovered: boolean }>;
  get(id: number): Promise<Firewall | undefined>;
  findByName(name: string): Promise<Firewall | undefined>;
  list(options?: ListOptions): Promise<Page<Firewall>>;
  listAll(options?: ListOptions): Promise<Firewall[]>;
  /** `DELETE /firewalls/{id}`; false when already gone; `resource_in_use` while still applied. */
  delete(id: number): Promise<boolean>;
  /** Replaces all rules (idempotent, retried). */
  setRules(id: number, rules: FirewallRule[]): Promise<Action[]>;
  /** Applies to resources; not retried after an ambiguous failure (`firewall_already_applied`). */
  applyToResources(id: number, applyTo: FirewallResource[]): Promise<Action[]>;
  /** Removes from resources; not retried after an ambiguous failure. */
  removeFromResources(id: number, removeFrom: FirewallResource[]): Promise<Action[]>;
}

/** Creates the firewall calls over a transport. */
export function createFirewallsApi(t: Transport): FirewallsApi {
  const actions = async (id: number, name: string, body: unknown, idempotent: boolean) =>
    (await t.request<{ actions: Action[] }>("POST", `/firewalls/${id}/actions/${name}`, { body, idempotent })).actions;
  const api: FirewallsApi = {
    async create(request, options) {
      const outcome = await t.create<{ firewall: Firewall; actions?: Action[] }, Firewall>(
        "/firewalls",
        request,
        async () => {
          const found = await api.findByName(request.name);
          return found && hasLabels(found.labels, request.labels) ? found : undefined;
        },
        options,
      );
      if (outcome.recovered) return { firewall: outcome.found, actions: [], recovered: true };
      return { firewall: outcome.response.firewall, actions: outcome.response.actions ?? [], recovered: false };
    },
    get: (id) => t.getOrUndefined<Firewall>(`/firewalls/${id}`, "firewall"),
    async findByName(name) {
      return (await t.listPage<Firewall>("/firewalls", "firewalls", { name })).items[0];
    },
    list: (options) => t.listPage<Firewall>("/firewalls", "firewalls", options),
    listAll: (options) => t.listAll<Firewall>("/firewalls", "firewalls", options),
    delete: (id) => deleteIfExists(t, `/firewalls/${id}`),
    setRules: (id, rules) => actions(id, "set_rules", { rules }, true),
    applyToResources: (id, applyTo) => actions(id, "apply_to_resources", { apply_to: applyTo }, false),
    removeFromResources: (id, removeFrom) => actions(id, "remove_from_resources", { remove_from: removeFrom }, false),
  };
  return api;
}
