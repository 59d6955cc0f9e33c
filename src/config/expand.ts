/**
 * `expandSpec()`: the one pure function from the user's spec to the full desired state. Same
 * spec in, same state out: names and private IPs are deterministic so a re-run finds the same
 * servers (inventory §2.3–2.7, without its random name suffixes).
 *
 * @module
 */
import { cidrHost, cidrSubnet } from "../lib/cidr.ts";
import { clusterLabels, clusterSelector, LABEL_KEYS, MANAGED_BY, roleLabels, roleSelector } from "../lib/labels.ts";
import type {
  AddonsPlan,
  DesiredState,
  FirewallPlan,
  LoadBalancerPlan,
  NetworkPlan,
  PlacementGroupPlan,
  ServerPlan,
} from "./desired_state.ts";
import { BACKUP_BUCKET_SUFFIX, DEFAULT_BACKUP_RETENTION_DAYS } from "./fields.ts";
import { DEFAULT_CONTROL_PLANE_SIZE, type Spec } from "./spec.ts";
import { resolveVersions } from "./version_rules.ts";
import { CHARTS, IMAGES, MANIFESTS } from "./versions.ts";

/** Address plan (inventory §2.3): nodes in the lower half of the network, pods in the upper half. */
export const NETWORK_CIDR = "10.0.0.0/16";
export const NODE_CIDR = cidrSubnet(NETWORK_CIDR, 1, 0); // 10.0.0.0/17
export const POD_CIDR = cidrSubnet(NETWORK_CIDR, 1, 1); // 10.0.128.0/17
export const SERVICE_CIDR = "10.96.0.0/12";
/** Node subnets are /25 blocks of the node range: 0 control planes, 1 load balancers, 2 workers. */
const SUBNET_NEWBITS = 25 - 17;
export const CONTROL_PLANE_SUBNET = cidrSubnet(NODE_CIDR, SUBNET_NEWBITS, 0); // 10.0.0.0/25
export const LOAD_BALANCER_SUBNET = cidrSubnet(NODE_CIDR, SUBNET_NEWBITS, 1); // 10.0.0.128/25
export const WORKER_SUBNET = cidrSubnet(NODE_CIDR, SUBNET_NEWBITS, 2); // 10.0.1.0/25
/** The API load balancer takes the second-to-last address of its subnet. */
export const API_LB_PRIVATE_IP = cidrHost(LOAD_BALANCER_SUBNET, -2); // 10.0.0.254
export const NETWORK_ZONE = "eu-central";
/** Hetzner spread placement groups hold at most 10 servers. */
export const MAX_SERVERS_PER_PLACEMENT_GROUP = 10;
export const KUBE_API_PORT = 6443;
export const TALOS_API_PORT = 50000;

/** Options of {@link expandSpec}. */
export interface ExpandOptions {
  /**
   * Control planes to plan instead of the mode's (dev 1, ha 3). The operator reconciles
   * `spec.controlPlanes.count` of the K8znerCluster, which may have been scaled to 5; the CLI never sets it.
   */
  controlPlaneCount?: 1 | 3 | 5;
}

/** Expands a validated spec into everything that should exist. Pure and deterministic. */
export function expandSpec(spec: Spec, options: ExpandOptions = {}): DesiredState {
  const name = spec.name;
  const controlPlaneCount = options.controlPlaneCount ?? (spec.mode === "ha" ? 3 : 1);
  const workerCount = spec.workers.count;
  const network = expandNetwork(name);
  // The pinned versions, or the newest that fit: new servers, their snapshot and configs all follow them.
  const { talos: talosVersion, kubernetes: kubernetesVersion } = resolveVersions(spec);
  const installer = `ghcr.io/siderolabs/installer:${talosVersion}`;
  return {
    cluster: { name, region: spec.region, mode: spec.mode, networkZone: NETWORK_ZONE },
    labels: clusterLabels(name),
    selector: clusterSelector(name),
    versions: {
      talos: talosVersion,
      kubernetes: kubernetesVersion,
      charts: { ...CHARTS },
      manifests: { ...MANIFESTS },
      images: { ...IMAGES, talosInstaller: installer },
    },
    network,
    firewall: expandFirewall(name, spec.api_allowlist ?? []),
    loadBalancer: expandLoadBalancer(spec),
    placementGroups: expandPlacementGroups(name, workerCount),
    servers: expandServers(spec, controlPlaneCount),
    kubernetes: {
      version: kubernetesVersion,
      dnsDomain: "cluster.local",
      podCidr: POD_CIDR,
      serviceCidr: SERVICE_CIDR,
      nodeCidr: NODE_CIDR,
      allowSchedulingOnControlPlanes: spec.mode === "dev",
      controlPlaneCount,
      workerCount,
    },
    talos: {
      version: talosVersion,
      installerImage: installer,
      arch: "amd64",
      installDisk: "/dev/sda",
      snapshotLabels: {
        [LABEL_KEYS.managedBy]: MANAGED_BY,
        "k8zner.io/image": "talos",
        "k8zner.io/talos-version": talosVersion,
        "k8zner.io/arch": "amd64",
      },
    },
    addons: expandAddons(spec, controlPlaneCount),
  };
}

