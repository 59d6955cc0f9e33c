/**
 * The load balancer settings the Hetzner CCM reads from its environment (internal/config of
 * hetznercloud/hcloud-cloud-controller-manager), resolved from the CCM workload's pod template as the
 * kubelet would resolve them (`secretKeyRef` into `kube-system` Secrets): the token, the network, and
 * the `HCLOUD_LOAD_BALANCERS_*` defaults that Service annotations override.
 *
 * @module
 */
import type { FakeKubeStore, KubeObj } from "../kube_fake/mod.ts";
import { CCM_DEPLOYMENT } from "./cloud_node_controller.ts";
import { ContainerConfigError, resolveContainerEnv } from "./pod_env.ts";

/** What the CCM's load balancer controller runs with. */
export interface CcmConfig {
  token: string;
  /** `HCLOUD_NETWORK`: an ID or a name; unset means no private network. */
  network: string | undefined;
  enabled: boolean;
  location: string | undefined;
  networkZone: string | undefined;
  type: string | undefined;
  usePrivateIp: boolean;
  privateIngress: boolean;
  ipv6: boolean;
  privateSubnetIpRange: string | undefined;
  disablePublicNetwork: boolean | undefined;
  proxyProtocol: boolean | undefined;
  algorithm: string | undefined;
}

/** Go's strconv.ParseBool, which the CCM uses for env vars and annotations; undefined when unparsable. */
export function parseGoBool(text: string | undefined): boolean | undefined {
  if (text === undefined) return undefined;
  if (["1", "t", "T", "TRUE", "true", "True"].includes(text)) return true;
  if (["0", "f", "F", "FALSE", "false", "False"].includes(text)) return false;
  return undefined;
}

/**
 * The CCM's configuration from its DaemonSet or Deployment, or undefined when neither exists or its
 * environment cannot be resolved (a pod that would not start: `CreateContainerConfigError`) or has no token.
 */
export function readCcmConfig(store: FakeKubeStore): CcmConfig | undefined {
  const { name, namespace } = CCM_DEPLOYMENT;
  // Read-only views (no copies): the service controller reads this every pass (100 ms).
  const workload = store.viewObject("apps/v1", "DaemonSet", name, namespace) ??
    store.viewObject("apps/v1", "Deployment", name, namespace);
  const container = (((workload?.spec as { template?: { spec?: { containers?: KubeObj[] } } } | undefined)
    ?.template?.spec?.containers) ?? [])[0];
  if (!container) return undefined;
  let env: Record<string, string>;
  try {
    env = resolveContainerEnv(container.env as never, {
      name,
      namespace,
      uid: "",
      nodeName: "",
      podIp: "",
      hostIp: "",
      serviceAccountName: "",
    }, {
      secret: (n) => (store.viewObject("v1", "Secret", n, namespace)?.data as Record<string, string> | undefined),
      configMap: (n) => (store.viewObject("v1", "ConfigMap", n, namespace)?.data as Record<string, string> | undefined),
    });
  } catch (err) {
    if (err instanceof ContainerConfigError) return undefined;
    throw err;
  }
  if (!env.HCLOUD_TOKEN) return undefined;
  const lb = (key: string) => env[`HCLOUD_LOAD_BALANCERS_${key}`] || undefined;
  return {
    token: env.HCLOUD_TOKEN,
    network: env.HCLOUD_NETWORK || undefined,
    enabled: parseGoBool(lb("ENABLED")) ?? true,
    location: lb("LOCATION"),
    networkZone: lb("NETWORK_ZONE"),
    type: lb("TYPE"),
    usePrivateIp: parseGoBool(lb("USE_PRIVATE_IP")) ?? false,
    privateIngress: !(parseGoBool(lb("DISABLE_PRIVATE_INGRESS")) ?? false),
    ipv6: !(parseGoBool(lb("DISABLE_IPV6")) ?? false),
    privateSubnetIpRange: lb("PRIVATE_SUBNET_IP_RANGE"),
    disablePublicNetwork: parseGoBool(lb("DISABLE_PUBLIC_NETWORK")),
    proxyProtocol: parseGoBool(lb("USES_PROXYPROTOCOL")),
    algorithm: lb("ALGORITHM_TYPE"),
  };
}
