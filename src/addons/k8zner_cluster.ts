/**
 * The `K8znerCluster` object: its spec rendered from the expanded config (what `apply` writes and
 * the operator reconciles), with the bootstrap facts the CLI records in its status.
 *
 * @module
 */
import type { DesiredState } from "../config/desired_state.ts";
import type { ApiLoadBalancerMode, Mode, Region, ServerSize } from "../config/spec.ts";
import { LABEL_KEYS, MANAGED_BY } from "../lib/labels.ts";
import type { KubeObject } from "../kube/types.ts";
import { type DeletionPolicy, K8ZNER_API_VERSION, K8ZNER_CLUSTER_KIND, K8ZNER_NAMESPACE } from "./k8zner_crd.ts";
import { sortKeysDeep } from "./sort_keys.ts";

/**
 * Secret with the cloud API tokens (`hcloud-token`, optional `cf-api-token`), in {@link K8ZNER_NAMESPACE}.
 * Kept apart from the Talos credentials so each can be granted, rotated and audited on its own.
 */
export const CLOUD_CREDENTIALS_SECRET_NAME = "k8zner-cloud-credentials";
/** The key of the Cloudflare API token in {@link CLOUD_CREDENTIALS_SECRET_NAME} (present only with a domain). */
export const CREDENTIALS_CLOUDFLARE_KEY = "cf-api-token";
/** Secret with the Talos secrets bundle (`talos-secrets`) and `talosconfig`, in {@link K8ZNER_NAMESPACE}. */
export const TALOS_CREDENTIALS_SECRET_NAME = "k8zner-talos-credentials";
/**
 * The single Secret that held all four credentials before they were split; `apply` deletes it once both
 * {@link CLOUD_CREDENTIALS_SECRET_NAME} and {@link TALOS_CREDENTIALS_SECRET_NAME} exist.
 */
export const LEGACY_CREDENTIALS_SECRET_NAME = "k8zner-credentials";

/**
 * Secret with the Object Storage credentials of cluster `name` (`access-key`, `secret-key`, `endpoint`,
 * `bucket`, `region`), in {@link K8ZNER_NAMESPACE}; `apply` writes it with the other hand-over Secrets.
 */
export function backupSecretName(name: string): string {
  return `${name}-backup-s3`;
}

/** `spec` of a K8znerCluster (schema in k8zner_crd.ts). */
export interface K8znerClusterSpec {
  region: Region;
  mode: Mode;
  controlPlanes: { count: number; size: ServerSize };
  workers: { count: number; size: ServerSize };
  talos: { version: string; schematicID?: string; extensions?: string[] };
  kubernetes: { version: string };
  network: { ipv4CIDR: string; nodeIPv4CIDR: string; podCIDR: string; serviceCIDR: string };
  addons: {
    metricsServer: boolean;
    certManager: boolean;
    traefik: boolean;
    externalDns: boolean;
    argocd: boolean;
    monitoring: boolean;
    argoSubdomain?: string;
    grafanaSubdomain?: string;
  };
  domain?: string;
  certEmail?: string;
  apiAllowlist?: string[];
  /** Whether the API load balancer has a public IPv4 (`public` when absent, as in the config). */
  apiLoadBalancer?: ApiLoadBalancerMode;
  backup?: { enabled: boolean; schedule: string; retentionDays?: number; s3SecretRef?: { name: string } };
  healthCheck?: {
    nodeNotReadyThreshold?: string;
    etcdUnhealthyThreshold?: string;
    drainTimeout?: string;
    upgradeGateTimeout?: string;
  };
  paused?: boolean;
  /** What deleting the object does to the cloud (`Retain` when absent). */
  deletionPolicy?: DeletionPolicy;
  credentialsRef: { name: string };
  talosCredentialsRef?: { name: string };
  bootstrap?: {
    completed: boolean;
    completedAt?: string;
    bootstrapNode?: string;
    bootstrapNodeID?: number;
    publicIP?: string;
  };
}

/**
 * Top-level spec fields the config does not drive: set by apply's bootstrap once (`bootstrap`) or by the
 * cluster's owner in the cluster (`paused`, `deletionPolicy`, `healthCheck`). `apply` neither diffs nor
 * overwrites them.
 */
