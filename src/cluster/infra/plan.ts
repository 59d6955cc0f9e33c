/**
 * `planInfrastructure()`: the pure comparison of the desired state with one discovery pass. `plan`
 * prints it, `apply` executes the same diffs through the ensure steps, so both always agree; a
 * converged cluster yields an empty plan and a re-run of `apply` sends only `GET`s.
 *
 * @module
 */
import type { DesiredState } from "../../config/mod.ts";
import type { Change } from "./change.ts";
import { diffFirewall, firewallChanges } from "./diff_firewall.ts";
import { diffLoadBalancer, loadBalancerChanges } from "./diff_load_balancer.ts";
import { diffNetwork, networkChanges } from "./diff_network.ts";
import { diffPlacementGroups, placementGroupChanges } from "./diff_placement_groups.ts";
import { diffServers, serverChanges } from "../nodes/diff_servers.ts";
import { diffSshKey, sshKeyChanges } from "./diff_ssh_key.ts";
import type { Conflict, ObservedCluster } from "./observed.ts";

/** Options of {@link planInfrastructure}. */
export interface PlanOptions {
  /** The caller's public IPv4; required when `api_allowlist` is empty (see `detectCallerIp`). */
  callerIp?: string;
}

/** Everything `apply` would change in the Hetzner project, conflicts first. */
export function planInfrastructure(desired: DesiredState, observed: ObservedCluster, opts: PlanOptions = {}): Change[] {
  return [
    ...observed.conflicts.map(conflictChange),
    ...networkChanges(desired, diffNetwork(desired, observed)),
    ...firewallChanges(desired, diffFirewall(desired, observed, opts.callerIp)),
    ...loadBalancerChanges(desired, diffLoadBalancer(desired, observed)),
    ...placementGroupChanges(diffPlacementGroups(desired, observed)),
    ...sshKeyChanges(desired, diffSshKey(desired, observed)),
    ...serverChanges(diffServers(desired, observed)),
  ];
}

/** The plan line of a same-named foreign object. */
export function conflictChange(c: Conflict): Change {
  return {
    action: "conflict",
    kind: c.kind,
    name: c.name,
    detail: `a ${c.kind.replace("_", " ")} with this name already exists (id ${c.id}), ${c.owner}; ` +
      "k8zner never adopts or deletes it: rename or remove it, or choose another cluster name",
  };
}

/** True when the plan contains something that blocks `apply`. */
export function hasConflicts(changes: readonly Change[]): boolean {
  return changes.some((c) => c.action === "conflict");
}
