/**
 * Where the client configs point, chosen from what one discovery pass found (re-discovered every run,
 * never remembered): the kubeconfig's API server URL, the talosconfig's endpoints and default nodes.
 * `apply` and `k8zner kubeconfig` rewrite the files whenever these differ from what the files say, so
 * credentials follow the live cluster after `destroy`/`apply` or a control-plane replacement.
 *
 * Every choice lives here, in pure functions, so a new topology changes one function: e.g. a private
 * API load balancer (ADR 0003) makes {@linkcode kubeApiServerUrl} pick a control plane's public IP.
 *
 * @module
 */
import { type DesiredState, KUBE_API_PORT } from "../../config/mod.ts";
import type { LoadBalancer, Server } from "../../hcloud/mod.ts";
import { LABEL_KEYS } from "../../lib/labels.ts";
import type { ObservedCluster } from "../infra/observed.ts";

/** The live facts the choices are made from. */
export interface LiveEndpoints {
  /** The cluster's API load balancer (`<cluster>-kube`, role `kube-api`), when it exists. */
  apiLoadBalancer?: LoadBalancer;
  /** The cluster's control-plane servers (role `control-plane`), in name order. */
  controlPlanes: readonly Server[];
}

/** Picks the API load balancer and the control planes out of a discovery pass by their role labels. */
export function liveEndpointsOf(observed: Pick<ObservedCluster, "loadBalancers" | "servers">): LiveEndpoints {
  const apiLoadBalancer = observed.loadBalancers.find((lb) => lb.labels?.[LABEL_KEYS.role] === "kube-api");
  const controlPlanes = observed.servers
    .filter((s) => s.labels?.[LABEL_KEYS.role] === "control-plane")
    .sort((a, b) => a.name.localeCompare(b.name, "en", { numeric: true }));
  return apiLoadBalancer ? { apiLoadBalancer, controlPlanes } : { controlPlanes };
}

/** How the API load balancer is reached (`api_load_balancer` in k8zner.yaml, ADR 0003). */
export type ApiAccess = DesiredState["loadBalancer"]["access"];

/**
 * The Kubernetes API server URL the CLI's kubeconfig names, on 6443. With a `public` API load
 * balancer, its public IPv4 (the cluster endpoint every certificate carries). With a `private` one,
 * which has no public interface, the first control plane's public IPv4: the firewall lets
 * `api_allowlist` reach 6443 there, and Talos puts the node's own addresses into its API server
 * certificate. Undefined when the live cluster offers no such address (nothing to point at yet).
 */
export function kubeApiServerUrl(live: LiveEndpoints, access: ApiAccess): string | undefined {
  const lb = live.apiLoadBalancer;
  const host = access === "private"
    ? talosEndpoints(live)[0]
    : lb?.public_net.enabled !== false
    ? lb?.public_net.ipv4.ip
    : undefined;
  return host ? `https://${host}:${KUBE_API_PORT}` : undefined;
}

/**
 * The talosconfig's `endpoints`: every control plane's public IPv4, in name order. Never the load
 * balancer: the Talos API is reached on the nodes themselves (talosctl adds port 50000, fails over
 * between endpoints, and each endpoint proxies to the `nodes` it is asked about).
 */
export function talosEndpoints(live: LiveEndpoints): string[] {
  return live.controlPlanes.map((s) => s.public_net.ipv4?.ip).filter((ip): ip is string => !!ip);
}

/**
 * The talosconfig's default `nodes`: the first control plane, by its private IP, like
 * `talosctl config node <control plane>` after `talosctl gen config`. One node, because talosctl
 * refuses several for `kubeconfig`, `bootstrap` and `etcd snapshot`; the private IP, because any
 * endpoint reaches it over the private network, which the firewall does not filter (another node's
 * public 50000 is open to the allowlist only). `talosctl -n` still picks any other node.
 */
export function talosNodes(live: LiveEndpoints): string[] {
  const first = live.controlPlanes.find((s) => s.private_net.some((p) => p.ip));
  const ip = first?.private_net.find((p) => p.ip)?.ip;
  return ip ? [ip] : [];
}
