/**
 * The etcd RPCs of the fake node: Bootstrap (with recovery from an uploaded snapshot), EtcdRecover, the
 * member calls, and Talos' etcd check before a control plane upgrades. etcd itself is modelled in
 * `etcd_cluster.ts`, its snapshots and recovery in `etcd_snapshot.ts`.
 *
 * @module
 */
import { GrpcCode } from "../../src/talos/grpc/errors.ts";
import type { TalosMethodName } from "../../src/talos/api_methods.ts";
import { decodeData, encodeMetadataOnly } from "../../src/talos/messages/common.ts";
import { decodeBootstrapRequest } from "../../src/talos/messages/apply.ts";
import {
  decodeEtcdMemberListRequest,
  decodeEtcdRemoveMemberByIdRequest,
  encodeEtcdForfeitLeadership,
  encodeEtcdMembers,
} from "../../src/talos/messages/etcd.ts";
import { RpcError } from "./grpc_server.ts";
import { type FakeTalosNodeCore, newEtcdMember, settleNetwork } from "./node.ts";
import { recoverFromSnapshot } from "./etcd_snapshot.ts";
import {
  hasQuorum,
  memberUp,
  NO_QUORUM_MESSAGE,
  NOT_ENOUGH_STARTED_MESSAGE,
  removalKeepsQuorum,
  removeMember,
} from "./etcd_cluster.ts";
import { type Ctx, requireControlPlane, requireEtcdMember, type Unary } from "./handler_support.ts";

