/**
 * The full desired state of one cluster, computed from the spec by `expandSpec()`. The
 * infrastructure parts are Hetzner Cloud API request bodies (`request`) that provisioning code
 * sends as they are; what the API takes by ID or through a follow-up action (network ID, private
 * IP attach, placement group ID, image) sits beside them, by name.
 *
 * @module
 */
import type { Mode, Region, ServerSize } from "./spec.ts";
import type { ChartPin, ManifestPin } from "./versions.ts";

/** Everything k8zner wants to exist for one cluster. */
export interface DesiredState {
  cluster: { name: string; region: Region; mode: Mode; networkZone: "eu-central" };
  /** Ownership labels on every resource, and the selector that finds them all. */
  labels: Record<string, string>;
  selector: string;
  versions: VersionMatrix;
  network: NetworkPlan;
  firewall: FirewallPlan;
  loadBalancer: LoadBalancerPlan;
  placementGroups: PlacementGroupPlan[];
  /** Control planes first (`<name>-cp-1..`), then workers (`<name>-w-1..`). */
  servers: ServerPlan[];
  kubernetes: KubernetesPlan;
  talos: TalosPlan;
  addons: AddonsPlan;
}

export interface VersionMatrix {
  talos: string;
  kubernetes: string;
  charts: Record<string, ChartPin>;
  manifests: Record<string, ManifestPin>;
  images: Record<string, string>;
}

/** `POST /networks` body. */
export interface NetworkCreateRequest {
  name: string;
  ip_range: string;
  labels: Record<string, string>;
  subnets: { type: "cloud"; network_zone: string; ip_range: string }[];
}

export interface NetworkPlan {
  request: NetworkCreateRequest;
  /** The address plan: what each range is for. */
  cidrs: {
    network: string;
    /** All node subnets (control planes, load balancer, workers) lie in this block. */
    nodes: string;
    controlPlaneSubnet: string;
    loadBalancerSubnet: string;
    workerSubnet: string;
    pods: string;
    services: string;
  };
}

export interface FirewallRule {
  direction: "in";
  protocol: "tcp";
  port: string;
  source_ips: string[];
  description: string;
}

/** `POST /firewalls` body. */
export interface FirewallCreateRequest {
  name: string;
  labels: Record<string, string>;
  rules: FirewallRule[];
  apply_to: { type: "label_selector"; label_selector: { selector: string } }[];
}

export interface FirewallPlan {
  request: FirewallCreateRequest;
  /**
   * True when `api_allowlist` is empty: apply must detect the caller's public IP and add it (as
   * /32 or /128) to each rule's `source_ips` before sending; the rules are then not empty.
   */
  needsCallerIp: boolean;
}

export interface LoadBalancerHealthCheck {
  protocol: "http" | "tcp";
  port: number;
  interval: number;
  timeout: number;
  retries: number;
  http?: { domain: null; path: string; status_codes: string[]; tls: boolean };
}

export interface LoadBalancerService {
  protocol: "tcp";
  listen_port: number;
  destination_port: number;
  proxyprotocol: false;
  health_check: LoadBalancerHealthCheck;
}

/** `POST /load_balancers` body (without `network`, which needs the network's ID). */
export interface LoadBalancerCreateRequest {
  name: string;
  load_balancer_type: "lb11";
  location: Region;
  algorithm: { type: "round_robin" };
  labels: Record<string, string>;
  /** False with `api_load_balancer: private` (ADR 0003): no public IPv4 answers, only the private IP. */
  public_interface: boolean;
  services: LoadBalancerService[];
  targets: { type: "label_selector"; label_selector: { selector: string }; use_private_ip: true }[];
}

