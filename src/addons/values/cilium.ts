/**
 * Values of the Cilium chart (the CNI phase). What Talos needs (its "Deploying Cilium CNI" guide): IPAM
 * `kubernetes` (the pod ranges come from the Node objects: Talos gives kube-controller-manager our pod CIDR
 * as `--cluster-cidr` through `cluster.network.podSubnets`), the cgroup v2 and bpffs mounts Talos already
 * provides, no `SYS_MODULE` (Talos lets no workload load kernel modules), kube-proxy replacement (Talos
 * runs no kube-proxy: `cluster.proxy.disabled`), and the API server through KubePrism on every node, so the
 * agent needs neither a Service (nothing routes one before Cilium) nor a load balancer.
 *
 * Interfaces are deliberately not named (`devices`, `nodePort.directRoutingDevice`): our Talos config sets
 * no interface, so their names are whatever the kernel and Talos pick on each server type (the earlier
 * implementation configured `eth0` in Talos but `enp+`/`enp1s0` in Cilium, inventory §10.12). Cilium then
 * detects the devices with global addresses and takes the one carrying the Node's InternalIP (the private
 * network) as the direct-routing device.
 *
 * @module
 */
import type { DesiredState } from "../../config/mod.ts";
import { KUBEPRISM_PORT } from "../../talos/machine_config.ts";
import { sortKeysDeep } from "../sort_keys.ts";
import { bootstrapTolerations, CONTROL_PLANE_NODE_SELECTOR, podNetworkTolerations } from "./scheduling.ts";

/** KubePrism listens on the node's loopback; Talos puts 127.0.0.1 in the API server certificate. */
export const KUBEPRISM_HOST = "127.0.0.1";

/** The chart's default agent capabilities without `SYS_MODULE` (refused on Talos). */
const AGENT_CAPABILITIES = [
  "CHOWN",
  "KILL",
  "NET_ADMIN",
  "NET_RAW",
  "IPC_LOCK",
  "SYS_ADMIN",
  "SYS_RESOURCE",
  "DAC_OVERRIDE",
  "FOWNER",
  "SETGID",
  "SETUID",
  "SYSLOG",
];
const CLEAN_STATE_CAPABILITIES = ["NET_ADMIN", "SYS_ADMIN", "SYS_RESOURCE"];

/** Values for the `cilium` release. Pure; keys sorted. */
export function renderCiliumValues(desired: DesiredState): Record<string, unknown> {
  const cilium = desired.addons.cilium;
  const operatorReplicas = cilium.operatorReplicas;
  return sortKeysDeep({
    k8sServiceHost: KUBEPRISM_HOST,
    k8sServicePort: KUBEPRISM_PORT,
    kubeProxyReplacement: cilium.kubeProxyReplacement,
    // kube-proxy's health endpoint, which cloud load balancers probe for externalTrafficPolicy Local.
    kubeProxyReplacementHealthzBindAddr: "0.0.0.0:10256",
    ipam: { mode: "kubernetes" },
    // Start only once kube-controller-manager has given the Node its slice of the pod CIDR.
    k8s: { requireIPv4PodCIDR: true },
    routingMode: cilium.routingMode,
    tunnelProtocol: "vxlan",
    // Traffic to pod addresses is never masqueraded. With IPAM `kubernetes` this is the only value that
    // carries our pod range (`ipam.operator.clusterPoolIPv4PodCIDRList` is read in `cluster-pool` mode only).
    ipv4NativeRoutingCIDR: desired.kubernetes.podCidr,
    bpf: { masquerade: true },
    // WireGuard between nodes (inventory §10.4: the earlier implementation promised it but left it off).
    encryption: { enabled: true, type: cilium.encryption },
    cgroup: { autoMount: { enabled: false }, hostRoot: "/sys/fs/cgroup" },
    securityContext: {
      capabilities: { ciliumAgent: AGENT_CAPABILITIES, cleanCiliumState: CLEAN_STATE_CAPABILITIES },
    },
    // The agent keeps the chart's `tolerations: [{operator: Exists}]`: it must run on every node, tainted or not.
    operator: {
      replicas: operatorReplicas,
      // Host network, on the control planes; it runs before any node is Ready. The chart itself adds the
      // toleration of Cilium's startup taint `node.cilium.io/agent-not-ready`.
      nodeSelector: { ...CONTROL_PLANE_NODE_SELECTOR },
      tolerations: bootstrapTolerations(),
      podDisruptionBudget: { enabled: operatorReplicas > 1, maxUnavailable: 1 },
    },
    hubble: {
      enabled: cilium.hubble,
      relay: { enabled: cilium.hubble, tolerations: podNetworkTolerations() },
      ui: { enabled: false },
    },
  });
}
