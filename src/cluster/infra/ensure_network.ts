/**
 * `ensureNetwork()`: creates the cluster network with its subnets, or adds the subnets it lacks.
 *
 * @module
 */
import type { DesiredState } from "../../config/mod.ts";
import type { Network } from "../../hcloud/mod.ts";
import { UserFacingError } from "../../lib/errors.ts";
import type { TaskHandle } from "../../lib/progress.ts";
import type { ClusterDeps } from "./deps.ts";
import { diffNetwork } from "./diff_network.ts";
import { assertNoConflicts, mutate, runTask } from "./ensure_common.ts";
import type { ObservedCluster } from "./observed.ts";

/** Makes the network match the plan; returns it. No request is sent when it already does. */
export function ensureNetwork(
  deps: ClusterDeps,
  desired: DesiredState,
  observed: ObservedCluster,
  task: TaskHandle,
): Promise<Network> {
  return runTask(task, async () => {
    assertNoConflicts(observed, ["network"]);
    const request = desired.network.request;
    const diff = diffNetwork(desired, observed);
    if (diff.state === "missing") {
      // Subnets in the create body are created with the network, without an action.
      const { network } = await deps.hc.networks.create(structuredClone(request));
      return { result: network, changed: true, detail: `created ${request.ip_range}` };
    }
    if (diff.rangeMismatch) {
      throw new UserFacingError(
        `Cannot use network "${request.name}": its IP range is ${diff.network.ip_range}, k8zner plans ${request.ip_range}`,
        { hint: "A network's range cannot change; destroy the cluster or delete the network by hand." },
      );
    }
    const network = diff.network;
    for (const subnet of diff.missingSubnets) {
      // Each add_subnet locks the network, so one after another.
      const action = await mutate(deps, () => deps.hc.networks.addSubnet(network.id, subnet));
      if (action) await deps.actions.wait([action]);
      network.subnets.push({ ...subnet, gateway: undefined });
    }
    const added = diff.missingSubnets.map((s) => s.ip_range);
    return {
      result: network,
      changed: added.length > 0,
      detail: added.length > 0 ? `added subnets ${added.join(", ")}` : "as planned",
    };
  });
}
