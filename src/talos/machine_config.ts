/**
 * Pure rendering of Talos v1.13 machine configs for k8zner clusters on Hetzner Cloud: one config
 * per role (control plane, worker) carrying the cluster's CAs, tokens and secrets as
 * `talosctl gen config` does, plus a small patch per node (hostname, provider id). Fields the v1.13
 * schema dropped from `v1alpha1` are written as their own documents (`HostnameConfig`, `VolumeConfig`).
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { type ConfigDocument, mergeConfigDocuments, renderConfigYaml } from "./config_documents.ts";
import type { CertificateAuthority } from "./pki.ts";
import type { SecretsBundle } from "./secrets_bundle.ts";
import { LABEL_KEYS } from "../lib/labels.ts";

/** The Image Factory schematic without customisations. */
export const VANILLA_SCHEMATIC_ID = "376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba";
/** Port of KubePrism, the node-local API server load balancer (Talos default). */
export const KUBEPRISM_PORT = 7445;

/** The two kinds of Talos node. */
export type NodeRole = "controlplane" | "worker";

/** What every node config of a cluster shares. */
export interface ClusterConfigInput {
  clusterName: string;
  /** Kubernetes API endpoint, e.g. `https://203.0.113.10:6443` (the API load balancer). */
  endpoint: string;
  /** Talos version, e.g. `v1.13.9`. */
  talosVersion: string;
  /** Kubernetes version, e.g. `1.36.3` (a leading `v` is accepted). */
  kubernetesVersion: string;
  /**
   * The kubelet's version when it differs from `kubernetesVersion`: during an upgrade the control-plane
   * components move first and the kubelet follows (`talosctl upgrade-k8s`). `kubernetesVersion` when absent.
   */
  kubeletVersion?: string;
  network: {
    /** Private subnet the nodes live in; kubelet and etcd advertise only addresses from it. */
    nodeCidr: string;
    podCidr: string;
    serviceCidr: string;
  };
  /** Extra SANs for the API server and Talos API certificates (load balancer public and private IPs). */
  certSans: string[];
  /** Image Factory schematic id; the vanilla schematic when absent. */
  schematicId?: string;
  /** LUKS2 encryption of STATE and EPHEMERAL keyed to the node id; on when absent. */
  diskEncryption?: boolean;
  /** Let workloads run on control planes (dev clusters); off when absent. */
  allowSchedulingOnControlPlanes?: boolean;
  /** Install disk; `/dev/sda` (Hetzner cloud servers) when absent. */
  installDisk?: string;
  /** Cluster DNS domain; `cluster.local` when absent. */
  dnsDomain?: string;
  /**
   * Prometheus scrapes etcd, controller-manager and scheduler: their metrics listen on all interfaces.
   * Off when absent, and then they keep their loopback defaults (nothing outside the node can read them).
   */
  monitoring?: boolean;
}

/** The facts of one node that its patch needs. */
export interface NodeFacts {
  /** Server name; becomes the hostname and the Kubernetes node name. */
  hostname: string;
  /** Hetzner server id, for the kubelet provider id `hcloud://<id>`. */
  serverId: number;
  /** The node's private IPv4 (must lie in `network.nodeCidr`). */
  privateIp: string;
  role: NodeRole;
}

/** The installer image for a Talos version from the Image Factory. */
export function installerImage(talosVersion: string, schematicId: string = VANILLA_SCHEMATIC_ID): string {
  return `factory.talos.dev/installer/${schematicId}:${talosVersion}`;
}

