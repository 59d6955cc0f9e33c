/**
 * The network's difference between desired and observed: create it, or add missing subnets
 * (compared by range). A different IP range cannot be changed in place: a conflict.
 *
 * @module
 */
import type { DesiredState } from "../../config/mod.ts";
import type { AddSubnetRequest, Network } from "../../hcloud/mod.ts";
import type { Change } from "./change.ts";
import { byName, type ObservedCluster } from "./observed.ts";

/** What to do about the network. */
export type NetworkDiff =
  | { state: "missing" }
  | { state: "present"; network: Network; missingSubnets: AddSubnetRequest[]; rangeMismatch: boolean };

/** Compares the desired network with the one found. Pure. */
export function diffNetwork(desired: DesiredState, observed: ObservedCluster): NetworkDiff {
  const request = desired.network.request;
  const network = byName(observed.networks, request.name);
  if (!network) return { state: "missing" };
  const ranges = new Set(network.subnets.map((s) => s.ip_range));
  return {
    state: "present",
    network,
    rangeMismatch: network.ip_range !== request.ip_range,
    missingSubnets: request.subnets.filter((s) => !ranges.has(s.ip_range)).map((s) => ({ ...s })),
  };
}

/** The plan lines of a network diff. */
export function networkChanges(desired: DesiredState, diff: NetworkDiff): Change[] {
  const request = desired.network.request;
  if (diff.state === "missing") {
    return [{
      action: "create",
      kind: "network",
      name: request.name,
      detail: `${request.ip_range} with subnets ${request.subnets.map((s) => s.ip_range).join(", ")}`,
    }];
  }
  const changes: Change[] = [];
  if (diff.rangeMismatch) {
    changes.push({
      action: "conflict",
      kind: "network",
      name: request.name,
      detail: `IP range is ${diff.network.ip_range}, k8zner plans ${request.ip_range}; a range cannot change in place`,
    });
  }
  if (diff.missingSubnets.length > 0) {
    changes.push({
      action: "update",
      kind: "network",
      name: request.name,
      detail: `add subnet${diff.missingSubnets.length > 1 ? "s" : ""} ${
        diff.missingSubnets.map((s) => s.ip_range).join(", ")
      }`,
    });
  }
  return changes;
}
