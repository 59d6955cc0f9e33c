/**
 * Where the CLI reaches the Kubernetes API (ADR 0003). With `api_load_balancer: public` that is the
 * cluster endpoint itself, the load balancer's public IPv4. With `private` the endpoint (the load
 * balancer's private IP) is unreachable from outside the network, so the kubeconfig names a control
 * plane's public IPv4 instead: the firewall lets `api_allowlist` reach 6443 there, and the control
 * plane's API server certificate carries its own addresses.
 *
 * @module
 */
import { parseDocument } from "yaml";
import { type DesiredState, KUBE_API_PORT } from "../config/mod.ts";

/** The API URL the CLI's kubeconfig uses. */
export function cliApiServerUrl(
  desired: DesiredState,
  addresses: { lbPublicIpv4: string | null; controlPlaneIpv4: string },
): string {
  const host = desired.loadBalancer.access === "private" ? addresses.controlPlaneIpv4 : addresses.lbPublicIpv4;
  if (!host) throw new TypeError("Cannot reach the Kubernetes API: the load balancer has no public IPv4");
  return `https://${host}:${KUBE_API_PORT}`;
}

/** The kubeconfig with its current context's cluster pointed at `server` (everything else kept). Pure. */
export function withKubeconfigServer(kubeconfigYaml: string, server: string): string {
  const doc = parseDocument(kubeconfigYaml);
  const config = doc.toJS() as Record<string, unknown> | null;
  const contexts = Array.isArray(config?.contexts) ? config.contexts : [];
  const current = contexts.find((c) => c?.name === config?.["current-context"]);
  const clusterName = current?.context?.cluster;
  const clusters = Array.isArray(config?.clusters) ? config.clusters : [];
  const index = clusters.findIndex((c) => c?.name === clusterName);
  if (index < 0) {
    throw new TypeError("Cannot point the kubeconfig at the API: it has no cluster for its current context");
  }
  doc.setIn(["clusters", index, "cluster", "server"], server);
  return doc.toString({ lineWidth: 0 });
}
