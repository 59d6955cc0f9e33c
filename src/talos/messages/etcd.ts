/**
 * etcd membership messages: `EtcdMemberList`, `EtcdRemoveMemberByID`, `EtcdForfeitLeadership`
 * (`EtcdLeaveCluster` replies carry only metadata).
 *
 * @module
 */
import {
  BinaryWriter,
  boolField,
  bytesField,
  readFields,
  readUint64,
  stringField,
  WireType,
  writeBool,
  writeMessage,
  writeString,
  writeUint64,
} from "./codec.ts";
import { metadataField, type WithMetadata, writerWithMetadata } from "./common.ts";

/** `machine.EtcdMember`. IDs are 64-bit: kept as bigint. */
export interface EtcdMember {
  id: bigint;
  hostname: string;
  peerUrls: string[];
  clientUrls: string[];
  isLearner: boolean;
}

/** One node's `machine.EtcdMembers`. */
export interface EtcdMembersReply extends WithMetadata {
  legacyMembers: string[];
  members: EtcdMember[];
}

/** One node's `machine.EtcdForfeitLeadership`. */
export interface EtcdForfeitLeadershipReply extends WithMetadata {
  /** The member that was leader, empty when this node was not the leader. */
  member: string;
}

/** Encodes `machine.EtcdMemberListRequest`. */
export function encodeEtcdMemberListRequest(request: { queryLocal?: boolean }): Uint8Array {
  const w = new BinaryWriter();
  writeBool(w, 1, request.queryLocal);
  return w.finish();
}

/** Decodes `machine.EtcdMemberListRequest`. */
export function decodeEtcdMemberListRequest(bytes: Uint8Array): { queryLocal: boolean } {
  const request = { queryLocal: false };
  readFields(bytes, { 1: boolField((v) => (request.queryLocal = v)) });
  return request;
}

/** Encodes `machine.EtcdMember`. */
export function encodeEtcdMember(member: EtcdMember): Uint8Array {
  const w = new BinaryWriter();
  writeUint64(w, 2, member.id);
  writeString(w, 3, member.hostname);
  for (const url of member.peerUrls) writeString(w, 4, url);
  for (const url of member.clientUrls) writeString(w, 5, url);
  writeBool(w, 6, member.isLearner);
  return w.finish();
}

/** Decodes `machine.EtcdMember`. */
export function decodeEtcdMember(bytes: Uint8Array): EtcdMember {
  const member: EtcdMember = { id: 0n, hostname: "", peerUrls: [], clientUrls: [], isLearner: false };
  readFields(bytes, {
    2: [WireType.Varint, (r) => (member.id = readUint64(r))],
    3: stringField((v) => (member.hostname = v)),
    4: stringField((v) => member.peerUrls.push(v)),
    5: stringField((v) => member.clientUrls.push(v)),
    6: boolField((v) => (member.isLearner = v)),
  });
  return member;
}

/** Encodes `machine.EtcdMembers`. */
export function encodeEtcdMembers(reply: EtcdMembersReply): Uint8Array {
  const w = writerWithMetadata(reply);
  for (const legacy of reply.legacyMembers) writeString(w, 2, legacy);
  for (const member of reply.members) writeMessage(w, 3, encodeEtcdMember(member));
  return w.finish();
}

/** Decodes `machine.EtcdMembers`. */
export function decodeEtcdMembers(bytes: Uint8Array): EtcdMembersReply {
  const reply: EtcdMembersReply = { legacyMembers: [], members: [] };
  readFields(bytes, {
    1: metadataField(reply),
    2: stringField((v) => reply.legacyMembers.push(v)),
    3: bytesField((v) => reply.members.push(decodeEtcdMember(v))),
  });
  return reply;
}

/** Encodes `machine.EtcdRemoveMemberByIDRequest`. */
export function encodeEtcdRemoveMemberByIdRequest(request: { memberId: bigint }): Uint8Array {
  const w = new BinaryWriter();
  writeUint64(w, 1, request.memberId);
  return w.finish();
}

/** Decodes `machine.EtcdRemoveMemberByIDRequest`. */
export function decodeEtcdRemoveMemberByIdRequest(bytes: Uint8Array): { memberId: bigint } {
  const request = { memberId: 0n };
  readFields(bytes, { 1: [WireType.Varint, (r) => (request.memberId = readUint64(r))] });
  return request;
}

/** Encodes `machine.EtcdForfeitLeadership`. */
export function encodeEtcdForfeitLeadership(reply: EtcdForfeitLeadershipReply): Uint8Array {
  const w = writerWithMetadata(reply);
  writeString(w, 2, reply.member);
  return w.finish();
}

/** Decodes `machine.EtcdForfeitLeadership`. */
export function decodeEtcdForfeitLeadership(bytes: Uint8Array): EtcdForfeitLeadershipReply {
  const reply: EtcdForfeitLeadershipReply = { member: "" };
  readFields(bytes, { 1: metadataField(reply), 2: stringField((v) => (reply.member = v)) });
  return reply;
}
