/**
 * `Reboot`, `Reset` and `Upgrade` (MachineService) messages.
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
  writeInt32,
  writeMessage,
  writeString,
} from "./codec.ts";
import { metadataField, type WithMetadata, writerWithMetadata } from "./common.ts";

/** `machine.RebootRequest.Mode`. */
export type RebootMode = "DEFAULT" | "POWERCYCLE" | "FORCE";
const rebootMode = enumCodec<RebootMode>(["DEFAULT", "POWERCYCLE", "FORCE"]);

/** `machine.ResetRequest.WipeMode`. */
export type WipeMode = "ALL" | "SYSTEM_DISK" | "USER_DISKS";
const wipeMode = enumCodec<WipeMode>(["ALL", "SYSTEM_DISK", "USER_DISKS"]);

/** `machine.UpgradeRequest.RebootMode`. */
export type UpgradeRebootMode = "DEFAULT" | "POWERCYCLE";
const upgradeRebootMode = enumCodec<UpgradeRebootMode>(["DEFAULT", "POWERCYCLE"]);

/** One node's `machine.Reboot` or `machine.Reset`: the actor id correlates the node's events. */
export interface ActorReply extends WithMetadata {
  actorId: string;
}

/** `machine.RebootRequest`. */
export interface RebootRequest {
  mode?: RebootMode | number;
}

/** `machine.ResetRequest`. */
export interface ResetRequest {
  graceful?: boolean;
  reboot?: boolean;
  systemPartitionsToWipe?: Array<{ label: string; wipe: boolean }>;
  userDisksToWipe?: string[];
  mode?: WipeMode | number;
}

/** `machine.UpgradeRequest`. */
export interface UpgradeRequest {
  image: string;
  preserve?: boolean;
  stage?: boolean;
  force?: boolean;
  rebootMode?: UpgradeRebootMode | number;
}

/** One node's `machine.Upgrade`. */
export interface UpgradeReply extends WithMetadata {
  ack: string;
  actorId: string;
}

/** Encodes `machine.RebootRequest`. */
export function encodeRebootRequest(request: RebootRequest): Uint8Array {
  const w = new BinaryWriter();
  writeInt32(w, 1, rebootMode.encode(request.mode));
  return w.finish();
}

/** Decodes `machine.RebootRequest`. */
export function decodeRebootRequest(bytes: Uint8Array): Required<RebootRequest> {
  const request: Required<RebootRequest> = { mode: "DEFAULT" };
  readFields(bytes, { 1: int32Field((v) => (request.mode = rebootMode.decode(v))) });
  return request;
}

/** Encodes `machine.Reboot`/`machine.Reset` (same shape). */
export function encodeActorReply(reply: ActorReply): Uint8Array {
  const w = writerWithMetadata(reply);
  writeString(w, 2, reply.actorId);
  return w.finish();
}

/** Decodes `machine.Reboot`/`machine.Reset`. */
export function decodeActorReply(bytes: Uint8Array): ActorReply {
  const reply: ActorReply = { actorId: "" };
  readFields(bytes, { 1: metadataField(reply), 2: stringField((v) => (reply.actorId = v)) });
  return reply;
}

/** Encodes `machine.ResetRequest`. */
export function encodeResetRequest(request: ResetRequest): Uint8Array {
  const w = new BinaryWriter();
  writeBool(w, 1, request.graceful);
  writeBool(w, 2, request.reboot);
  for (const partition of request.systemPartitionsToWipe ?? []) {
    const p = new BinaryWriter();
    writeString(p, 1, partition.label);
    writeBool(p, 2, partition.wipe);
    writeMessage(w, 3, p.finish());
  }
  for (const disk of request.userDisksToWipe ?? []) writeString(w, 4, disk);
  writeInt32(w, 5, wipeMode.encode(request.mode));
  return w.finish();
}

/** Decodes `machine.ResetRequest`. */
export function decodeResetRequest(bytes: Uint8Array): Required<ResetRequest> {
  const request: Required<ResetRequest> = {
    graceful: false,
    reboot: false,
    systemPartitionsToWipe: [],
    userDisksToWipe: [],
    mode: "ALL",
  };
  readFields(bytes, {
    1: boolField((v) => (request.graceful = v)),
    2: boolField((v) => (request.reboot = v)),
    3: bytesField((b) => {
      const partition = { label: "", wipe: false };
      readFields(b, { 1: stringField((v) => (partition.label = v)), 2: boolField((v) => (partition.wipe = v)) });
      request.systemPartitionsToWipe.push(partition);
    }),
    4: stringField((v) => request.userDisksToWipe.push(v)),
    5: int32Field((v) => (request.mode = wipeMode.decode(v))),
  });
  return request;
}

/** Encodes `machine.UpgradeRequest`. */
export function encodeUpgradeRequest(request: UpgradeRequest): Uint8Array {
  const w = new BinaryWriter();
  writeString(w, 1, request.image);
  writeBool(w, 2, request.preserve);
  writeBool(w, 3, request.stage);
  writeBool(w, 4, request.force);
  writeInt32(w, 5, upgradeRebootMode.encode(request.rebootMode));
  return w.finish();
}

/** Decodes `machine.UpgradeRequest`. */
export function decodeUpgradeRequest(bytes: Uint8Array): Required<UpgradeRequest> {
  const request: Required<UpgradeRequest> = {
    image: "",
    preserve: false,
    stage: false,
    force: false,
    rebootMode: "DEFAULT",
  };
  readFields(bytes, {
    1: stringField((v) => (request.image = v)),
    2: boolField((v) => (request.preserve = v)),
    3: boolField((v) => (request.stage = v)),
    4: boolField((v) => (request.force = v)),
    5: int32Field((v) => (request.rebootMode = upgradeRebootMode.decode(v))),
  });
  return request;
}

/** Encodes `machine.Upgrade`. */
export function encodeUpgrade(reply: UpgradeReply): Uint8Array {
  const w = writerWithMetadata(reply);
  writeString(w, 2, reply.ack);
  writeString(w, 3, reply.actorId);
  return w.finish();
}

/** Decodes `machine.Upgrade`. */
export function decodeUpgrade(bytes: Uint8Array): UpgradeReply {
  const reply: UpgradeReply = { ack: "", actorId: "" };
  readFields(bytes, {
    1: metadataField(reply),
    2: stringField((v) => (reply.ack = v)),
    3: stringField((v) => (reply.actorId = v)),
  });
  return reply;
}
