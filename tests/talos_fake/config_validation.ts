/**
 * The semantic checks Talos v1.13.9 runs on a decoded machine config before it accepts it in
 * ApplyConfiguration (`v1alpha1_server.go`): `Validate` (`v1alpha1_validation.go`, the `Validate` of each
 * other document, the cross-document conflict checks of `container.go`) and then `RuntimeValidate`
 * (Kubernetes image versions against the running Talos). Only the rules a config like ours can touch are
 * here; the error text and its hashicorp/go-multierror layout are Talos' own.
 *
 * @module
 */
import { GrpcCode } from "../../src/talos/grpc/errors.ts";
import type { DecodedDocument } from "./config_decoder.ts";
import { RpcError } from "./grpc_server.ts";

/** Where the config is applied. */
export interface ValidationContext {
  /** A node without a complete config (maintenance mode) also takes configs without a v1alpha1 document. */
  inMaintenance: boolean;
  /** The running Talos, e.g. `v1.13.9` (Kubernetes versions are checked against it). */
  talosVersion: string;
  /** Talos checks the install section only on bare metal (`RequiresInstall`); Hetzner Cloud is `cloud`. */
  platformMode: "cloud" | "metal";
}

// deno-lint-ignore no-explicit-any
type Any = any;

/** Throws `InvalidArgument` with Talos' text when Talos would refuse the config. */
export function validateMachineConfig(docs: DecodedDocument[], context: ValidationContext): void {
  const v1 = docs.find((d) => d.kind === "v1alpha1")?.value as Any;
  if (v1 === undefined && !context.inMaintenance) {
    throw invalid(
      "the applied machine configuration doesn't contain v1alpha1 config, did you mean to patch the machine config instead?",
    );
  }
  const problems: string[] = [];
  if (v1 !== undefined) {
    const own = validateV1alpha1(v1, context);
    if (own.length > 0) problems.push(`v1alpha1.Config: ${multiError(own)}`);
  }
  for (const doc of docs) {
    const own = DOCUMENT_RULES[doc.kind]?.(doc.value as Any) ?? [];
    if (own.length > 0) problems.push(`${doc.name ? `${doc.kind}/${doc.name}` : doc.kind}: ${own.join("\n")}`);
  }
  if (v1 !== undefined) {
    for (const doc of docs) if (doc.kind === "HostnameConfig") problems.push(...hostnameConflicts(v1));
  }
  if (problems.length > 0) throw invalid(multiError(problems));

  const runtime = v1 === undefined ? [] : runtimeValidateV1alpha1(v1, context.talosVersion);
  if (runtime.length > 0) throw invalid(multiError([`v1alpha1.Config: ${multiError(runtime)}`]));
}

/** `machine.Type` as Talos parses it (`machine.ParseType`): `join` and empty mean worker. */
export function machineTypeOf(value: unknown): "init" | "controlplane" | "worker" | undefined {
  if (value === "init" || value === "controlplane") return value;
  if (value === "worker" || value === "join" || value === "" || value === undefined || value === null) return "worker";
  return undefined;
}

function validateV1alpha1(c: Any, context: ValidationContext): string[] {
  const out: string[] = [];
  const machine = c.machine;
  if (machine === undefined || machine === null) return ["machine instructions are required"];
  const type = machineTypeOf(machine.type);
  const controlPlane = type === "init" || type === "controlplane";
  out.push(...validateCluster(c.cluster, controlPlane));

  if (context.platformMode === "metal") {
    const install = machine.install;
    if (install === undefined || install === null) {
      out.push(`install instructions are required in "metal" mode`);
    } else {
      if (install.diskSelector?.name !== undefined) {
        out.push("install disk selector is invalid: selector on name is not supported");
      }
      if (!install.disk && !install.diskSelector) out.push("either install disk or diskSelector should be defined");
    }
  }

  const hostDNS = machine.features?.hostDNS ?? {};
  if (hostDNS.forwardKubeDNSToHost === true && hostDNS.enabled !== true) {
    out.push("feature hostDNS.forwardKubeDNSToHost requires hostDNS.enabled to be true (.machine.features.hostDNS)");
  }
  const ca = machine.ca;
  const hasCa = ca !== undefined && ca !== null && (Boolean(ca.crt) || Boolean(ca.key));
  if (!hasCa && !machine.acceptedCAs) {
    out.push("issuing CA or some accepted CAs are required (.machine.ca, machine.acceptedCAs)");
  }
  if (controlPlane) {
    out.push(...validateCni(c.cluster?.network?.cni));
    if (!hasCa) out.push("issuing CA is required (.machine.ca)");
    else if (!ca.key) out.push("issuing CA key is required for controlplane nodes (.machine.ca.key)");
  } else if (type === "worker") {
    if (hasCa && ca.key) out.push("issuing Talos API CA key is not allowed on non-controlplane nodes (.machine.ca)");
    if (hasCa && !ca.crt && !machine.acceptedCAs) {
      out.push(
        "trusted CA certificates are required on non-controlplane nodes (.machine.ca.crt, .machine.acceptedCAs)",
      );
    }
    if (c.cluster?.ca?.key) {
      out.push("issuing Kubernetes API CA key is not allowed on non-controlplane nodes (.cluster.ca)");
    }
  } else {
    out.push(`unknown machine type "${String(machine.type)}"`);
  }

  const kubelet = machine.kubelet;
  if (kubelet) {
    for (const cidr of kubelet.nodeIP?.validSubnets ?? []) {
      if (!isSubnetOrAddress(String(cidr).replace(/^!/, ""))) out.push(`kubelet nodeIP subnet is not valid: "${cidr}"`);
    }
    for (const field of PROTECTED_KUBELET_FIELDS) {
      if (kubelet.extraConfig && field in kubelet.extraConfig) {
        out.push(`kubelet configuration field "${field}" can't be overridden`);
      }
    }
  }

  const access = machine.features?.kubernetesTalosAPIAccess;
  if (access?.enabled === true) {
    if (!controlPlane) {
      out.push("feature Kubernetes Talos API Access can only be enabled on control plane machines");
    }
    for (const role of access.allowedRoles ?? []) {
      if (!TALOS_ROLES.includes(role)) {
        out.push(`invalid role "${role}" in allowed roles for Kubernetes Talos API Access`);
      }
    }
  }
  if (c.persist === false) out.push(".persist should be enabled");
  return out;
}

