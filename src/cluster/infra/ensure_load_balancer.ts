/**
 * `ensureLoadBalancer()`: the Kubernetes API load balancer. Created with its services (a private one,
 * ADR 0003, gets them after its public interface is off), then
 * attached to the cluster network with its planned private IP (the create call could only take a
 * network without an IP, which would give it the first free address of the control-plane subnet),
 * then given its label-selector target on the control planes over private IPs (which needs the
 * network). On an existing one only what differs is changed; every action locks the load balancer,
 * so they run one after another.
 *
 * @module
 */
import type { DesiredState } from "../../config/mod.ts";
import type {
  Action,
  LoadBalancer,
  LoadBalancerService,
  LoadBalancerTargetRequest,
  Network,
} from "../../hcloud/mod.ts";
import { UserFacingError } from "../../lib/errors.ts";
import type { TaskHandle } from "../../lib/progress.ts";
import type { ClusterDeps } from "./deps.ts";
import { diffLoadBalancer } from "./diff_load_balancer.ts";
import { assertNoConflicts, mutate, runTask } from "./ensure_common.ts";
import type { ObservedCluster } from "./observed.ts";

/** Makes the API load balancer match the plan; returns it. No request is sent when it already does. */
export function ensureLoadBalancer(
  deps: ClusterDeps,
  desired: DesiredState,
  observed: ObservedCluster,
  network: Network,
  task: TaskHandle,
): Promise<LoadBalancer> {
  return runTask(task, async () => {
    assertNoConflicts(observed, ["load_balancer"]);
    const plan = desired.loadBalancer;
    // The diff sees the network as ensured in this run (it may have been created just now).
    const diff = diffLoadBalancer(desired, {
      ...observed,
      networks: [network, ...observed.networks.filter((n) => n.id !== network.id)],
    });
    const step = async (request: () => Promise<Action | undefined>, alreadyDone: string[] = []) => {
      const action = await mutate(deps, request, alreadyDone);
      if (action) await deps.actions.wait([action]);
    };
    const lbs = deps.hc.loadBalancers;
    if (diff.state === "missing") {
      const { targets: _targets, services, ...body } = structuredClone(plan.request);
      // A private load balancer is created public without services (it forwards nothing), attached
      // with its planned IP, and only then loses its public interface and gets its services: Hetzner
      // creates a private one only with a network, and that network could not take the planned IP.
      const { loadBalancer, actions } = await lbs.create(
        plan.request.public_interface ? { ...body, services } : { ...body, public_interface: true },
      );
      await deps.actions.wait(actions);
      await step(() => lbs.attachToNetwork(loadBalancer.id, { network: network.id, ip: plan.privateIp }));
      if (!plan.request.public_interface) {
        await step(() => setPublicInterface(deps, loadBalancer.id, false));
        for (const service of services) await step(() => lbs.addService(loadBalancer.id, service));
      }
      for (const target of plan.request.targets) await step(() => lbs.addTarget(loadBalancer.id, target));
      return {
        result: asEnsured(loadBalancer, plan.request.public_interface, network.id, plan.privateIp),
        changed: true,
        detail: plan.request.public_interface
          ? `created, public ${loadBalancer.public_net.ipv4.ip ?? "IPv4 pending"}, private ${plan.privateIp}`
          : `created without public interface, private ${plan.privateIp}`,
      };
    }
    if (diff.ipMismatch !== undefined) {
      throw new UserFacingError(
        `Cannot use load balancer "${plan.request.name}": its private IP is ${diff.ipMismatch}, k8zner plans ${plan.privateIp}`,
        { hint: "Detach it from the network in the Hetzner console; the next apply attaches it with the planned IP." },
      );
    }
    if (diff.accessConflict) {
      throw new UserFacingError(
        `Cannot make load balancer "${plan.request.name}" ${
          plan.request.public_interface ? "public" : "private"
        }: the cluster endpoint is in every node's machine config`,
        {
          hint:
            "Keep api_load_balancer as the cluster was created with: the endpoint is in every node's machine config.",
        },
      );
    }
    const id = diff.loadBalancer.id;
    const done: string[] = [];
    // Network and private-IP targets first: disabling the public interface needs both.
    if (diff.attach) {
      await step(
        () => lbs.attachToNetwork(id, { network: network.id, ip: plan.privateIp }),
        ["load_balancer_already_attached"],
      );
      done.push(`attached with ${plan.privateIp}`);
    }
    for (const target of diff.replacedTargets) {
      await step(() => removeTarget(deps, id, target), ["not_found"]);
      await step(() => lbs.addTarget(id, target));
      done.push("target uses private IPs");
    }
    if (diff.publicInterface === "disable") {
      await step(() => setPublicInterface(deps, id, false));
      done.push("public interface disabled");
    }
    for (const service of diff.changedServices) {
      await step(() => deleteService(deps, id, service.listen_port));
      await step(() => lbs.addService(id, service));
      done.push(`replaced service ${service.listen_port}`);
    }
    for (const port of diff.extraServicePorts) {
      await step(() => deleteService(deps, id, port), ["not_found"]);
      done.push(`deleted service ${port}`);
    }
    for (const service of diff.missingServices) {
      await step(() => lbs.addService(id, service), ["source_port_already_used"]);
      done.push(`added service ${service.listen_port}`);
    }
    for (const target of diff.missingTargets) {
      await step(() => lbs.addTarget(id, target), ["target_already_defined"]);
      done.push("added target");
    }
    if (diff.publicInterface === "enable") {
      await step(() => setPublicInterface(deps, id, true));
      done.push("public interface enabled");
    }
    return {
      result: asEnsured(diff.loadBalancer, plan.request.public_interface, network.id, plan.privateIp),
      changed: done.length > 0,
      detail: done.join(", ") || "as planned",
    };
  });
}

/**
 * The load balancer as the finished actions left it: the objects returned before them (by the create
 * or the discovery) still show the public interface and network attachment from before. The rest of
 * the run and the operator (through apply's hand-over record) read both: the endpoint is the public
 * IPv4 only while the public interface is on. Pure.
 */
export function asEnsured(
  loadBalancer: LoadBalancer,
  publicInterface: boolean,
  networkId: number,
  privateIp: string,
): LoadBalancer {
  const others = loadBalancer.private_net.filter((n) => n.network !== networkId);
  return {
    ...loadBalancer,
    public_net: { ...loadBalancer.public_net, enabled: publicInterface },
    private_net: [{ network: networkId, ip: privateIp }, ...others],
  };
}

/** `delete_service` (the client has no call for it: only a changed or unplanned service needs it). */
async function deleteService(deps: ClusterDeps, id: number, listenPort: LoadBalancerService["listen_port"]) {
  return (await deps.hc.request<{ action: Action }>("POST", `/load_balancers/${id}/actions/delete_service`, {
    body: { listen_port: listenPort },
    idempotent: false,
  })).action;
}

/** `enable_public_interface` / `disable_public_interface` (only `api_load_balancer` switches need them). */
async function setPublicInterface(deps: ClusterDeps, id: number, enabled: boolean) {
  const command = enabled ? "enable_public_interface" : "disable_public_interface";
  return (await deps.hc.request<{ action: Action }>("POST", `/load_balancers/${id}/actions/${command}`, {
    idempotent: false,
  })).action;
}

/** `remove_target` (the client has no call for it: only a target with the wrong settings needs it). */
async function removeTarget(deps: ClusterDeps, id: number, target: LoadBalancerTargetRequest) {
  return (await deps.hc.request<{ action: Action }>("POST", `/load_balancers/${id}/actions/remove_target`, {
    body: target,
    idempotent: false,
  })).action;
}
