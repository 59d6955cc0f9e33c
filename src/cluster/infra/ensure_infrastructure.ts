/**
 * `ensureInfrastructure()`: network, firewall, API load balancer, placement groups and the SSH
 * key, each idempotent, independent ones in parallel (the load balancer waits for the network).
 * A failure in one step lets the others finish, then reports every failure; nothing is torn down
 * (ADR 0002: the next run resumes).
 *
 * @module
 */
import type { DesiredState } from "../../config/mod.ts";
import type { Firewall, LoadBalancer, Network, PlacementGroup, SshKey } from "../../hcloud/mod.ts";
import type { ProgressSink } from "../../lib/progress.ts";
import type { ClusterDeps } from "./deps.ts";
import { assertNoConflicts } from "./ensure_common.ts";
import { ensureFirewall } from "./ensure_firewall.ts";
import { ensureLoadBalancer } from "./ensure_load_balancer.ts";
import { ensureNetwork } from "./ensure_network.ts";
import { ensurePlacementGroups } from "./ensure_placement_groups.ts";
import { ensureSshKey } from "./ensure_ssh_key.ts";
import type { ObservedCluster } from "./observed.ts";

/** What the servers step needs from the infrastructure. */
export interface InfrastructureResult {
  network: Network;
  firewall: Firewall;
  loadBalancer: LoadBalancer;
  /** The planned placement groups by name. */
  placementGroups: Map<string, PlacementGroup>;
  sshKey: SshKey;
}

/** Options of {@link ensureInfrastructure}. */
export interface EnsureInfrastructureOptions {
  /** The caller's public IPv4, required when `api_allowlist` is empty (`detectCallerIp`). */
  callerIp?: string;
}

/** Makes the infrastructure match the plan. On a converged cluster it sends no request at all. */
export async function ensureInfrastructure(
  deps: ClusterDeps,
  desired: DesiredState,
  observed: ObservedCluster,
  progress: ProgressSink,
  options: EnsureInfrastructureOptions = {},
): Promise<InfrastructureResult> {
  // Every conflict is reported before the first mutating request.
  assertNoConflicts(observed);
  if (desired.firewall.needsCallerIp && options.callerIp === undefined) {
    throw new TypeError("ensureInfrastructure() needs options.callerIp when api_allowlist is empty");
  }
  const tasks = {
    network: progress.task("Network"),
    firewall: progress.task("Firewall"),
    loadBalancer: progress.task("API load balancer"),
    placementGroups: progress.task("Placement groups"),
    sshKey: progress.task("SSH key"),
  };
  const network = ensureNetwork(deps, desired, observed, tasks.network);
  const results = await Promise.allSettled(
    [
      network,
      ensureFirewall(deps, desired, observed, options.callerIp, tasks.firewall),
      network.then(
        (n) => ensureLoadBalancer(deps, desired, observed, n, tasks.loadBalancer),
        (err) => {
          tasks.loadBalancer.skip("the network failed");
          throw err;
        },
      ),
      ensurePlacementGroups(deps, desired, observed, tasks.placementGroups),
      ensureSshKey(deps, desired, observed, tasks.sshKey),
    ] as const,
  );
  const failures = [...new Set(results.filter((r) => r.status === "rejected").map((r) => r.reason))];
  if (failures.length === 1) throw failures[0];
  if (failures.length > 1) {
    throw new AggregateError(failures, failures.map((f) => (f instanceof Error ? f.message : String(f))).join("; "));
  }
  const value = <T>(r: PromiseSettledResult<T>) => (r as PromiseFulfilledResult<T>).value;
  return {
    network: value(results[0]),
    firewall: value(results[1]),
    loadBalancer: value(results[2]),
    placementGroups: value(results[3]),
    sshKey: value(results[4]),
  };
}