function expandNetwork(name: string): NetworkPlan {
  const subnet = (ip_range: string) => ({ type: "cloud" as const, network_zone: NETWORK_ZONE, ip_range });
  return {
    request: {
      name,
      ip_range: NETWORK_CIDR,
      labels: clusterLabels(name),
      subnets: [subnet(CONTROL_PLANE_SUBNET), subnet(LOAD_BALANCER_SUBNET), subnet(WORKER_SUBNET)],
    },
    cidrs: {
      network: NETWORK_CIDR,
      nodes: NODE_CIDR,
      controlPlaneSubnet: CONTROL_PLANE_SUBNET,
      loadBalancerSubnet: LOAD_BALANCER_SUBNET,
      workerSubnet: WORKER_SUBNET,
      pods: POD_CIDR,
      services: SERVICE_CIDR,
    },
  };
}

function expandFirewall(name: string, allowlist: readonly string[]): FirewallPlan {
  const rule = (port: number, description: string) => ({
    direction: "in" as const,
    protocol: "tcp" as const,
    port: String(port),
    source_ips: [...allowlist],
    description,
  });
  return {
    request: {
      name,
      labels: clusterLabels(name),
      // Hetzner firewalls drop unmatched inbound traffic on public interfaces; private-network
      // traffic between nodes and from the load balancer is not filtered.
      rules: [rule(KUBE_API_PORT, "Kubernetes API"), rule(TALOS_API_PORT, "Talos API")],
      apply_to: [{ type: "label_selector", label_selector: { selector: clusterSelector(name) } }],
    },
    needsCallerIp: allowlist.length === 0,
  };
}

function expandLoadBalancer(spec: Spec): LoadBalancerPlan {
  const name = spec.name;
  const access = spec.api_load_balancer ?? "public";
  return {
    request: {
      name: `${name}-kube`,
      load_balancer_type: "lb11",
      location: spec.region,
      algorithm: { type: "round_robin" },
      labels: roleLabels(name, "kube-api"),
      // Hetzner firewalls do not apply to load balancers: a public one exposes 6443 to everyone (ADR 0003).
      public_interface: access === "public",
      // Only the Kubernetes API. Talos (50000) must never be forwarded: the load balancer reaches
      // the control planes' private IPs, where the firewall does not apply, and a node in
      // maintenance mode accepts a machine config from anyone. Talos is reached on the nodes'
      // public IPs, behind the firewall.
      services: [
        {
          protocol: "tcp",
          listen_port: KUBE_API_PORT,
          destination_port: KUBE_API_PORT,
          proxyprotocol: false,
          // kube-apiserver answers /version with 401 when anonymous auth is off (Talos) and 200
          // when it is on; either proves TLS and the API server are up.
          health_check: {
            protocol: "http",
            port: KUBE_API_PORT,
            interval: 3,
            timeout: 2,
            retries: 2,
            http: { domain: null, path: "/version", status_codes: ["401", "200"], tls: true },
          },
        },
      ],
      targets: [{
        type: "label_selector",
        label_selector: { selector: roleSelector(name, "control-plane") },
        use_private_ip: true,
      }],
    },
    network: name,
    privateIp: API_LB_PRIVATE_IP,
    privateEndpoint: `https://${API_LB_PRIVATE_IP}:${KUBE_API_PORT}`,
    access,
  };
}

/** Control planes share one group; workers fill groups of 10: `<name>-w-pg-1`, `-2`, … */
function expandPlacementGroups(name: string, workerCount: number): PlacementGroupPlan[] {
  const groups: PlacementGroupPlan[] = [{
    request: { name: `${name}-cp-pg`, type: "spread", labels: roleLabels(name, "control-plane", "control-plane") },
  }];
  const workerGroups = Math.ceil(workerCount / MAX_SERVERS_PER_PLACEMENT_GROUP);
  for (let n = 1; n <= workerGroups; n++) {
    groups.push({
      request: { name: `${name}-w-pg-${n}`, type: "spread", labels: roleLabels(name, "worker", "workers") },
    });
  }
  return groups;
}

/** Placement group of worker `index` (1-based). */
export function workerPlacementGroup(name: string, index: number): string {
  return `${name}-w-pg-${Math.floor((index - 1) / MAX_SERVERS_PER_PLACEMENT_GROUP) + 1}`;
}