/** `ClusterConfig.Validate`: the endpoint, DNS domain, etcd, the cluster CA key, discovery. */
function validateCluster(cluster: Any, controlPlane: boolean): string[] {
  if (cluster === undefined || cluster === null) return ["cluster instructions are required"];
  const endpoint = cluster.controlPlane?.endpoint;
  if (endpoint === undefined || endpoint === null) return ["cluster controlplane endpoint is required"];
  const out: string[] = [];
  const endpointError = validateEndpointUri(String(endpoint));
  if (endpointError) out.push(`invalid controlplane endpoint: ${endpointError}`);
  const domain = cluster.network?.dnsDomain;
  if (typeof domain === "string" && domain !== "" && !isValidDnsName(domain)) {
    out.push(`"${domain}" is not a valid DNS name`);
  }
  const ecp = cluster.externalCloudProvider;
  if (ecp && ecp.enabled !== true && (ecp.manifests ?? []).length > 0) {
    out.push("external cloud provider is disabled, but manifests are provided");
  }
  if (cluster.etcd) {
    if (!controlPlane) {
      out.push("etcd config is only allowed on control plane machines");
    } else {
      const etcd = cluster.etcd;
      if (!etcd.ca) out.push("key/cert combination should not be empty");
      if (etcd.subnet && (etcd.advertisedSubnets ?? []).length > 0) {
        out.push("etcd subnet can't be set when advertised subnets are set");
      }
      for (const cidr of etcd.advertisedSubnets ?? (etcd.subnet ? [etcd.subnet] : [])) {
        if (!isSubnetOrAddress(String(cidr).replace(/^!/, ""))) {
          out.push(`etcd advertised subnet is not valid: "${cidr}"`);
        }
      }
      for (const cidr of etcd.listenSubnets ?? []) {
        if (!isSubnetOrAddress(String(cidr).replace(/^!/, ""))) out.push(`etcd listen subnet is not valid: "${cidr}"`);
      }
    }
  }
  if (cluster.ca?.key && !controlPlane) {
    out.push("cluster CA key is not allowed on non-controlplane nodes (.cluster.ca)");
  }
  const discovery = cluster.discovery;
  if (discovery?.enabled === true && discovery.registries?.service?.disabled !== true) {
    const url = parseUrl(String(discovery.registries?.service?.endpoint ?? "https://discovery.talos.dev/"));
    if (url === undefined) out.push("cluster discovery service registry endpoint is invalid");
    else if (url.path !== "" && url.path !== "/") out.push("cluster discovery service path should be empty");
    if (!cluster.id) out.push("cluster discovery service requires .cluster.id");
    if (!cluster.secret) out.push("cluster discovery service requires .cluster.secret");
  }
  return out;
}

function validateCni(cni: Any): string[] {
  const name = cni?.name ?? "flannel";
  const urls: unknown[] = cni?.urls ?? [];
  const out: string[] = [];
  if (name === "flannel" || name === "none") {
    if (urls.length !== 0) out.push(`"urls" field should be empty for "${name}" CNI`);
  } else if (name !== "custom") {
    out.push(`cni name should be one of ["flannel", "custom", "none"]`);
  }
  return out;
}