/** The config documents every node of `role` gets (no per-node facts). */
export function renderRoleConfig(secrets: SecretsBundle, input: ClusterConfigInput, role: NodeRole): ConfigDocument[] {
  checkClusterInput(input);
  const k8s = `v${input.kubernetesVersion.replace(/^v/, "")}`;
  const kubeletTag = `v${(input.kubeletVersion ?? input.kubernetesVersion).replace(/^v/, "")}`;
  const controlPlane = role === "controlplane";
  const monitoring = input.monitoring ?? false;
  const machine: Record<string, unknown> = {
    type: role,
    token: secrets.trustdToken,
    ca: controlPlane ? pair(secrets.certs.os) : { crt: b64(secrets.certs.os.certPem) },
    ...(controlPlane ? { certSANs: [...input.certSans] } : {}),
    kubelet: {
      image: `ghcr.io/siderolabs/kubelet:${kubeletTag}`,
      extraArgs: { "cloud-provider": "external" },
      extraConfig: {
        shutdownGracePeriod: "90s",
        shutdownGracePeriodCriticalPods: "15s",
        systemReserved: controlPlane
          ? { cpu: "250m", memory: "300Mi", "ephemeral-storage": "1Gi" }
          : { cpu: "100m", memory: "300Mi", "ephemeral-storage": "1Gi" },
        kubeReserved: controlPlane
          ? { cpu: "250m", memory: "350Mi", "ephemeral-storage": "1Gi" }
          : { cpu: "100m", memory: "350Mi", "ephemeral-storage": "1Gi" },
      },
      defaultRuntimeSeccompProfileEnabled: true,
      nodeIP: { validSubnets: [input.network.nodeCidr] },
      disableManifestsDirectory: true,
    },
    install: {
      disk: input.installDisk ?? "/dev/sda",
      image: installerImage(input.talosVersion, input.schematicId),
      wipe: false,
    },
    sysctls: { "net.core.somaxconn": "65535", "net.core.netdev_max_backlog": "4096" },
    features: {
      diskQuotaSupport: true,
      kubePrism: { enabled: true, port: KUBEPRISM_PORT },
      hostDNS: { enabled: true, forwardKubeDNSToHost: false, resolveMemberNames: true },
      ...(controlPlane
        ? {
          kubernetesTalosAPIAccess: {
            enabled: true,
            allowedRoles: ["os:reader", "os:etcd:backup"],
            allowedKubernetesNamespaces: ["kube-system"],
          },
        }
        : {}),
    },
    ...(controlPlane ? { nodeLabels: { "node.kubernetes.io/exclude-from-external-load-balancers": "" } } : {}),
  };

  const cluster: Record<string, unknown> = {
    id: secrets.cluster.id,
    secret: secrets.cluster.secret,
    controlPlane: { endpoint: input.endpoint },
    clusterName: input.clusterName,
    network: {
      cni: { name: "none" },
      dnsDomain: input.dnsDomain ?? "cluster.local",
      podSubnets: [input.network.podCidr],
      serviceSubnets: [input.network.serviceCidr],
    },
    token: secrets.secrets.bootstrapToken,
    ca: controlPlane ? pair(secrets.certs.k8s) : { crt: b64(secrets.certs.k8s.certPem) },
    // kube-proxy off: Cilium replaces it.
    proxy: { disabled: true },
    discovery: { enabled: true, registries: { kubernetes: { disabled: true }, service: { disabled: false } } },
  };
  if (controlPlane) {
    Object.assign(cluster, {
      secretboxEncryptionSecret: secrets.secrets.secretboxEncryptionSecret,
      aggregatorCA: pair(secrets.certs.k8sAggregator),
      serviceAccount: { key: b64(secrets.certs.k8sServiceAccountKey) },
      apiServer: {
        image: `registry.k8s.io/kube-apiserver:${k8s}`,
        certSANs: [...input.certSans],
        extraArgs: { "enable-aggregator-routing": "true" },
      },
      controllerManager: {
        image: `registry.k8s.io/kube-controller-manager:${k8s}`,
        extraArgs: { "cloud-provider": "external", ...(monitoring ? { "bind-address": "0.0.0.0" } : {}) },
      },
      scheduler: {
        image: `registry.k8s.io/kube-scheduler:${k8s}`,
        ...(monitoring ? { extraArgs: { "bind-address": "0.0.0.0" } } : {}),
      },
      etcd: {
        ca: pair(secrets.certs.etcd),
        advertisedSubnets: [input.network.nodeCidr],
        ...(monitoring ? { extraArgs: { "listen-metrics-urls": "http://0.0.0.0:2381" } } : {}),
      },
      coreDNS: { disabled: false },
      externalCloudProvider: { enabled: true },
      allowSchedulingOnControlPlanes: input.allowSchedulingOnControlPlanes ?? false,
    });
  }

  const docs: ConfigDocument[] = [{ version: "v1alpha1", debug: false, machine, cluster }];
  if (input.diskEncryption ?? true) {
    for (const name of ["STATE", "EPHEMERAL"]) docs.push(encryptedVolume(name));
  }
  return docs;
}

/**
 * The per-node patch: hostname, the kubelet's Hetzner provider id, and the labels that tie the Node to its
 * cluster and role (the operator's Node watch selects by them; `k8zner.io/` is outside the prefixes the
 * NodeRestriction admission plugin keeps kubelets from setting).
 */
export function renderNodePatch(input: ClusterConfigInput, node: NodeFacts): ConfigDocument[] {
  checkNode(input, node);
  const nodeLabels = {
    [LABEL_KEYS.cluster]: input.clusterName,
    [LABEL_KEYS.role]: node.role === "controlplane" ? "control-plane" : "worker",
  };
  return [
    {
      version: "v1alpha1",
      machine: { kubelet: { extraArgs: { "provider-id": `hcloud://${node.serverId}` } }, nodeLabels },
    },
    { apiVersion: "v1alpha1", kind: "HostnameConfig", hostname: node.hostname },
  ];
}

/** The full config documents of one node: its role config with its node patch merged in. */
export function renderNodeConfig(secrets: SecretsBundle, input: ClusterConfigInput, node: NodeFacts): ConfigDocument[] {
  return mergeConfigDocuments(renderRoleConfig(secrets, input, node.role), renderNodePatch(input, node));
}