function expandServers(spec: Spec, controlPlaneCount: number): ServerPlan[] {
  const name = spec.name;
  const publicNet = { enable_ipv4: true, enable_ipv6: true };
  const servers: ServerPlan[] = [];
  for (let i = 1; i <= controlPlaneCount; i++) {
    servers.push({
      name: `${name}-cp-${i}`,
      role: "control-plane",
      pool: "control-plane",
      index: i,
      server_type: spec.control_plane?.size ?? DEFAULT_CONTROL_PLANE_SIZE,
      location: spec.region,
      labels: roleLabels(name, "control-plane", "control-plane"),
      placementGroup: `${name}-cp-pg`,
      network: name,
      // Hosts 0 and 1 of a Hetzner subnet are reserved (network address, gateway).
      privateIp: cidrHost(CONTROL_PLANE_SUBNET, i + 1),
      public_net: { ...publicNet },
    });
  }
  for (let i = 1; i <= spec.workers.count; i++) {
    servers.push({
      name: `${name}-w-${i}`,
      role: "worker",
      pool: "workers",
      index: i,
      server_type: spec.workers.size,
      location: spec.region,
      labels: roleLabels(name, "worker", "workers"),
      placementGroup: workerPlacementGroup(name, i),
      network: name,
      privateIp: cidrHost(WORKER_SUBNET, i + 1),
      public_net: { ...publicNet },
    });
  }
  return servers;
}

function expandAddons(spec: Spec, controlPlaneCount: number): AddonsPlan {
  const ha = controlPlaneCount > 1;
  const domain = spec.domain;
  const nodeCount = controlPlaneCount + spec.workers.count;
  return {
    gatewayApiCrds: { enabled: true, ...MANIFESTS.gatewayApiCrds },
    prometheusOperatorCrds: { enabled: true, ...MANIFESTS.prometheusOperatorCrds },
    cilium: {
      enabled: true,
      namespace: "kube-system",
      chart: CHARTS.cilium,
      routingMode: "tunnel",
      kubeProxyReplacement: true,
      // The earlier docs promised WireGuard but the code left it off (inventory §10.4): on here.
      encryption: "wireguard",
      hubble: true,
      operatorReplicas: ha ? 2 : 1,
    },
    hcloudCcm: {
      enabled: true,
      namespace: "kube-system",
      chart: CHARTS.hcloudCcm,
      loadBalancerLocation: spec.region,
      loadBalancerSubnet: LOAD_BALANCER_SUBNET,
      clusterCidr: POD_CIDR,
      network: spec.name,
    },
    hcloudCsi: {
      enabled: true,
      namespace: "kube-system",
      chart: CHARTS.hcloudCsi,
      defaultStorageClass: "hcloud-volumes-encrypted",
      controllerReplicas: ha ? 2 : 1,
    },
    metricsServer: {
      enabled: true,
      namespace: "kube-system",
      chart: CHARTS.metricsServer,
      replicas: nodeCount > 1 ? 2 : 1,
    },
    certManager: {
      enabled: true,
      namespace: "cert-manager",
      chart: CHARTS.certManager,
      // cert_email is honoured (the earlier operator ignored it, inventory §10.11).
      ...(domain
        ? {
          acme: {
            email: spec.cert_email ?? `admin@${domain}`,
            issuers: ["letsencrypt-cloudflare-staging", "letsencrypt-cloudflare-production"] as [
              "letsencrypt-cloudflare-staging",
              "letsencrypt-cloudflare-production",
            ],
          },
        }
        : {}),
    },
    traefik: {
      enabled: true,
      namespace: "traefik",
      chart: CHARTS.traefik,
      replicas: spec.workers.count >= 3 ? 3 : 2,
      ingressClass: "traefik",
      loadBalancer: { name: `${spec.name}-ingress`, location: spec.region, type: "lb11", usePrivateIp: true },
    },
    externalDns: {
      enabled: domain !== undefined,
      namespace: "external-dns",
      chart: CHARTS.externalDns,
      ...(domain ? { domain } : {}),
      txtOwnerId: spec.name,
      policy: "sync",
      sources: ["ingress"],
    },
    argocd: {
      enabled: true,
      namespace: "argocd",
      chart: CHARTS.argocd,
      ha,
      ...(domain ? { host: `${spec.argo_subdomain ?? "argo"}.${domain}` } : {}),
    },
    kubePrometheusStack: {
      enabled: spec.monitoring === true,
      namespace: "monitoring",
      chart: CHARTS.kubePrometheusStack,
      ...(domain && spec.monitoring ? { grafanaHost: `${spec.grafana_subdomain ?? "grafana"}.${domain}` } : {}),
      prometheusStorage: "50Gi",
      retention: "15d",
    },
    talosBackup: {
      enabled: spec.backup === true,
      namespace: "kube-system",
      image: IMAGES.talosBackup,
      schedule: "0 * * * *",
      bucket: `${spec.name}${BACKUP_BUCKET_SUFFIX}`,
      region: spec.region,
      endpoint: `https://${spec.region}.your-objectstorage.com`,
      prefix: "etcd-backups",
      compression: true,
      retentionDays: spec.backup_retention_days ?? DEFAULT_BACKUP_RETENTION_DAYS,
    },
    ...(domain ? { cloudflare: { domain } } : {}),
  };
}
