/**
 * What the fake node reads from an applied machine config: the v1alpha1 document's OS CA (`machine.ca`,
 * base64 PEM), machine type, hostname (v1.13 `HostnameConfig` document, or the legacy
 * `machine.network.hostname`), and certificate SANs.
 *
 * @module
 */
import { parseAllDocuments } from "yaml";
import { GrpcCode } from "../../src/talos/grpc/errors.ts";
import { RpcError } from "./grpc_server.ts";

/** The parts of a machine config the fake acts on. */
export interface AppliedConfig {
  machineType: "controlplane" | "worker" | "init";
  osCaCertPem: string;
  osCaKeyPem: string;
  hostname: string | undefined;
  certSans: string[];
  installImage: string | undefined;
}

/** Parses a machine config; a malformed one is an `InvalidArgument` RPC error, as Talos answers. */
export function readAppliedConfig(text: string): AppliedConfig {
  const docs = parseAllDocuments(text);
  if (!Array.isArray(docs)) throw invalid("the machine configuration is empty");
  const values: Array<Record<string, unknown>> = [];
  for (const doc of docs) {
    if (doc.errors.length > 0) throw invalid(`failed to decode the machine configuration: ${doc.errors[0]!.message}`);
    const value = doc.toJS();
    if (value && typeof value === "object") values.push(value as Record<string, unknown>);
  }
  const v1 = values.find((v) => v.version === "v1alpha1");
  if (!v1) {
    throw invalid("the applied machine configuration doesn't contain v1alpha1 config, which is required");
  }
  const machine = (v1.machine ?? {}) as Record<string, unknown>;
  const type = machine.type;
  if (type !== "controlplane" && type !== "worker" && type !== "init") {
    throw invalid(`machine.type "${String(type)}" is not one of controlplane, worker, init`);
  }
  const ca = (machine.ca ?? {}) as Record<string, unknown>;
  const osCaCertPem = decodePemField(ca.crt, "machine.ca.crt", "CERTIFICATE");
  const osCaKeyPem = decodePemField(ca.key, "machine.ca.key", "PRIVATE KEY");
  const hostnameDoc = values.find((v) => v.kind === "HostnameConfig");
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
  };
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
