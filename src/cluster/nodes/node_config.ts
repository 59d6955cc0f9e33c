/**
 * The machine config of any planned node (the first control plane apply creates, the control planes
 * and workers the operator adds), from the desired state and the facts only the cloud knows (the API
 * load balancer's public address, the server's id). Pure.
 *
 * With `api_load_balancer: public` the cluster endpoint is the load balancer's public IPv4: the
 * kubeconfig Talos hands out names it, so the CLI reaches the API through the load balancer from
 * outside, and nodes reach it too; its private address is a SAN as well, for clients inside the
 * network. With `private` (ADR 0003) the endpoint is the load balancer's private IP, and the control
 * planes' public IPv4s are SANs: the CLI reaches a control plane there, through the firewall (Talos
 * also adds each node's own addresses to its API server certificate).
 *
 * @module
 */
import { type DesiredState, KUBE_API_PORT } from "../../config/mod.ts";
import { type ClusterConfigInput, renderNodeConfigYaml, VANILLA_SCHEMATIC_ID } from "../../talos/machine_config.ts";
import type { SecretsBundle } from "../../talos/secrets_bundle.ts";

/** The Image Factory schematic apply boots (no extensions yet). */
export const SCHEMATIC_ID = VANILLA_SCHEMATIC_ID;

/** Addresses only the cloud knows, that the API endpoint and certificate depend on. */
export interface ApiAddresses {
  /** The API load balancer's public IPv4 (needed with `public` access only). */
  lbPublicIpv4?: string | null;
  /** The control planes' public IPv4s known now (SANs with `private` access). */
  controlPlaneIpv4s?: string[];
}

/** The host of the cluster endpoint: the load balancer's public IPv4, or its private IP (`private`). */
export function clusterEndpointHost(desired: DesiredState, lbPublicIpv4: string | null | undefined): string {
  if (desired.loadBalancer.access === "private") return desired.loadBalancer.privateIp;
  if (!lbPublicIpv4) throw new TypeError("Cannot render the cluster config: the load balancer has no IPv4");
  return lbPublicIpv4;
}

/** What every node config of the cluster shares. */
export function renderClusterConfigInput(desired: DesiredState, api: ApiAddresses): ClusterConfigInput {
  const host = clusterEndpointHost(desired, api.lbPublicIpv4);
  const sans = desired.loadBalancer.access === "private"
    ? [desired.loadBalancer.privateIp, ...(api.controlPlaneIpv4s ?? [])]
    : [host, desired.loadBalancer.privateIp];
  return {
    clusterName: desired.cluster.name,
    endpoint: `https://${host}:${KUBE_API_PORT}`,
    talosVersion: desired.versions.talos,
    kubernetesVersion: desired.versions.kubernetes,
    network: {
      nodeCidr: desired.kubernetes.nodeCidr,
      podCidr: desired.kubernetes.podCidr,
      serviceCidr: desired.kubernetes.serviceCidr,
    },
    certSans: [...new Set(sans)],
    schematicId: SCHEMATIC_ID,
    allowSchedulingOnControlPlanes: desired.kubernetes.allowSchedulingOnControlPlanes,
    installDisk: desired.talos.installDisk,
    dnsDomain: desired.kubernetes.dnsDomain,
    monitoring: desired.addons.kubePrometheusStack.enabled,
  };
}

/** The machine config of the planned server `name`, for its role (a secret: it is only ever sent to the node). */
export function renderPlannedNodeConfig(
  bundle: SecretsBundle,
  desired: DesiredState,
  name: string,
  facts: ApiAddresses & { serverId: number; kubeletVersion?: string },
): string {
  const plan = desired.servers.find((s) => s.name === name);
  if (!plan) {
    const planned = desired.servers.map((s) => s.name).join(", ");
    throw new TypeError(`Cannot render the machine config of "${name}": not a planned server (planned: ${planned})`);
  }
  // The first control plane, later control planes and workers share the cluster part; only the role
  // and the per-node patch differ. Later control planes join etcd through the cluster endpoint.
  const input = renderClusterConfigInput(desired, facts);
  if (facts.kubeletVersion !== undefined) input.kubeletVersion = facts.kubeletVersion;
  return renderNodeConfigYaml(bundle, input, {
    hostname: plan.name,
    serverId: facts.serverId,
    privateIp: plan.privateIp,
    role: plan.role === "control-plane" ? "controlplane" : "worker",
  });
}

/** The first control plane's machine config (a secret: it is only ever sent to the node). */
export function renderFirstControlPlaneConfig(
  bundle: SecretsBundle,
  desired: DesiredState,
  facts: ApiAddresses & { serverId: number },
): string {
  const plan = desired.servers.find((s) => s.role === "control-plane");
  if (!plan) throw new TypeError("Cannot render the first control plane: the plan has no control plane");
  return renderPlannedNodeConfig(bundle, desired, plan.name, facts);
}
