/**
 * What kube-apiserver's Service REST storage does to a Service on create and update: allocate the
 * cluster IP from `--service-cluster-ip-range` and a node port (30000-32767) for every port of a
 * NodePort or LoadBalancer Service, default the fields clients read back (`type`, `ipFamilies`,
 * `sessionAffinity`, traffic policies, `targetPort`), keep the allocated values when an update leaves
 * them out, and refuse what it refuses (an IP outside the range or taken, a node port out of range or
 * taken, a changed cluster IP). Helm's `--wait` (kstatus) reports a LoadBalancer Service without
 * `spec.clusterIP` as never ready, so a chart like Traefik's cannot install without this.
 *
 * Allocations are re-read from the stored Services (the real allocator keeps a bitmap in etcd).
 *
 * @module
 */
import { cidrContains, cidrHost } from "../../src/lib/cidr.ts";
import { invalid } from "./status.ts";
import type { ResourceType } from "./resources.ts";
import type { KubeObj } from "./object_meta.ts";

/** kube-apiserver's defaults. */
export const DEFAULT_SERVICE_CIDR = "10.96.0.0/12";
const NODE_PORT_MIN = 30000;
const NODE_PORT_MAX = 32767;
/** The first address of the range belongs to the `default/kubernetes` Service. */
const FIRST_DYNAMIC_HOST = 10;

interface ServicePort {
  name?: string;
  port?: number;
  protocol?: string;
  targetPort?: number | string;
  nodePort?: number;
}

interface ServiceSpec {
  type?: string;
  clusterIP?: string;
  clusterIPs?: string[];
  ports?: ServicePort[];
  [key: string]: unknown;
}

/** Whether `rt` is the core Service type. */
export function isService(rt: ResourceType): boolean {
  return rt.group === "" && rt.kind === "Service";
}

/**
 * Defaults and allocates in `obj` (a Service being written, changed in place) as the API server does;
 * `old` is the stored Service on update, `others` every other stored Service. Throws 422 on a refusal.
 */
export function allocateService(
  rt: ResourceType,
  name: string,
  obj: KubeObj,
  old: KubeObj | undefined,
  others: KubeObj[],
  serviceCidr: string = DEFAULT_SERVICE_CIDR,
): void {
  const spec = (obj.spec ??= {}) as ServiceSpec;
  const oldSpec = (old?.spec ?? {}) as ServiceSpec;
  spec.type ??= "ClusterIP";
  if (spec.type === "ExternalName") return;
  const usedIps = new Set(others.flatMap((s) => ((s.spec ?? {}) as ServiceSpec).clusterIPs ?? []));
  const usedPorts = new Set(
    others.flatMap((s) => (((s.spec ?? {}) as ServiceSpec).ports ?? []).map((p) => p.nodePort ?? 0)),
  );
  allocateClusterIp(rt, name, spec, oldSpec, old !== undefined, usedIps, serviceCidr);
  spec.ipFamilies ??= ["IPv4"];
  spec.ipFamilyPolicy ??= "SingleStack";
  spec.sessionAffinity ??= "None";
  spec.internalTrafficPolicy ??= "Cluster";
  const external = spec.type === "NodePort" || spec.type === "LoadBalancer";
  if (external) spec.externalTrafficPolicy ??= "Cluster";
  if (spec.type === "LoadBalancer") spec.allocateLoadBalancerNodePorts ??= true;
  const wantsNodePorts = spec.type === "NodePort" ||
    (spec.type === "LoadBalancer" && spec.allocateLoadBalancerNodePorts !== false);
  for (const [i, port] of (spec.ports ?? []).entries()) {
    port.protocol ??= "TCP";
    port.targetPort ??= port.port;
    if (!wantsNodePorts) continue;
    const kept = (oldSpec.ports ?? []).find((p) => p.port === port.port && (p.protocol ?? "TCP") === port.protocol);
    if (port.nodePort === undefined && kept?.nodePort !== undefined) port.nodePort = kept.nodePort;
    const field = `spec.ports[${i}].nodePort`;
    if (port.nodePort !== undefined) {
      if (port.nodePort < NODE_PORT_MIN || port.nodePort > NODE_PORT_MAX) {
        throw invalid(
          rt,
          name,
          `${field}: Invalid value: ${port.nodePort}: provided port is not in the valid range. ` +
            `The range of valid ports is ${NODE_PORT_MIN}-${NODE_PORT_MAX}`,
        );
      }
      if (port.nodePort !== kept?.nodePort && usedPorts.has(port.nodePort)) {
        throw invalid(rt, name, `${field}: Invalid value: ${port.nodePort}: provided port is already allocated`);
      }
    } else {
      let candidate = NODE_PORT_MIN;
      while (usedPorts.has(candidate) && candidate <= NODE_PORT_MAX) candidate++;
      if (candidate > NODE_PORT_MAX) {
        throw invalid(rt, name, `${field}: Invalid value: 0: range is full`);
      }
      port.nodePort = candidate;
    }
    usedPorts.add(port.nodePort);
  }
}

function allocateClusterIp(
  rt: ResourceType,
  name: string,
  spec: ServiceSpec,
  oldSpec: ServiceSpec,
  updating: boolean,
  usedIps: Set<string>,
  serviceCidr: string,
): void {
  const given = spec.clusterIP || spec.clusterIPs?.[0] || undefined;
  if (updating && oldSpec.clusterIP) {
    if (given !== undefined && given !== oldSpec.clusterIP) {
      throw invalid(rt, name, `spec.clusterIPs[0]: Invalid value: []string{"${given}"}: may not change once set`);
    }
    spec.clusterIP = oldSpec.clusterIP;
    spec.clusterIPs = [...(oldSpec.clusterIPs ?? [oldSpec.clusterIP])];
    return;
  }
  if (given === "None") {
    spec.clusterIP = "None";
    spec.clusterIPs = ["None"];
    return;
  }
  if (given !== undefined) {
    if (!cidrContains(serviceCidr, given)) {
      throw invalid(
        rt,
        name,
        `spec.clusterIPs: Invalid value: []string{"${given}"}: failed to allocate IP ${given}: ` +
          `the provided IP (${given}) is not in the valid range. The range of valid IPs is ${serviceCidr}`,
      );
    }
    if (usedIps.has(given)) {
      throw invalid(
        rt,
        name,
        `spec.clusterIPs: Invalid value: []string{"${given}"}: failed to allocate IP ${given}: ` +
          "provided IP is already allocated",
      );
    }
    spec.clusterIP = given;
    spec.clusterIPs = [given];
    return;
  }
  for (let host = FIRST_DYNAMIC_HOST;; host++) {
    const ip = cidrHost(serviceCidr, host);
    if (usedIps.has(ip)) continue;
    spec.clusterIP = ip;
    spec.clusterIPs = [ip];
    return;
  }
}
