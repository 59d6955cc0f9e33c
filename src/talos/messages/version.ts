/**
 * `machine.MachineService/Version` reply (`machine.VersionResponse`).
 *
 * @module
 */
import { boolField, bytesField, readFields, stringField, writeBool, writeMessage, writeString } from "./codec.ts";
import { BinaryWriter } from "./codec.ts";
import { metadataField, type WithMetadata, writerWithMetadata } from "./common.ts";

/** `machine.VersionInfo`. */
export interface VersionInfo {
  tag: string;
  sha: string;
  built: string;
  goVersion: string;
  os: string;
  arch: string;
}

/** One node's `machine.Version`. */
export interface VersionReply extends WithMetadata {
  version?: VersionInfo;
  platform?: { name: string; mode: string };
  features?: { rbac: boolean };
}

/** Encodes `machine.Version`. */
export function encodeVersion(reply: VersionReply): Uint8Array {
  const w = writerWithMetadata(reply);
  if (reply.version) {
    const v = new BinaryWriter();
    writeString(v, 1, reply.version.tag);
    writeString(v, 2, reply.version.sha);
    writeString(v, 3, reply.version.built);
    writeString(v, 4, reply.version.goVersion);
    writeString(v, 5, reply.version.os);
    writeString(v, 6, reply.version.arch);
    writeMessage(w, 2, v.finish());
  }
  if (reply.platform) {
    const p = new BinaryWriter();
    writeString(p, 1, reply.platform.name);
    writeString(p, 2, reply.platform.mode);
    writeMessage(w, 3, p.finish());
  }
  if (reply.features) {
    const f = new BinaryWriter();
    writeBool(f, 1, reply.features.rbac);
    writeMessage(w, 4, f.finish());
  }
  return w.finish();
}

/** Decodes `machine.Version`. */
export function decodeVersion(bytes: Uint8Array): VersionReply {
  const reply: VersionReply = {};
  readFields(bytes, {
    1: metadataField(reply),
    2: bytesField((b) => {
      const v: VersionInfo = { tag: "", sha: "", built: "", goVersion: "", os: "", arch: "" };
      readFields(b, {
        1: stringField((s) => (v.tag = s)),
        2: stringField((s) => (v.sha = s)),
        3: stringField((s) => (v.built = s)),
        4: stringField((s) => (v.goVersion = s)),
        5: stringField((s) => (v.os = s)),
        6: stringField((s) => (v.arch = s)),
      });
      reply.version = v;
    }),
    3: bytesField((b) => {
      const p = { name: "", mode: "" };
      readFields(b, { 1: stringField((s) => (p.name = s)), 2: stringField((s) => (p.mode = s)) });
      reply.platform = p;
    }),
    4: bytesField((b) => {
      const f = { rbac: false };
      readFields(b, { 1: boolField((x) => (f.rbac = x)) });
      reply.features = f;
    }),
  });
  return reply;
}
