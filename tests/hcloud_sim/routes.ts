/**
 * Every route the simulator serves, in one list (also used to check contract coverage).
 *
 * @module
 */
import type { Route } from "./http.ts";
import { catalogRoutes, resourceActionRoutes } from "./resources/catalog_routes.ts";
import { firewallRoutes } from "./resources/firewalls.ts";
import { imageRoutes } from "./resources/images.ts";
import { loadBalancerRoutes } from "./resources/load_balancers.ts";
import { networkRoutes } from "./resources/networks.ts";
import { placementGroupRoutes } from "./resources/placement_groups.ts";
import { primaryIpRoutes } from "./resources/primary_ips.ts";
import { serverActionRoutes } from "./resources/server_actions.ts";
import { serverRoutes } from "./resources/servers.ts";
import { sshKeyRoutes } from "./resources/ssh_keys.ts";
import { volumeRoutes } from "./resources/volumes.ts";

/** All simulated routes. */
export const ROUTES: readonly Route[] = [
  ...serverRoutes,
  ...serverActionRoutes,
  ...networkRoutes,
  ...firewallRoutes,
  ...loadBalancerRoutes,
  ...placementGroupRoutes,
  ...imageRoutes,
  ...sshKeyRoutes,
  ...volumeRoutes,
  ...primaryIpRoutes,
  ...catalogRoutes,
  ...resourceActionRoutes,
];

/** The simulated operations as `METHOD /template` (the OpenAPI document's spelling). */
export function simulatedOperations(): string[] {
  return ROUTES.map((r) => `${r.method} ${r.pattern}`).sort();
}
