/**
 * The machine config of the first control plane, from the desired state and the facts only the
 * cloud knows (the API load balancer's public address, the server's id). Pure.
 *
 * The cluster endpoint is the load balancer's public IPv4: the kubeconfig Talos hands out names it,
 * so the CLI reaches the API through the load balancer from outside, and nodes reach it too. Its
 * private address is a SAN as well, for clients inside the network.
 *
 * @module
 */
import { type DesiredState, KUBE_API_PORT } from "../config/mod.ts";
import { type ClusterConfigInput, renderNodeConfigYaml, VANILLA_SCHEMATIC_ID } from "../talos/machine_config.ts";
import type { SecretsBundle } from "../talos/secrets_bundle.ts";

/** The Image Factory schematic apply boots (no extensions yet). */
export const SCHEMATIC_ID = VANILLA_SCHEMATIC_ID;

/** What every node config of the cluster shares. */
export function renderClusterConfigInput(desired: DesiredState, lbPublicIpv4: string): ClusterConfigInput {
  if (lbPublicIpv4 === "") throw new TypeError("Cannot render the cluster config: the load balancer has no IPv4");
  return {
    clusterName: desired.cluster.name,
    endpoint: `https://${lbPublicIpv4}:${KUBE_API_PORT}`,
    talosVersion: desired.versions.talos,
    kubernetesVersion: desired.versions.kubernetes,
    network: {
      nodeCidr: desired.kubernetes.nodeCidr,
      podCidr: desired.kubernetes.podCidr,
      serviceCidr: desired.kubernetes.serviceCidr,
    },
    certSans: [...new Set([lbPublicIpv4, desired.loadBalancer.privateIp])],
    schematicId: SCHEMATIC_ID,
    allowSchedulingOnControlPlanes: desired.kubernetes.allowSchedulingOnControlPlanes,
    installDisk: desired.talos.installDisk,
    dnsDomain: desired.kubernetes.dnsDomain,
  };
}

/** The first control plane's machine config (a secret: it is only ever sent to the node). */
export function renderFirstControlPlaneConfig(
  bundle: SecretsBundle,
  desired: DesiredState,
  facts: { lbPublicIpv4: string; serverId: number },
): string {
  const plan = desired.servers.find((s) => s.role === "control-plane");
  if (!plan) throw new TypeError("Cannot render the first control plane: the plan has no control plane");
  return renderNodeConfigYaml(bundle, renderClusterConfigInput(desired, facts.lbPublicIpv4), {
    hostname: plan.name,
    serverId: facts.serverId,
    privateIp: plan.privateIp,
    role: "controlplane",
  });
}