export interface LoadBalancerPlan {
  request: LoadBalancerCreateRequest;
  /** Attach to the network `network` with this IP (`attach_to_network` action, or `network` + this on create). */
  network: string;
  privateIp: string;
  /** Kubernetes API endpoint inside the network. */
  privateEndpoint: string;
  /**
   * `public`: the cluster endpoint is the load balancer's public IPv4. `private`: it is `privateIp`, and
   * the CLI reaches the API at a control plane's public IPv4 through the firewall.
   */
  access: "public" | "private";
}

/** `POST /placement_groups` body. */
export interface PlacementGroupPlan {
  request: { name: string; type: "spread"; labels: Record<string, string> };
}

export type NodeRole = "control-plane" | "worker";

/** One server, by its deterministic name. */
export interface ServerPlan {
  name: string;
  role: NodeRole;
  pool: "control-plane" | "workers";
  /** 1-based position in the pool (`<name>-w-<index>`). */
  index: number;
  server_type: ServerSize;
  location: Region;
  labels: Record<string, string>;
  /** Name of the placement group to join (look up its ID). */
  placementGroup: string;
  /** Name of the network to attach, and the fixed private IP in it. */
  network: string;
  privateIp: string;
  public_net: { enable_ipv4: boolean; enable_ipv6: boolean };
}

export interface KubernetesPlan {
  version: string;
  dnsDomain: "cluster.local";
  podCidr: string;
  serviceCidr: string;
  /** Nodes register with IPs from this block (kubelet `nodeIP.validSubnets`, etcd `advertisedSubnets`). */
  nodeCidr: string;
  allowSchedulingOnControlPlanes: boolean;
  controlPlaneCount: number;
  workerCount: number;
}

export interface TalosPlan {
  version: string;
  installerImage: string;
  arch: "amd64";
  installDisk: "/dev/sda";
  /** Labels of the Talos snapshot image (shared across clusters, so no cluster label). */
  snapshotLabels: Record<string, string>;
}

/** What each addon is, whether it is installed, and the few settings the spec decides. */
export interface AddonsPlan {
  gatewayApiCrds: ManifestPin & { enabled: true };
  prometheusOperatorCrds: ManifestPin & { enabled: true };
  cilium: AddonChart & {
    routingMode: "tunnel";
    kubeProxyReplacement: true;
    encryption: "wireguard";
    hubble: boolean;
    operatorReplicas: number;
  };
  hcloudCcm: AddonChart & {
    loadBalancerLocation: Region;
    loadBalancerSubnet: string;
    clusterCidr: string;
    network: string;
  };
  hcloudCsi: AddonChart & { defaultStorageClass: "hcloud-volumes-encrypted"; controllerReplicas: number };
  metricsServer: AddonChart & { replicas: number };
  certManager: AddonChart & {
    /** ClusterIssuers via Cloudflare DNS-01, present only with a domain. */
    acme?: { email: string; issuers: ["letsencrypt-cloudflare-staging", "letsencrypt-cloudflare-production"] };
  };
  traefik: AddonChart & {
    replicas: number;
    ingressClass: "traefik";
    loadBalancer: { name: string; location: Region; type: "lb11"; usePrivateIp: true };
  };
  externalDns: AddonChart & { domain?: string; txtOwnerId: string; policy: "sync"; sources: ["ingress"] };
  argocd: AddonChart & { ha: boolean; host?: string };
  kubePrometheusStack: AddonChart & { grafanaHost?: string; prometheusStorage: "50Gi"; retention: "15d" };
  talosBackup: {
    enabled: boolean;
    namespace: "kube-system";
    image: string;
    schedule: string;
    bucket: string;
    region: Region;
    endpoint: string;
    prefix: "etcd-backups";
    compression: true;
    /** Snapshots older than this are deleted by the bucket's lifecycle rule on `prefix`. */
    retentionDays: number;
  };
  /** Set when `domain` is: the Cloudflare token comes from `CF_API_TOKEN` at apply time. */
  cloudflare?: { domain: string };
}

export interface AddonChart {
  enabled: boolean;
  namespace: string;
  chart: ChartPin;
}
