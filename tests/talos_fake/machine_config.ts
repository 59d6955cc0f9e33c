/**
 * What the fake node reads from an applied machine config, once Talos' decoder and validation accepted it
 * (`config_decoder.ts`, `config_validation.ts`): the v1alpha1 document's OS CA (`machine.ca`, base64 PEM),
 * machine type, hostname (v1.13 `HostnameConfig` document, or the legacy `machine.network.hostname`), and
 * certificate SANs.
 *
 * Workers carry only the OS CA certificate (Talos gives them no CA key): a real worker asks trustd on a
 * control plane for its API certificate. The fake does the same through its network: it borrows the key
 * from a configured control plane with the same CA ({@linkcode resolveOsCaKey}).
 *
 * @module
 */
import { GrpcCode } from "../../src/talos/grpc/errors.ts";
import { toPkcs8KeyPem } from "../../src/talos/pki.ts";
import { RpcError } from "./grpc_server.ts";
import { decodeMachineConfig, type TalosConfigSchema } from "./config_decoder.ts";
import { machineTypeOf, validateMachineConfig, type ValidationContext } from "./config_validation.ts";

/** The parts of a machine config the fake acts on. */
export interface AppliedConfig {
  machineType: "controlplane" | "worker" | "init";
  osCaCertPem: string;
  /** PKCS#8 PEM; absent in worker configs until {@linkcode resolveOsCaKey} finds it on a control plane. */
  osCaKeyPem: string | undefined;
  hostname: string | undefined;
  certSans: string[];
  installImage: string | undefined;
  /** `machine.kubelet` as canonical JSON: when it changes, Talos restarts the kubelet service. */
  kubelet: string;
}

/**
 * Decodes and validates a machine config as Talos does (a refused one is an `InvalidArgument` RPC error with
 * Talos' text) and reads what the fake acts on. `undefined`: a config without a v1alpha1 document, which
 * Talos takes only in maintenance mode and which leaves the node there.
 */
export function readAppliedConfig(
  text: string,
  schema: TalosConfigSchema,
  context: ValidationContext,
): AppliedConfig | undefined {
  const docs = decodeMachineConfig(text, schema);
  validateMachineConfig(docs, context);
  const v1 = docs.find((d) => d.kind === "v1alpha1")?.value;
  if (v1 === undefined) return undefined;
  const machine = (v1.machine ?? {}) as Record<string, unknown>;
  const type = machineTypeOf(machine.type)!;
  const ca = (machine.ca ?? {}) as Record<string, unknown>;
  // Talos only checks that the CA fields are there; the fake needs them to be PEM to issue its certificate.
  const osCaCertPem = decodePemField(ca.crt, "machine.ca.crt", "CERTIFICATE");
  // Talos writes the Ed25519 key as `ED25519 PRIVATE KEY` (PKCS#8 inside); the fake works with plain PKCS#8.
  const osCaKeyPem = ca.key === undefined && type === "worker"
    ? undefined
    : toPkcs8KeyPem(decodePemField(ca.key, "machine.ca.key", "PRIVATE KEY"));
  const hostnameDoc = docs.find((d) => d.kind === "HostnameConfig")?.value;
  const network = (machine.network ?? {}) as Record<string, unknown>;
  const hostname = typeof hostnameDoc?.hostname === "string"
    ? hostnameDoc.hostname
    : typeof network.hostname === "string"
    ? network.hostname
    : undefined;
  const certSans = Array.isArray(machine.certSANs) ? machine.certSANs.map(String) : [];
  const install = (machine.install ?? {}) as Record<string, unknown>;
  return {
    machineType: type,
    osCaCertPem,
    osCaKeyPem,
    hostname,
    certSans,
    installImage: typeof install.image === "string" ? install.image : undefined,
    kubelet: canonicalJson(machine.kubelet ?? {}),
  };
}

function canonicalJson(value: unknown): string {
  return JSON.stringify(
    value,
    (_key, v) =>
      v && typeof v === "object" && !Array.isArray(v)
        ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, (v as Record<string, unknown>)[k]]))
        : v,
  );
}

function decodePemField(value: unknown, field: string, kind: string): string {
  if (typeof value !== "string" || value === "") throw invalid(`${field} is required`);
  let pem: string;
  try {
    pem = atob(value.replace(/\s+/g, ""));
  } catch {
    throw invalid(`${field} is not base64`);
  }
  if (!pem.includes("-----BEGIN") || !pem.includes(kind)) throw invalid(`${field} is not a PEM ${kind}`);
  return pem;
}

function invalid(message: string): RpcError {
  return new RpcError(GrpcCode.INVALID_ARGUMENT, message);
}

/**
 * The OS CA key for a config: its own, or (worker) the key of a configured node on `nodes` whose config has
 * the same CA certificate, like trustd issuing the worker's certificate. Throws `FAILED_PRECONDITION` when no
 * such node exists.
 */
export function resolveOsCaKey(config: AppliedConfig, nodes: Iterable<{ state: { config?: AppliedConfig } }>): string {
  if (config.osCaKeyPem !== undefined) return config.osCaKeyPem;
  for (const node of nodes) {
    const other = node.state.config;
    if (other?.osCaKeyPem !== undefined && other.osCaCertPem === config.osCaCertPem) return other.osCaKeyPem;
  }
  throw new RpcError(
    GrpcCode.FAILED_PRECONDITION,
    "no configured control plane with this OS CA is reachable (trustd) to issue the node certificate",
  );
}
