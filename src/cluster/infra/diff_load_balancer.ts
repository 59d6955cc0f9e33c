/**
 * The API load balancer's difference: services compared by listen port and then by destination,
 * protocol and health check, and services on ports the plan does not have removed (an older k8zner
 * forwarded the Talos API, 50000, which must not stay reachable through the load balancer); targets by label selector (with `use_private_ip`); the private
 * network attachment and its planned IP.
 *
 * @module
 */
import type { DesiredState } from "../../config/mod.ts";
import type {
  LoadBalancer,
  LoadBalancerHealthCheck,
  LoadBalancerService,
  LoadBalancerTargetRequest,
} from "../../hcloud/mod.ts";
import type { Change } from "./change.ts";
import { byName, type ObservedCluster } from "./observed.ts";

/** What to do about the load balancer. */
export type LoadBalancerDiff =
  | { state: "missing" }
  | {
    state: "present";
    loadBalancer: LoadBalancer;
    missingServices: LoadBalancerService[];
    /** Services on the right port with other settings: replaced (delete, then add). */
    changedServices: LoadBalancerService[];
    /** Listen ports of services the plan does not have: deleted. */
    extraServicePorts: number[];
    /**
     * The public interface to switch when it differs from the plan. Only a load balancer without services
     * (an interrupted create) is switched; on a working one it is {@link LoadBalancerDiff} `accessConflict`.
     */
    publicInterface: "enable" | "disable" | undefined;
    /**
     * True when `api_load_balancer` differs from a load balancer already serving: the cluster endpoint is in
     * every node's machine config, so switching would cut the nodes off (ADR 0003).
     */
    accessConflict: boolean;
    /** True when not attached to the cluster network (attach with the planned IP). */
    attach: boolean;
    /** The private IP it has in the cluster network when that is not the planned one. */
    ipMismatch: string | undefined;
    missingTargets: LoadBalancerTargetRequest[];
    /** Existing selector targets with the wrong `use_private_ip`: removed, then added again. */
    replacedTargets: LoadBalancerTargetRequest[];
  };

function sameHealthCheck(a: LoadBalancerHealthCheck, b: LoadBalancerHealthCheck): boolean {
  if (a.protocol !== b.protocol || a.port !== b.port) return false;
  if (a.interval !== b.interval || a.timeout !== b.timeout || a.retries !== b.retries) return false;
  if (a.protocol !== "http") return true;
  const ha = a.http, hb = b.http;
  const codes = (c: string[] | undefined) => [...(c ?? [])].sort().join(",");
  return ha?.path === hb?.path && (ha?.domain ?? null) === (hb?.domain ?? null) &&
    Boolean(ha?.tls) === Boolean(hb?.tls) && codes(ha?.status_codes) === codes(hb?.status_codes);
}

/** True when a found service is what k8zner wants on its listen port. */
export function sameService(found: LoadBalancerService, wanted: LoadBalancerService): boolean {
  return found.protocol === wanted.protocol && found.destination_port === wanted.destination_port &&
    Boolean(found.proxyprotocol) === Boolean(wanted.proxyprotocol) &&
    sameHealthCheck(found.health_check, wanted.health_check);
}