/** siderolabs/net `ValidateEndpointURI`: a host is required; a port, when given, is 1–65535. */
function validateEndpointUri(endpoint: string): string | undefined {
  const url = parseUrl(endpoint);
  if (url === undefined) return `parse "${endpoint}": invalid URI`;
  if ((url.host.match(/:/g) ?? []).length > 2 && !(url.host.includes("[") && url.host.includes("]"))) {
    return "IPv6 addresses MUST be enclosed by square brackets";
  }
  if (url.hostname === "") return "hostname must not be blank";
  if (url.port !== "") {
    if (!/^\d+$/.test(url.port)) return "port number must be numeric";
    const port = Number(url.port);
    if (port < 1 || port > 65535) return "port number must be between 1 and 65535";
  }
  return undefined;
}

/** Splits a URL like Go's `net/url` does for the parts Talos looks at (host, port, path). */
function parseUrl(text: string): { host: string; hostname: string; port: string; path: string } | undefined {
  const match = /^([a-zA-Z][a-zA-Z0-9+.-]*:)?(\/\/([^/?#]*))?([^?#]*)/.exec(text);
  if (!match) return undefined;
  const host = (match[3] ?? "").replace(/^.*@/, "");
  const bracketed = /^\[([^\]]*)\](?::(.*))?$/.exec(host);
  if (bracketed) return { host, hostname: bracketed[1]!, port: bracketed[2] ?? "", path: match[4] ?? "" };
  const colon = host.lastIndexOf(":");
  const hostname = colon < 0 || host.indexOf(":") !== colon ? host : host.slice(0, colon);
  const port = colon < 0 || host.indexOf(":") !== colon ? "" : host.slice(colon + 1);
  return { host, hostname, port, path: match[4] ?? "" };
}

function isValidDnsName(name: string): boolean {
  if (name === "" || name.length - (name.match(/\./g) ?? []).length > 255) return false;
  return /^([a-zA-Z0-9_][a-zA-Z0-9_-]{0,62})(\.[a-zA-Z0-9_][a-zA-Z0-9_-]{0,62})*[._]?$/.test(name);
}

/** siderolabs/net `ParseSubnetOrAddress`: a CIDR (`netip.ParsePrefix`) or a bare address. */
export function isSubnetOrAddress(text: string): boolean {
  const [address, bits, extra] = text.split("/");
  if (extra !== undefined || address === undefined) return false;
  const v4 = isIpv4(address);
  const v6 = !v4 && isIpv6(address);
  if (!v4 && !v6) return false;
  if (bits === undefined) return true;
  return /^(0|[1-9]\d{0,2})$/.test(bits) && Number(bits) <= (v4 ? 32 : 128);
}

function isIpv4(text: string): boolean {
  const parts = text.split(".");
  return parts.length === 4 && parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255);
}

function isIpv6(text: string): boolean {
  if (!/^[0-9a-fA-F:.]+$/.test(text) || !text.includes(":")) return false;
  try {
    return new URL(`http://[${text}]/`).hostname.length > 2;
  } catch {
    return false;
  }
}

/** Kubelet config fields Talos sets itself (`pkg/machinery/kubelet` `ProtectedConfigurationFields`). */
const PROTECTED_KUBELET_FIELDS = [
  "apiVersion",
  "authentication",
  "authorization",
  "cgroupRoot",
  "kind",
  "kubeletCgroups",
  "port",
  "protectKernelDefaults",
  "resolvConf",
  "rotateCertificates",
  "systemCgroups",
  "staticPodPath",
  "seccompDefault",
];

/** `role.All` of Talos v1.13.9. */
const TALOS_ROLES = [
  "os:admin",
  "os:operator",
  "os:reader",
  "os:etcd:backup",
  "os:image:verifier",
  "os:meta:writer",
  "os:impersonator",
];

/** `Validate` of the other document kinds our configs use (errors joined like Go's `errors.Join`). */
const DOCUMENT_RULES: Record<string, (doc: Any) => string[]> = {
  HostnameConfig(doc) {
    const out: string[] = [];
    const auto = doc.auto as string | undefined;
    const hostname = typeof doc.hostname === "string" ? doc.hostname : "";
    if (auto === undefined && hostname === "") out.push("either 'auto' or 'hostname' must be set");
    if ((auto ?? "off") !== "off" && hostname !== "") out.push("'auto' and 'hostname' cannot be set at the same time");
    if (auto !== undefined && auto !== "off" && auto !== "stable") out.push(`invalid value for 'auto': ${auto}`);
    if (hostname !== "") {
      if (hostname.length > 253) out.push(`fqdn is too long: ${hostname.length}`);
      const label = hostname.split(".")[0]!;
      if (label.length === 0 || label.length > 63) out.push(`invalid hostname "${label}"`);
    }
    return out;
  },
  VolumeConfig(doc) {
    const allowed = ["STATE", "EPHEMERAL", "IMAGECACHE"];
    if (!allowed.includes(doc.name)) return [`only ["${allowed.join('" "')}"] volumes are supported`];
    const out: string[] = [];
    const encryption = doc.encryption;
    if (doc.name === "STATE" && doc.provisioning && Object.keys(doc.provisioning).length > 0) {
      out.push(`provisioning config is not allowed for the "STATE" volume`);
    }
    if (encryption && Object.keys(encryption).length > 0) {
      if (doc.name === "STATE" && (encryption.keys ?? []).some((k: Any) => k?.lockToState === true)) {
        out.push(`state-locked key is not allowed for the "STATE" volume`);
      }
      if (encryption.provider !== "luks2") {
        out.push(`unsupported encryption provider: ${encryption.provider ?? "none"}`);
      }
      const keys: Any[] = encryption.keys ?? [];
      if (keys.length === 0) out.push("encryption keys are required");
      const slots = new Set<number>();
      for (const key of keys) {
        const slot = key?.slot ?? 0;
        if (slots.has(slot)) out.push(`duplicate key slot ${slot}`);
        slots.add(slot);
        if (!key?.static && !key?.nodeID && !key?.kms && !key?.tpm) {
          out.push(`at least one encryption key type must be specified for slot ${slot}`);
        }
      }
    }
    return out;
  },
};

/** `HostnameConfigV1Alpha1.V1Alpha1ConflictValidate`: the hostname is set in one place only. */
function hostnameConflicts(v1: Any): string[] {
  if (v1.machine?.network?.hostname) return ["static hostname is already set in v1alpha1 config"];
  if (v1.machine?.features?.stableHostname === true) return ["stable hostname is already set in v1alpha1 config"];
  return [];
}

/** `Config.RuntimeValidate`: the Kubernetes images must carry a version the running Talos supports. */
function runtimeValidateV1alpha1(c: Any, talosVersion: string): string[] {
  const out: string[] = [];
  const images: Array<[string, unknown]> = [["kubelet", c.machine?.kubelet?.image]];
  if (machineTypeOf(c.machine?.type) !== "worker" && c.cluster) {
    images.push(
      ["kube-apiserver", c.cluster.apiServer?.image],
      ["kube-controller-manager", c.cluster.controllerManager?.image],
      ["kube-scheduler", c.cluster.scheduler?.image],
    );
  }
  for (const [name, image] of images) {
    // An absent image is Talos' default for its version, which it supports.
    if (typeof image !== "string" || image === "") continue;
    const problem = kubernetesImageProblem(image, talosVersion);
    if (problem) out.push(`${name} image is not valid: ${problem}`);
  }
  return out;
}

/** Kubernetes versions each Talos minor supports (`pkg/machinery/compatibility/talos1xx`). */
const SUPPORTED_KUBERNETES: Record<string, [string, string]> = {
  "1.13": ["1.31.0", "1.36.99"],
};

function kubernetesImageProblem(image: string, talosVersion: string): string | undefined {
  const index = image.lastIndexOf(":v");
  if (index < 0) {
    return `failed to parse Kubernetes version from image reference "${image}": invalid image reference: "${image}"`;
  }
  const version = image.slice(index + 2).split("@")[0]!;
  const k8s = parseSemver(version);
  if (!k8s) return `failed to parse Kubernetes version from image reference "${image}": Invalid character(s) found`;
  const talos = parseSemver(talosVersion.replace(/^v/, ""));
  const range = talos ? SUPPORTED_KUBERNETES[`${talos[0]}.${talos[1]}`] : undefined;
  if (!talos || !range) return undefined;
  const shown = k8s.join(".");
  const talosShown = talosVersion.replace(/^v/, "");
  if (compare(k8s, parseSemver(range[0])!) < 0) {
    return `version of Kubernetes ${shown} is too old to be used with Talos ${talosShown}`;
  }
  if (compare(k8s, parseSemver(range[1])!) > 0) {
    return `version of Kubernetes ${shown} is too new to be used with Talos ${talosShown}`;
  }
  return undefined;
}

function parseSemver(text: string): [number, number, number] | undefined {
  const match = /^(\d+)\.(\d+)(?:\.(\d+))?(?:[-+].*)?$/.exec(text);
  return match ? [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)] : undefined;
}

function compare(a: number[], b: number[]): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

/** hashicorp/go-multierror's default `ListFormatFunc`. */
export function multiError(errors: string[]): string {
  if (errors.length === 1) return `1 error occurred:\n\t* ${errors[0]}\n\n`;
  return `${errors.length} errors occurred:\n\t${errors.map((e) => `* ${e}`).join("\n\t")}\n\n`;
}

function invalid(message: string): RpcError {
  return new RpcError(GrpcCode.INVALID_ARGUMENT, message);
}
