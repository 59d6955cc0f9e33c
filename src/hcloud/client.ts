/**
 * The Hetzner Cloud API client: `createHcloudClient({token, fetch, sleep, …})` gives one object
 * with a namespace per resource (`client.servers.create(…)`), the action waiter and the rate budget.
 *
 * @module
 */
import { type ActionsApi, createActionsApi, type WaitForActionsOptions } from "./actions.ts";
import { createFirewallsApi, type FirewallsApi } from "./firewalls.ts";
import { createImagesApi, type ImagesApi } from "./images.ts";
import { createLoadBalancersApi, type LoadBalancersApi } from "./load_balancers.ts";
import { createLocationsApi, type LocationsApi } from "./locations.ts";
import { createNetworksApi, type NetworksApi } from "./networks.ts";
import { createPlacementGroupsApi, type PlacementGroupsApi } from "./placement_groups.ts";
import { createPricingApi, type PricingApi } from "./pricing.ts";
import { createPrimaryIpsApi, type PrimaryIpsApi } from "./primary_ips.ts";
import type { RateBudget } from "./rate_budget.ts";
import { createServerTypesApi, type ServerTypesApi } from "./server_types.ts";
import { createServersApi, type ServersApi } from "./servers.ts";
import { createSshKeysApi, type SshKeysApi } from "./ssh_keys.ts";
import { createTransport, type RequestOptions, type TransportOptions } from "./transport.ts";
import type { Action } from "./types.ts";
import { createVolumesApi, type VolumesApi } from "./volumes.ts";

/** Options of `createHcloudClient`; see `TransportOptions`. */
export type HcloudClientOptions = TransportOptions;

/** The client. */
export interface HcloudClient {
  /** The API base URL in use. */
  readonly endpoint: string;
  /** The rate budget (numbers for metrics and the request summary). */
  readonly budget: RateBudget;
  /** One raw request with the client's auth, retry policy, budget and trace. */
  request<T>(method: string, path: string, options?: RequestOptions): Promise<T>;
  /** Waits for actions; see `ActionsApi.waitFor`. */
  waitForActions(ids: readonly number[], options?: WaitForActionsOptions): Promise<Action[]>;
  readonly actions: ActionsApi;
  readonly servers: ServersApi;
  readonly networks: NetworksApi;
  readonly firewalls: FirewallsApi;
  readonly loadBalancers: LoadBalancersApi;
  readonly placementGroups: PlacementGroupsApi;
  readonly images: ImagesApi;
  readonly sshKeys: SshKeysApi;
  readonly volumes: VolumesApi;
  readonly primaryIps: PrimaryIpsApi;
  readonly serverTypes: ServerTypesApi;
  readonly locations: LocationsApi;
  readonly pricing: PricingApi;
}

/**
 * Creates a client. Throws a `UserFacingError` (exit 1) when the token is missing or malformed;
 * the token never appears in errors, logs or traces.
 */
export function createHcloudClient(options: HcloudClientOptions): HcloudClient {
  const t = createTransport(options);
  const actions = createActionsApi(t);
  return {
    endpoint: t.endpoint,
    budget: t.budget,
    request: t.request,
    waitForActions: actions.waitFor,
    actions,
    servers: createServersApi(t),
    networks: createNetworksApi(t),
    firewalls: createFirewallsApi(t),
    loadBalancers: createLoadBalancersApi(t),
    placementGroups: createPlacementGroupsApi(t),
    images: createImagesApi(t),
    sshKeys: createSshKeysApi(t),
    volumes: createVolumesApi(t),
    primaryIps: createPrimaryIpsApi(t),
    serverTypes: createServerTypesApi(t),
    locations: createLocationsApi(t),
    pricing: createPricingApi(t),
  };
}
