/**
 * The user's `k8zner.yaml`: its fields and the values each may take. This is the one source the
 * validator, the JSON Schema (`k8zner config schema`) and the `init` wizard are built from.
 *
 * Fields follow the earlier implementation (inventory §2.1) so every existing file loads unchanged;
 * `api_allowlist` is new.
 *
 * @module
 */

/** Hetzner locations k8zner supports (EU, where the CX and CPX types exist). */
export const REGIONS = ["fsn1", "nbg1", "hel1"] as const;
export type Region = typeof REGIONS[number];

/** Human names for the regions, for prompts and tables. */
export const REGION_NAMES: Record<Region, string> = {
  fsn1: "Falkenstein",
  nbg1: "Nuremberg",
  hel1: "Helsinki",
};

export const MODES = ["dev", "ha"] as const;
export type Mode = typeof MODES[number];
/** Whether the Kubernetes API load balancer has a public interface (ADR 0003). */
export const API_LOAD_BALANCER_MODES = ["public", "private"] as const;
export type ApiLoadBalancerMode = typeof API_LOAD_BALANCER_MODES[number];

/** Server types k8zner accepts for nodes (x86, shared vCPU). */
export const SERVER_SIZES = ["cx23", "cx33", "cx43", "cx53", "cpx22", "cpx32", "cpx42", "cpx52"] as const;
export type ServerSize = typeof SERVER_SIZES[number];

/** Retired names Hetzner replaced; accepted and normalised (inventory §2.1). */
export const LEGACY_SIZES: Record<string, ServerSize> = {
  cx22: "cx23",
  cx32: "cx33",
  cx42: "cx43",
  cx52: "cx53",
};

/** vCPU, RAM (GB) and disk (GB) of each size, for prompts and docs. */
export const SIZE_SPECS: Record<ServerSize, { cores: number; memoryGb: number; diskGb: number }> = {
  cx23: { cores: 2, memoryGb: 4, diskGb: 40 },
  cpx22: { cores: 2, memoryGb: 4, diskGb: 40 },
  cx33: { cores: 4, memoryGb: 8, diskGb: 80 },
  cpx32: { cores: 4, memoryGb: 8, diskGb: 80 },
  cx43: { cores: 8, memoryGb: 16, diskGb: 160 },
  cpx42: { cores: 8, memoryGb: 16, diskGb: 160 },
  cx53: { cores: 16, memoryGb: 32, diskGb: 320 },
  cpx52: { cores: 16, memoryGb: 32, diskGb: 320 },
};

export const MIN_WORKERS = 1;
export const MAX_WORKERS = 50;
export const DEFAULT_CONTROL_PLANE_SIZE: ServerSize = "cx23";

/** The user's configuration as written in k8zner.yaml (snake_case, as in the file). */
export interface Spec {
  name: string;
  region: Region;
  mode: Mode;
  workers: { count: number; size: ServerSize };
  control_plane?: { size?: ServerSize };
  domain?: string;
  cert_email?: string;
  argo_subdomain?: string;
  monitoring?: boolean;
  grafana_subdomain?: string;
  backup?: boolean;
  /** Days etcd snapshots are kept in the bucket (with `backup`). */
  backup_retention_days?: number;
  /** CIDRs allowed to reach the nodes' public Kubernetes API (6443) and Talos API (50000) ports. */
  api_allowlist?: string[];
  /** `public` (default): the API load balancer has a public IPv4; `private`: it has none (ADR 0003). */
  api_load_balancer?: ApiLoadBalancerMode;
  /** Talos version pinned by the file (one of `SUPPORTED_TALOS_VERSIONS`); unset: the newest that fits. */
  talos_version?: string;
  /** Kubernetes version pinned by the file (one of `SUPPORTED_KUBERNETES_VERSIONS`); unset: the newest that fits. */
  kubernetes_version?: string;
}
