/**
 * What a kubelet on a Talos node registers with, read from the machine config Talos applied: the
 * flags Talos passes (`--cloud-provider`, `--provider-id`, `--node-ip` from
 * `machine.kubelet.nodeIP.validSubnets`, `--node-labels` with the control-plane role and
 * `machine.nodeLabels`, `--register-with-taints` with the control-plane taint unless
 * `cluster.allowSchedulingOnControlPlanes`, and `machine.nodeTaints`) and the kubelet image's version.
 *
 * @module
 */
import { parseAllDocuments } from "yaml";
import { cidrContains } from "../../src/lib/cidr.ts";

/** A taint as on `Node.spec.taints`. */
export interface Taint {
  key: string;
  value?: string;
  effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
  timeAdded?: string;
}

/** The kubelet's registration facts. */
export interface KubeletFacts {
  controlPlane: boolean;
  /** `--cloud-provider=external`: the node waits for a cloud controller (uninitialized taint). */
  externalCloudProvider: boolean;
  /** `--provider-id`, when Talos passes one (ours does: `hcloud://<server id>`). */
  providerId: string | undefined;
  /** `--node-ip` subnets; the kubelet's InternalIP is the node's address inside them. */
  nodeIpSubnets: string[];
  labels: Record<string, string>;
  taints: Taint[];
  /** `v1.35.0` from the kubelet image tag, else undefined. */
  kubeletVersion: string | undefined;
}

/** The label and taint Talos gives control planes. */
export const CONTROL_PLANE_ROLE = "node-role.kubernetes.io/control-plane";
/** The taint a kubelet with `--cloud-provider=external` registers with until a cloud controller initializes it. */
export const UNINITIALIZED_TAINT = "node.cloudprovider.kubernetes.io/uninitialized";

/** Reads the kubelet facts from an applied machine config (undefined without a v1alpha1 document). */
export function readKubeletFacts(configYaml: string): KubeletFacts | undefined {
  const v1 = parseAllDocuments(configYaml)
    .map((d) => d.toJS() as Record<string, unknown> | null)
    .find((v) => v?.version === "v1alpha1");
  if (!v1) return undefined;
  const machine = (v1.machine ?? {}) as Record<string, unknown>;
  const cluster = (v1.cluster ?? {}) as Record<string, unknown>;
  const kubelet = (machine.kubelet ?? {}) as Record<string, unknown>;
  const args = (kubelet.extraArgs ?? {}) as Record<string, unknown>;
  const controlPlane = machine.type === "controlplane" || machine.type === "init";
  const labels: Record<string, string> = { ...((machine.nodeLabels ?? {}) as Record<string, string>) };
  if (controlPlane) labels[CONTROL_PLANE_ROLE] = "";
  const taints: Taint[] = Object.entries((machine.nodeTaints ?? {}) as Record<string, string>).map(([key, spec]) => {
    const [value, effect] = String(spec).includes(":") ? String(spec).split(":") : ["", String(spec)];
    return { key, ...(value ? { value } : {}), effect: effect as Taint["effect"] };
  });
  if (controlPlane && cluster.allowSchedulingOnControlPlanes !== true) {
    taints.push({ key: CONTROL_PLANE_ROLE, effect: "NoSchedule" });
  }
  const image = typeof kubelet.image === "string" ? kubelet.image : "";
  const tag = image.includes(":") ? image.slice(image.lastIndexOf(":") + 1) : undefined;
  const nodeIp = (kubelet.nodeIP ?? {}) as { validSubnets?: string[] };
  return {
    controlPlane,
    externalCloudProvider: args["cloud-provider"] === "external",
    providerId: typeof args["provider-id"] === "string" ? args["provider-id"] : undefined,
    nodeIpSubnets: nodeIp.validSubnets ?? [],
    labels,
    taints,
    kubeletVersion: tag && /^v\d+\.\d+\.\d+/.test(tag) ? tag : undefined,
  };
}

/** The kubelet's node IP: the first address inside `--node-ip` subnets, else the first address. */
export function pickNodeIp(facts: KubeletFacts, addresses: string[]): string | undefined {
  if (facts.nodeIpSubnets.length === 0) return addresses[0];
  return addresses.find((ip) => facts.nodeIpSubnets.some((subnet) => cidrContains(subnet, `${ip}/32`)));
}
