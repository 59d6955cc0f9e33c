/**
 * `ApplyConfiguration` and `Bootstrap` messages.
 *
 * @module
 */
import {
  BinaryWriter,
  boolField,
  bytesField,
  enumCodec,
  int32Field,
  readFields,
  stringField,
  writeBool,
  writeBytes,
  writeInt32,
  writeMessage,
  writeString,
} from "./codec.ts";
import { decodeDuration, encodeDuration, metadataField, type WithMetadata, writerWithMetadata } from "./common.ts";

/** How a node applies a new machine config (`machine.ApplyConfigurationRequest.Mode`). */
export type ApplyMode = "REBOOT" | "AUTO" | "NO_REBOOT" | "STAGED" | "TRY";

/** All apply modes, in enum order. */
export const APPLY_MODES: readonly ApplyMode[] = ["REBOOT", "AUTO", "NO_REBOOT", "STAGED", "TRY"];
const applyMode = enumCodec(APPLY_MODES);

/** `machine.ApplyConfigurationRequest`. */
export interface ApplyConfigurationRequest {
  /** The machine config (multi-document YAML) as bytes. */
  data: Uint8Array;
  mode: ApplyMode | number;
  dryRun?: boolean;
  /** For mode TRY: how long the config stays before the node rolls back. */
  tryModeTimeoutMs?: number;
}

/** One node's `machine.ApplyConfiguration`. */
export interface ApplyConfigurationReply extends WithMetadata {
  warnings: string[];
  mode: ApplyMode | number;
  modeDetails: string;
}

/** Encodes `machine.ApplyConfigurationRequest`. */
export function encodeApplyConfigurationRequest(request: ApplyConfigurationRequest): Uint8Array {
  const w = new BinaryWriter();
  writeBytes(w, 1, request.data);
  writeInt32(w, 4, applyMode.encode(request.mode));
  writeBool(w, 5, request.dryRun);
  if (request.tryModeTimeoutMs !== undefined) writeMessage(w, 6, encodeDuration(request.tryModeTimeoutMs));
  return w.finish();
}

/** Decodes `machine.ApplyConfigurationRequest`. */
export function decodeApplyConfigurationRequest(bytes: Uint8Array): ApplyConfigurationRequest {
  const request: ApplyConfigurationRequest = { data: new Uint8Array(0), mode: "REBOOT" };
  readFields(bytes, {
    1: bytesField((v) => (request.data = v)),
    4: int32Field((v) => (request.mode = applyMode.decode(v))),
    5: boolField((v) => (request.dryRun = v)),
    6: bytesField((v) => (request.tryModeTimeoutMs = decodeDuration(v))),
  });
  return request;
}

/** Encodes `machine.ApplyConfiguration`. */
export function encodeApplyConfiguration(reply: ApplyConfigurationReply): Uint8Array {
  const w = writerWithMetadata(reply);
  for (const warning of reply.warnings) writeString(w, 2, warning);
  writeInt32(w, 3, applyMode.encode(reply.mode));
  writeString(w, 4, reply.modeDetails);
  return w.finish();
}

/** Decodes `machine.ApplyConfiguration`. */
export function decodeApplyConfiguration(bytes: Uint8Array): ApplyConfigurationReply {
  const reply: ApplyConfigurationReply = { warnings: [], mode: "REBOOT", modeDetails: "" };
  readFields(bytes, {
    1: metadataField(reply),
    2: stringField((v) => reply.warnings.push(v)),
    3: int32Field((v) => (reply.mode = applyMode.decode(v))),
    4: stringField((v) => (reply.modeDetails = v)),
  });
  return reply;
}

/** `machine.BootstrapRequest`. */
export interface BootstrapRequest {
  recoverEtcd?: boolean;
  recoverSkipHashCheck?: boolean;
}

/** Encodes `machine.BootstrapRequest`. */
export function encodeBootstrapRequest(request: BootstrapRequest): Uint8Array {
  const w = new BinaryWriter();
  writeBool(w, 1, request.recoverEtcd);
  writeBool(w, 2, request.recoverSkipHashCheck);
  return w.finish();
}

/** Decodes `machine.BootstrapRequest`. */
export function decodeBootstrapRequest(bytes: Uint8Array): BootstrapRequest {
  const request: BootstrapRequest = {};
  readFields(bytes, {
    1: boolField((v) => (request.recoverEtcd = v)),
    2: boolField((v) => (request.recoverSkipHashCheck = v)),
  });
  return request;
}