/** Compares the desired API load balancer with the one found. Pure. */
export function diffLoadBalancer(desired: DesiredState, observed: ObservedCluster): LoadBalancerDiff {
  const plan = desired.loadBalancer;
  const lb = byName(observed.loadBalancers, plan.request.name);
  if (!lb) return { state: "missing" };
  const missingServices: LoadBalancerService[] = [];
  const changedServices: LoadBalancerService[] = [];
  for (const wanted of plan.request.services) {
    const found = lb.services.find((s) => s.listen_port === wanted.listen_port);
    if (!found) missingServices.push(structuredClone(wanted));
    else if (!sameService(found, wanted)) changedServices.push(structuredClone(wanted));
  }
  const planned = new Set(plan.request.services.map((s) => s.listen_port));
  const extraServicePorts = lb.services.map((s) => s.listen_port).filter((p) => !planned.has(p));
  const network = byName(observed.networks, plan.network);
  const attachment = network ? lb.private_net.find((p) => p.network === network.id) : undefined;
  const missingTargets: LoadBalancerTargetRequest[] = [];
  const replacedTargets: LoadBalancerTargetRequest[] = [];
  for (const wanted of plan.request.targets) {
    const found = lb.targets.find((t) =>
      t.type === "label_selector" && t.label_selector?.selector === wanted.label_selector.selector
    );
    if (!found) missingTargets.push(structuredClone(wanted));
    else if (Boolean(found.use_private_ip) !== wanted.use_private_ip) replacedTargets.push(structuredClone(wanted));
  }
  return {
    state: "present",
    loadBalancer: lb,
    missingServices,
    changedServices,
    extraServicePorts,
    publicInterface: lb.public_net.enabled === plan.request.public_interface || lb.services.length > 0
      ? undefined
      : plan.request.public_interface
      ? "enable"
      : "disable",
    accessConflict: lb.public_net.enabled !== plan.request.public_interface && lb.services.length > 0,
    attach: attachment === undefined,
    ipMismatch: attachment && attachment.ip !== plan.privateIp ? attachment.ip : undefined,
    missingTargets,
    replacedTargets,
  };
}

const ports = (services: LoadBalancerService[]) => services.map((s) => s.listen_port).join(", ");

/** The plan lines of a load balancer diff. */
export function loadBalancerChanges(desired: DesiredState, diff: LoadBalancerDiff): Change[] {
  const plan = desired.loadBalancer;
  const name = plan.request.name;
  if (diff.state === "missing") {
    return [{
      action: "create",
      kind: "load_balancer",
      name,
      detail: `${plan.request.load_balancer_type} in ${plan.request.location}, tcp ${ports(plan.request.services)}, ${
        plan.request.public_interface ? "" : "no public interface, "
      }private IP ${plan.privateIp}, targets ${plan.request.targets.map((t) => t.label_selector.selector).join(", ")}`,
    }];
  }
  const changes: Change[] = [];
  const update = (detail: string) => changes.push({ action: "update", kind: "load_balancer", name, detail });
  if (diff.ipMismatch !== undefined) {
    changes.push({
      action: "conflict",
      kind: "load_balancer",
      name,
      detail: `has private IP ${diff.ipMismatch} in network ${plan.network}, k8zner plans ${plan.privateIp}`,
    });
  }
  if (diff.missingServices.length > 0) update(`add service tcp ${ports(diff.missingServices)}`);
  if (diff.changedServices.length > 0) {
    update(`replace service tcp ${ports(diff.changedServices)} (health check or ports differ)`);
  }
  if (diff.accessConflict) {
    changes.push({
      action: "conflict",
      kind: "load_balancer",
      name,
      detail: `is ${plan.request.public_interface ? "private" : "public"}, the config says api_load_balancer: ${
        plan.request.public_interface ? "public" : "private"
      }; it cannot change on an existing cluster (the endpoint is in every node's config)`,
    });
  }
  if (diff.publicInterface === "disable") update("disable the public interface (finishing a private create)");
  if (diff.publicInterface === "enable") update("enable the public interface");
  if (diff.extraServicePorts.length > 0) {
    update(`delete service tcp ${diff.extraServicePorts.join(", ")} (not planned)`);
  }
  if (diff.attach) update(`attach to network ${plan.network} with IP ${plan.privateIp}`);
  for (const t of diff.missingTargets) {
    update(`add target ${t.type === "label_selector" ? t.label_selector.selector : t.type}`);
  }
  for (const t of diff.replacedTargets) {
    update(`use private IPs for target ${t.type === "label_selector" ? t.label_selector.selector : t.type}`);
  }
  return changes;
}
