/**
 * The Hetzner Cloud client's public face. Import from here, not from the files behind it.
 *
 * @module
 */
export { createHcloudClient, type HcloudClient, type HcloudClientOptions } from "./client.ts";
export { ActionError, HcloudError, isHcloudError } from "./errors.ts";
export { ACTIONS_PER_REQUEST, type ActionsApi, type WaitForActionsOptions } from "./actions.ts";
export {
  createRateBudget,
  parseRateLimitHeaders,
  type RateBudget,
  type RateBudgetOptions,
  type RateBudgetSnapshot,
} from "./rate_budget.ts";
export {
  createTraceWriter,
  redactSecrets,
  renderTraceHuman,
  renderTraceLine,
  type TraceEntry,
  type TraceSinks,
  type TraceWriter,
} from "./trace.ts";
export {
  DEFAULT_RETRY,
  isRetryable,
  mayHaveSucceeded,
  RETRYABLE_CODES,
  retryBudget,
  type RetryEvent,
  type RetryOptions,
} from "./retry.ts";
export {
  DEFAULT_ENDPOINT,
  encodeQuery,
  type Query,
  type RequestOptions,
  tokenCharacterProblem,
  type TransportOptions,
} from "./transport.ts";
export { hasLabels, selectorFor } from "./labels.ts";
export type * from "./types.ts";
export type { CreateServerRequest, CreateServerResult, Server, ServerListOptions, ServersApi } from "./servers.ts";
export type { AddSubnetRequest, CreateNetworkRequest, Network, NetworksApi, Subnet } from "./networks.ts";
export {
  type CreateFirewallRequest,
  type Firewall,
  type FirewallResource,
  type FirewallRule,
  type FirewallsApi,
  labelSelectorResource,
  serverResource,
} from "./firewalls.ts";
export type {
  CreateLoadBalancerRequest,
  LoadBalancer,
  LoadBalancerHealthCheck,
  LoadBalancersApi,
  LoadBalancerService,
  LoadBalancerTarget,
  LoadBalancerTargetRequest,
} from "./load_balancers.ts";
export type { CreatePlacementGroupRequest, PlacementGroup, PlacementGroupsApi } from "./placement_groups.ts";
export type { Image, ImageListOptions, ImagesApi } from "./images.ts";
export type { SshKey, SshKeysApi } from "./ssh_keys.ts";
export type { Volume, VolumesApi } from "./volumes.ts";
export type { PrimaryIp, PrimaryIpsApi } from "./primary_ips.ts";
export type { ServerType, ServerTypesApi } from "./server_types.ts";
export type { LocationsApi } from "./locations.ts";
export type { Pricing, PricingApi } from "./pricing.ts";
