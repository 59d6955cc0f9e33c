/**
 * The etcd cluster of a fake Talos network, with the behaviour the operator's control-plane steps rely on:
 *
 * - A configured control plane that was not bootstrapped joins an existing cluster as a **learner**
 *   (Talos adds members with `MemberAddAsLearner`, which needs quorum) and is promoted to a voter once
 *   it has caught up (a delay per node, `learnerPromotionMs`), again only while the cluster has quorum.
 *   Its etcd service runs but is not healthy until then (a learner refuses the health check's read).
 * - A member whose node is powered off or gone stays in the member list (etcd never drops members by
 *   itself) and counts as down. With at most half of the voters up there is no quorum: calls that need
 *   it fail as an etcd client does without a leader (`context deadline exceeded`), removing a member
 *   that would leave too few started voters is refused (`etcdserver: re-configuration failed due to not
 *   enough started members`), and the API servers of the cluster stop (see `etcdServing`).
 * - A removed member's node keeps its old member id on disk; etcd there refuses to start ("the member
 *   has been permanently removed from the cluster") and the node never rejoins until reset.
 *
 * State changes happen lazily, whenever someone looks (an RPC, the local cloud's API server poll): the
 * outcome is the same as with timers, and nothing runs after a test ends.
 *
 * @module
 */
import type { EtcdMember } from "../../src/talos/messages/etcd.ts";

/** The shared etcd of one network. */
export interface FakeEtcd {
  members: EtcdMember[];
  leaderId: bigint;
  /** Ids of members removed from the cluster (their nodes cannot come back under them). */
  removed?: Set<bigint>;
  /** When (real ms) each learner has caught up and may be promoted. */
  promoteAt?: Map<bigint, number>;
  /** What the cluster was recovered from (Bootstrap with `recover_etcd`); undefined for a new cluster. */
  recoveredFrom?: Uint8Array;
  /**
   * What etcd holds now, as bytes (the content of its database and snapshots). The local cloud plugs the
   * cluster's Kubernetes store in; without it the content is `recoveredFrom`, else nothing.
   */
  content?: () => Uint8Array;
}

/** What a node of the network exposes to the etcd model. */
export interface EtcdNodeView {
  readonly state: {
    mode: string;
    etcdMemberId: bigint | undefined;
    config?: { machineType?: string } | undefined;
  };
}

/** How etcd looks from one node. */
export type EtcdNodeHealth =
  | "healthy"
  | "learner"
  | "no-quorum"
  | "removed"
  | "not-member";

/** Why calls needing quorum fail (what the etcd client reports when no leader answers in time). */
export const NO_QUORUM_MESSAGE = "context deadline exceeded";
/** etcd's refusal to remove a member when too few voters would remain started. */
export const NOT_ENOUGH_STARTED_MESSAGE = "etcdserver: re-configuration failed due to not enough started members";
/** What etcd logs on a node whose member was removed. */
export const REMOVED_MESSAGE = "the member has been permanently removed from the cluster";

/** Whether the node holding member `id` runs (configured, powered on). */
export function memberUp(nodes: Iterable<EtcdNodeView>, id: bigint): boolean {
  for (const node of new Set(nodes)) {
    if (node.state.etcdMemberId === id && node.state.mode === "configured") return true;
  }
  return false;
}

/** More than half of the voting members are up. */
export function hasQuorum(etcd: FakeEtcd, nodes: Iterable<EtcdNodeView>): boolean {
  const list = [...new Set(nodes)];
  const voters = etcd.members.filter((m) => !m.isLearner);
  const up = voters.filter((m) => memberUp(list, m.id)).length;
  return voters.length > 0 && up * 2 > voters.length;
}

/** Promotes caught-up learners and picks a live leader, while the cluster has quorum. */
export function settleEtcd(etcd: FakeEtcd, nodes: Iterable<EtcdNodeView>, now = Date.now()): void {
  const list = [...new Set(nodes)];
  if (!hasQuorum(etcd, list)) return;
  for (const member of etcd.members) {
    if (!member.isLearner || !memberUp(list, member.id)) continue;
    const at = etcd.promoteAt?.get(member.id) ?? 0;
    if (now < at) continue;
    member.isLearner = false;
    etcd.promoteAt?.delete(member.id);
  }
  if (!memberUp(list, etcd.leaderId) || etcd.members.find((m) => m.id === etcd.leaderId)?.isLearner !== false) {
    etcd.leaderId = etcd.members.find((m) => !m.isLearner && memberUp(list, m.id))?.id ?? 0n;
  }
}

/** Removes member `id` (known, quorum checked by the caller); its node can never rejoin under it. */
export function removeMember(etcd: FakeEtcd, id: bigint): void {
  etcd.members = etcd.members.filter((m) => m.id !== id);
  (etcd.removed ??= new Set()).add(id);
  etcd.promoteAt?.delete(id);
  if (etcd.leaderId === id) etcd.leaderId = etcd.members.find((m) => !m.isLearner)?.id ?? 0n;
}

/** Whether removing voter `id` leaves a majority of the remaining voters started (etcd's strict check). */
export function removalKeepsQuorum(etcd: FakeEtcd, nodes: Iterable<EtcdNodeView>, id: bigint): boolean {
  const list = [...new Set(nodes)];
  const rest = etcd.members.filter((m) => m.id !== id && !m.isLearner);
  const up = rest.filter((m) => memberUp(list, m.id)).length;
  return rest.length === 0 ? false : up * 2 > rest.length;
}

/** etcd as node `node` sees it. */
export function etcdHealthOf(etcd: FakeEtcd | undefined, nodes: Iterable<EtcdNodeView>, node: EtcdNodeView) {
  const id = node.state.etcdMemberId;
  if (!etcd || id === undefined) return "not-member" as EtcdNodeHealth;
  if (etcd.removed?.has(id)) return "removed" as EtcdNodeHealth;
  const member = etcd.members.find((m) => m.id === id);
  if (!member) return "not-member" as EtcdNodeHealth;
  const list = [...new Set(nodes)];
  settleEtcd(etcd, list);
  if (!hasQuorum(etcd, list)) return "no-quorum" as EtcdNodeHealth;
  return (member.isLearner ? "learner" : "healthy") as EtcdNodeHealth;
}

/**
 * Whether some node of the network still holds the data of `etcd`: a member's node, running or powered off.
 * Once none does (every control plane deleted or reset), the cluster and what it stored are gone.
 */
export function etcdDataHeld(etcd: FakeEtcd, nodes: Iterable<EtcdNodeView>): boolean {
  for (const node of new Set(nodes)) {
    const id = node.state.etcdMemberId;
    if (id !== undefined && etcd.members.some((m) => m.id === id)) return true;
  }
  return false;
}