export const IN_CLUSTER_SPEC_FIELDS = ["bootstrap", "paused", "deletionPolicy", "healthCheck"] as const;

function subdomainOf(host: string | undefined, domain: string | undefined): string | undefined {
  if (!host || !domain || !host.endsWith(`.${domain}`)) return undefined;
  return host.slice(0, -(domain.length + 1));
}

/**
 * The K8znerCluster spec for an expanded config. `apiAllowlist` is the allowlist to keep (the
 * config's, or the caller's detected IP when the config had none).
 */
export function renderK8znerClusterSpec(
  state: DesiredState,
  options: { apiAllowlist?: string[]; schematicId?: string } = {},
): K8znerClusterSpec {
  const controlPlanes = state.servers.filter((s) => s.role === "control-plane");
  const workers = state.servers.filter((s) => s.role === "worker");
  const addons = state.addons;
  const domain = addons.cloudflare?.domain;
  const allowlist = options.apiAllowlist ??
    (state.firewall.needsCallerIp ? undefined : state.firewall.request.rules[0]?.source_ips);
  const spec: K8znerClusterSpec = {
    region: state.cluster.region,
    mode: state.cluster.mode,
    controlPlanes: {
      count: state.kubernetes.controlPlaneCount,
      size: controlPlanes[0]?.server_type ?? "cx23",
    },
    workers: { count: state.kubernetes.workerCount, size: workers[0]?.server_type ?? "cx23" },
    apiLoadBalancer: state.loadBalancer.access,
    talos: { version: state.talos.version },
    kubernetes: { version: state.kubernetes.version },
    network: {
      ipv4CIDR: state.network.cidrs.network,
      nodeIPv4CIDR: state.network.cidrs.nodes,
      podCIDR: state.network.cidrs.pods,
      serviceCIDR: state.network.cidrs.services,
    },
    addons: {
      metricsServer: addons.metricsServer.enabled,
      certManager: addons.certManager.enabled,
      traefik: addons.traefik.enabled,
      externalDns: addons.externalDns.enabled,
      argocd: addons.argocd.enabled,
      monitoring: addons.kubePrometheusStack.enabled,
    },
    credentialsRef: { name: CLOUD_CREDENTIALS_SECRET_NAME },
    talosCredentialsRef: { name: TALOS_CREDENTIALS_SECRET_NAME },
  };
  if (options.schematicId) spec.talos.schematicID = options.schematicId;
  const argo = subdomainOf(addons.argocd.host, domain);
  const grafana = subdomainOf(addons.kubePrometheusStack.grafanaHost, domain);
  if (argo) spec.addons.argoSubdomain = argo;
  if (grafana) spec.addons.grafanaSubdomain = grafana;
  if (domain) spec.domain = domain;
  if (addons.certManager.acme) spec.certEmail = addons.certManager.acme.email;
  if (allowlist && allowlist.length > 0) spec.apiAllowlist = [...allowlist];
  if (addons.talosBackup.enabled) {
    spec.backup = {
      enabled: true,
      schedule: addons.talosBackup.schedule,
      retentionDays: addons.talosBackup.retentionDays,
      s3SecretRef: { name: backupSecretName(state.cluster.name) },
    };
  }
  return spec;
}

/** Renders the K8znerCluster object for cluster `name` (status included when given). Pure, sorted keys. */
export function renderK8znerCluster(
  input: { name: string; spec: K8znerClusterSpec; status?: Record<string, unknown> },
): KubeObject {
  const object: KubeObject = {
    apiVersion: K8ZNER_API_VERSION,
    kind: K8ZNER_CLUSTER_KIND,
    metadata: {
      name: input.name,
      namespace: K8ZNER_NAMESPACE,
      labels: { [LABEL_KEYS.cluster]: input.name, [LABEL_KEYS.managedBy]: MANAGED_BY },
    },
    spec: input.spec,
  };
  if (input.status !== undefined) object.status = input.status;
  return sortKeysDeep(object);
}
