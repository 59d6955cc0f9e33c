/**
 * Values of the Hetzner Cloud controller manager chart: it initialises Nodes (provider ID, addresses,
 * removes the `uninitialized` taint), runs the load balancer controller, and with networking on attaches
 * Nodes' pod ranges as routes of our network. The token and network ID come from the `hcloud` Secret
 * (cloud_secrets.ts); nothing secret is in these values.
 *
 * @module
 */
import type { DesiredState } from "../../config/mod.ts";
import { KUBEPRISM_PORT } from "../../talos/machine_config.ts";
import { HCLOUD_SECRET } from "../cloud_secrets.ts";
import { sortKeysDeep } from "../sort_keys.ts";
import { KUBEPRISM_HOST } from "./cilium.ts";
import { CONTROL_PLANE_NODE_SELECTOR, TOLERATE_CILIUM_AGENT_NOT_READY, TOLERATE_NOT_READY } from "./scheduling.ts";

/** Values for the `hcloud-cloud-controller-manager` release. Pure; keys sorted. */
export function renderHcloudCcmValues(desired: DesiredState): Record<string, unknown> {
  const ccm = desired.addons.hcloudCcm;
  const fromSecret = (key: string) => ({ valueFrom: { secretKeyRef: { name: HCLOUD_SECRET.name, key } } });
  return sortKeysDeep({
    // One per control plane with host networking: it must run before any Node is initialised, and a
    // Deployment's single replica would leave Nodes uninitialised while its node is replaced.
    kind: "DaemonSet",
    nodeSelector: { ...CONTROL_PLANE_NODE_SELECTOR },
    // The chart's DaemonSet already tolerates the control-plane, uninitialized and not-ready:NoExecute
    // taints; these add not-ready:NoSchedule (host network: it needs no CNI) and Cilium's startup taint.
    additionalTolerations: [{ ...TOLERATE_NOT_READY }, { ...TOLERATE_CILIUM_AGENT_NOT_READY }],
    networking: {
      enabled: true,
      // The range kube-controller-manager allocates Node pod CIDRs from (Talos `podSubnets`); it lies
      // inside our network, as Hetzner routes require.
      clusterCIDR: ccm.clusterCidr,
      network: fromSecret("network"),
    },
    env: {
      HCLOUD_TOKEN: fromSecret("token"),
      HCLOUD_LOAD_BALANCERS_LOCATION: { value: ccm.loadBalancerLocation },
      // Load balancers the CCM creates (the ingress one) take their private IP from our LB subnet.
      HCLOUD_LOAD_BALANCERS_PRIVATE_SUBNET_IP_RANGE: { value: ccm.loadBalancerSubnet },
      // The API server through KubePrism on the node, not the `kubernetes` Service: the CCM runs on the
      // host network and must work whether or not Cilium already serves Services on this node.
      KUBERNETES_SERVICE_HOST: { value: KUBEPRISM_HOST },
      KUBERNETES_SERVICE_PORT: { value: String(KUBEPRISM_PORT) },
    },
  });
}