/** The etcd RPCs, by method. */
export const ETCD_UNARY = {
  Bootstrap: {
    encode: encodeMetadataOnly,
    run: (node: FakeTalosNodeCore, request: Uint8Array) => {
      const req = decodeBootstrapRequest(request);
      requireControlPlane(node, "bootstrap");
      if (node.network.etcd || node.state.bootstrapped || node.state.etcdDataDirty) {
        throw new RpcError(GrpcCode.ALREADY_EXISTS, "etcd data directory is not empty");
      }
      let recoveredFrom: Uint8Array | undefined;
      if (req.recoverEtcd) {
        // Talos answers once etcd is started in bootstrap mode; the recovery runs in etcd's pre-start step,
        // so a bad snapshot fails the etcd service (ServiceList), not this call.
        const recovery = recoverFromSnapshot(node.state.recoverySnapshot, req.recoverSkipHashCheck === true);
        if (!recovery.ok) {
          node.state.etcdFailure = recovery.message;
          node.state.etcdDataDirty ||= recovery.dataDirWritten;
          return Promise.resolve([{}]);
        }
        recoveredFrom = recovery.content;
        node.state.recoverySnapshot = undefined;
      }
      const member = newEtcdMember(node.nodeName, node.hostname);
      node.network.etcd = {
        members: [member],
        leaderId: member.id,
        removed: new Set(),
        promoteAt: new Map(),
        ...(recoveredFrom ? { recoveredFrom } : {}),
      };
      node.state.etcdMemberId = member.id;
      node.state.bootstrapped = true;
      node.state.etcdFailure = undefined;
      for (const other of node.network.nodes.values()) if (other !== node) other.joinEtcdIfPossible();
      return Promise.resolve([{}]);
    },
  },
  EtcdRecover: {
    encode: encodeMetadataOnly,
    run: (node: FakeTalosNodeCore, _request: Uint8Array, ctx: Ctx) => {
      // Talos writes the upload to /var/lib/etcd.snapshot (there once the node is configured) for a later
      // Bootstrap with recover_etcd; it does not look at the bytes, nor at whether etcd already runs.
      if (node.inMaintenance) {
        throw new RpcError(GrpcCode.FAILED_PRECONDITION, "etcd service is not ready for recovery yet");
      }
      requireControlPlane(node, "etcd recover");
      const chunks = ctx.call.requests.map((message) => decodeData(message).bytes);
      const snapshot = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
      let offset = 0;
      for (const chunk of chunks) {
        snapshot.set(chunk, offset);
        offset += chunk.length;
      }
      node.state.recoverySnapshot = snapshot;
      return Promise.resolve([{}]);
    },
  },
  EtcdMemberList: {
    encode: encodeEtcdMembers,
    run: (node: FakeTalosNodeCore, request: Uint8Array) => {
      const { queryLocal } = decodeEtcdMemberListRequest(request);
      const { etcd } = requireEtcdMember(node);
      settleNetwork(node.network);
      // Without queryLocal the list is read through the leader (linearizable): no quorum, no answer.
      if (!queryLocal && !hasQuorum(etcd, node.network.nodes.values())) {
        throw new RpcError(GrpcCode.DEADLINE_EXCEEDED, NO_QUORUM_MESSAGE);
      }
      return Promise.resolve([{ legacyMembers: [], members: etcd.members.map((m) => ({ ...m })) }]);
    },
  },
  EtcdRemoveMemberByID: {
    encode: encodeMetadataOnly,
    run: (node: FakeTalosNodeCore, request: Uint8Array) => {
      const { memberId } = decodeEtcdRemoveMemberByIdRequest(request);
      const { etcd } = requireEtcdMember(node);
      settleNetwork(node.network);
      const nodes = [...node.network.nodes.values()];
      if (!hasQuorum(etcd, nodes)) throw new RpcError(GrpcCode.DEADLINE_EXCEEDED, NO_QUORUM_MESSAGE);
      const member = etcd.members.find((m) => m.id === memberId);
      if (!member) {
        throw new RpcError(GrpcCode.NOT_FOUND, `failed to remove member ${memberId}: etcdserver: member not found`);
      }
      if (!member.isLearner && !removalKeepsQuorum(etcd, nodes, memberId)) {
        throw new RpcError(
          GrpcCode.FAILED_PRECONDITION,
          `failed to remove member ${memberId}: ${NOT_ENOUGH_STARTED_MESSAGE}`,
        );
      }
      removeMember(etcd, memberId);
      return Promise.resolve([{}]);
    },
  },
  EtcdLeaveCluster: {
    encode: encodeMetadataOnly,
    run: (node: FakeTalosNodeCore) => {
      const { etcd, id } = requireEtcdMember(node);
      etcd.members = etcd.members.filter((m) => m.id !== id);
      if (etcd.leaderId === id) etcd.leaderId = etcd.members.find((m) => !m.isLearner)?.id ?? 0n;
      // Leaving stops etcd here and clears its data: the node joins again (as a new member) only after a reboot.
      node.state.etcdMemberId = undefined;
      node.state.etcdStopped = true;
      return Promise.resolve([{}]);
    },
  },
  EtcdForfeitLeadership: {
    encode: encodeEtcdForfeitLeadership,
    run: (node: FakeTalosNodeCore) => {
      const { etcd, id } = requireEtcdMember(node);
      if (etcd.leaderId !== id) return Promise.resolve([{ member: "" }]);
      // Leadership moves to another started voter (etcd's MoveLeader refuses learners).
      const nodes = [...node.network.nodes.values()];
      const next = etcd.members.find((m) => m.id !== id && !m.isLearner && memberUp(nodes, m.id));
      if (next) etcd.leaderId = next.id;
      return Promise.resolve([{ member: next ? node.nodeName : "" }]);
    },
  },
} satisfies Partial<Record<TalosMethodName, Unary>>;

/**
 * Talos' pre-upgrade check of a control plane (`ValidateForUpgrade`, skipped with `force` or `preserve`):
 * every etcd member healthy, and not exactly two members (one down would lose quorum).
 */
export function validateEtcdForUpgrade(node: FakeTalosNodeCore): void {
  const fail = (why: string) => {
    throw new RpcError(GrpcCode.UNKNOWN, `error validating etcd for upgrade: ${why}`);
  };
  const etcd = node.network.etcd;
  const nodes = [...node.network.nodes.values()];
  if (!etcd) return fail("failed to create etcd client: no etcd endpoints");
  settleNetwork(node.network);
  if (!hasQuorum(etcd, nodes)) return fail(NO_QUORUM_MESSAGE);
  if (etcd.members.length === 2) {
    return fail("etcd member count(2) is insufficient to maintain quorum if upgrade commences");
  }
  for (const member of etcd.members) {
    const id = member.id.toString(16).padStart(16, "0");
    // A member's health check is a linearizable read at that member: a node that is down does not answer,
    // a learner refuses it.
    const unhealthy = !memberUp(nodes, member.id)
      ? NO_QUORUM_MESSAGE
      : member.isLearner
      ? "etcdserver: rpc not supported for learner"
      : undefined;
    if (unhealthy) {
      return fail(`etcd member ${id} is not healthy; all members must be healthy to perform an upgrade: ${unhealthy}`);
    }
  }
}