/** The node's machine config as the multi-document YAML `ApplyConfiguration` takes. */
export function renderNodeConfigYaml(secrets: SecretsBundle, input: ClusterConfigInput, node: NodeFacts): string {
  return renderConfigYaml(renderNodeConfig(secrets, input, node));
}

/** The role config as YAML (what `talosctl gen config` writes as controlplane.yaml / worker.yaml). */
export function renderRoleConfigYaml(secrets: SecretsBundle, input: ClusterConfigInput, role: NodeRole): string {
  return renderConfigYaml(renderRoleConfig(secrets, input, role));
}

function encryptedVolume(name: string): ConfigDocument {
  return {
    apiVersion: "v1alpha1",
    kind: "VolumeConfig",
    name,
    encryption: {
      provider: "luks2",
      keys: [{ nodeID: {}, slot: 0 }],
      options: ["no_read_workqueue", "no_write_workqueue"],
    },
  };
}

function pair(ca: CertificateAuthority): { crt: string; key: string } {
  return { crt: b64(ca.certPem), key: b64(ca.keyPem) };
}

function b64(text: string): string {
  return Buffer.from(text, "utf8").toString("base64");
}

const HOSTNAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

function checkClusterInput(input: ClusterConfigInput): void {
  if (!HOSTNAME.test(input.clusterName)) {
    throw new TypeError(`Cannot render machine config: cluster name "${input.clusterName}" is not DNS-safe`);
  }
  if (!/^https:\/\/[^/\s]+:\d+$/.test(input.endpoint)) {
    throw new TypeError(`Cannot render machine config: endpoint "${input.endpoint}" must look like https://host:6443`);
  }
  if (!/^v\d+\.\d+\.\d+$/.test(input.talosVersion)) {
    throw new TypeError(`Cannot render machine config: Talos version "${input.talosVersion}" must look like v1.13.9`);
  }
  if (!/^v?\d+\.\d+\.\d+$/.test(input.kubernetesVersion)) {
    throw new TypeError(
      `Cannot render machine config: Kubernetes version "${input.kubernetesVersion}" must look like 1.36.3`,
    );
  }
  if (input.kubeletVersion !== undefined && !/^v?\d+\.\d+\.\d+$/.test(input.kubeletVersion)) {
    throw new TypeError(
      `Cannot render machine config: kubelet version "${input.kubeletVersion}" must look like 1.36.3`,
    );
  }
  // Talos itself does not check the path when it applies a config on a cloud platform: a wrong one only
  // shows when an upgrade cannot find the disk.
  if (input.installDisk !== undefined && !/^\/dev\/[A-Za-z0-9._/-]+$/.test(input.installDisk)) {
    throw new TypeError(`Cannot render machine config: install disk "${input.installDisk}" must be a /dev path`);
  }
  if (input.schematicId !== undefined && !/^[0-9a-f]{64}$/.test(input.schematicId)) {
    throw new TypeError(`Cannot render machine config: schematic id "${input.schematicId}" must be 64 hex digits`);
  }
  for (const [field, cidr] of Object.entries(input.network)) {
    parseCidr(cidr, `network.${field}`);
  }
}

function checkNode(input: ClusterConfigInput, node: NodeFacts): void {
  if (!HOSTNAME.test(node.hostname)) {
    throw new TypeError(`Cannot render node patch: hostname "${node.hostname}" is not a DNS label`);
  }
  if (!Number.isSafeInteger(node.serverId) || node.serverId <= 0) {
    throw new RangeError(`Cannot render node patch: server id ${node.serverId} must be a positive integer`);
  }
  if (node.role !== "controlplane" && node.role !== "worker") {
    throw new TypeError(`Cannot render node patch: role "${node.role as string}" must be controlplane or worker`);
  }
  const [net, bits] = parseCidr(input.network.nodeCidr, "network.nodeCidr");
  const ip = parseIpv4(node.privateIp);
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  if (ip === undefined || ((ip & mask) >>> 0) !== net) {
    throw new RangeError(
      `Cannot render node patch: private IP "${node.privateIp}" of ${node.hostname} is not in ${input.network.nodeCidr}`,
    );
  }
}

function parseIpv4(text: string): number | undefined {
  const parts = text.split(".");
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return undefined;
  return parts.reduce((acc, p) => ((acc << 8) | Number(p)) >>> 0, 0);
}

function parseCidr(text: string, field: string): [number, number] {
  const [addr, bitsText, extra] = text.split("/");
  const ip = parseIpv4(addr ?? "");
  const bits = Number(bitsText);
  if (ip === undefined || extra !== undefined || !/^\d{1,2}$/.test(bitsText ?? "") || bits > 32) {
    throw new TypeError(`Cannot render machine config: ${field} "${text}" is not an IPv4 CIDR`);
  }
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return [(ip & mask) >>> 0, bits];
}
