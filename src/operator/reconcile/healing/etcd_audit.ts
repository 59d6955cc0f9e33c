/**
 * The etcd audit before a control plane is replaced (pure): what each control plane's Talos API said
 * (member list, etcd service health) decides whether the dead member may be removed, which members without a
 * server go with it, and, when not, why (`QuorumAtRisk`, a member list that differs between control planes,
 * an unexpected unhealthy member, a join still in progress).
 *
 * @module
 */
import type { EtcdMember } from "../../../talos/api_client.ts";
import { hasQuorum, quorumOf, removalKeepsQuorum } from "./etcd_quorum.ts";

/** What one control plane's Talos API answered (`observeEtcd`). */
export interface ControlPlaneEtcd {
  /** Node (server) name. */
  name: string;
  /** Private IP its Talos API listens on. */
  privateIp: string;
  /** The member list this control plane reports; undefined when it did not answer one. */
  members: EtcdMember[] | undefined;
  /** Its etcd service runs and passes its health check. */
  etcdHealthy: boolean;
  /** Why it did not answer, for messages. */
  error: string | undefined;
}

/** Input of {@link auditEtcd}. */
export interface EtcdAuditInput {
  /** Every planned control plane that was asked. */
  observed: readonly ControlPlaneEtcd[];
  /** The control plane to replace. */
  dead: string;
  /** Control planes healing already judged unreachable (NotReady past the threshold, or without a server). */
  knownDead: ReadonlySet<string>;
  /** Names of the servers that exist. */
  servers: ReadonlySet<string>;
}

/** A member to remove, and why. */
export interface MemberRemoval {
  id: bigint;
  hostname: string;
  why: "replaced" | "no-server";
}

/** The audit's verdict. */
export type EtcdAudit =
  | {
    ok: true;
    /** Remove these, in this order (members without a server first, then the dead one); may be empty. */
    removals: MemberRemoval[];
    /** The healthy control plane to remove them through. */
    via: ControlPlaneEtcd;
    members: EtcdMember[];
  }
  | {
    ok: false;
    reason: "QuorumAtRisk" | "EtcdMemberListMismatch" | "EtcdMemberUnhealthy" | "EtcdMemberJoining";
    message: string;
    /** The member list, when the control planes agreed on one. */
    members: EtcdMember[] | undefined;
  };

/**
 * Decides whether control plane `dead` may leave etcd. Refuses (nothing destructive) unless every reachable
 * control plane reports the same member list, no learner is still catching up, every member that stays is
 * healthy or is itself a known-dead control plane, and the healthy members are a majority before and after the
 * removal. A member is healthy when its own node's etcd service says so. Members whose server no longer exists
 * (and that are not healthy) are removed as well.
 */
export function auditEtcd(input: EtcdAuditInput): EtcdAudit {
  const answered = input.observed.filter((o) => o.members !== undefined);
  if (answered.length === 0) {
    const names = input.observed.map((o) => `${o.name} (${o.error ?? "no answer"})`).join(", ");
    return {
      ok: false,
      reason: "QuorumAtRisk",
      message: `No control plane answers with an etcd member list: ${names || "none asked"}`,
      members: undefined,
    };
  }
  if (new Set(answered.map((o) => memberKey(o.members!))).size > 1) {
    const views = answered.map((o) => `${o.name} lists ${memberNames(o.members!)}`).join("; ");
    return {
      ok: false,
      reason: "EtcdMemberListMismatch",
      message: `Control planes disagree about etcd membership: ${views}`,
      members: undefined,
    };
  }
  const members = answered[0]!.members!;
  const healthy = new Set(input.observed.filter((o) => o.etcdHealthy).map((o) => o.name));
  const isHealthy = (m: EtcdMember) => healthy.has(m.hostname);
  const voting = members.filter((m) => !m.isLearner);
  const healthyVoting = voting.filter(isHealthy).length;
  const down = () => voting.filter((m) => !isHealthy(m)).map((m) => m.hostname).join(", ") || "none";
  if (!hasQuorum(voting.length, healthyVoting)) {
    return {
      ok: false,
      reason: "QuorumAtRisk",
      message: `etcd quorum at risk: only ${healthyVoting} of ${voting.length} voting members are healthy, ${
        quorumOf(voting.length)
      } are needed (members ${memberNames(members)}; down: ${down()}); nothing was removed`,
      members,
    };
  }
  const learners = members.filter((m) => m.isLearner);
  if (learners.length > 0) {
    return {
      ok: false,
      reason: "EtcdMemberJoining",
      message: `etcd member ${
        learners.map((m) => m.hostname).join(", ")
      } is still a learner; the next replacement waits until it votes`,
      members,
    };
  }
  const removals: MemberRemoval[] = [
    ...members.filter((m) => m.hostname !== input.dead && !input.servers.has(m.hostname) && !isHealthy(m))
      .map((m) => ({ id: m.id, hostname: m.hostname, why: "no-server" as const })),
    ...members.filter((m) => m.hostname === input.dead).map((m) => ({
      id: m.id,
      hostname: m.hostname,
      why: "replaced" as const,
    })),
  ];
  const removed = new Set(removals.map((r) => r.id));
  const staying = members.filter((m) => !removed.has(m.id));
  const removedHealthy = members.filter((m) => removed.has(m.id) && isHealthy(m)).length;
  if (!removalKeepsQuorum(voting.length, healthyVoting, removals.length, removedHealthy)) {
    return {
      ok: false,
      reason: "QuorumAtRisk",
      message: `etcd quorum at risk: removing ${removals.map((r) => r.hostname).join(", ")} would leave ${
        staying.filter(isHealthy).length
      } healthy of ${staying.length} members, ${quorumOf(staying.length)} are needed (members ${
        memberNames(members)
      }; down: ${down()}); nothing was removed`,
      members,
    };
  }
  const unexpected = staying.filter((m) => !isHealthy(m) && !input.knownDead.has(m.hostname));
  if (unexpected.length > 0) {
    return {
      ok: false,
      reason: "EtcdMemberUnhealthy",
      message: `etcd member ${
        unexpected.map((m) => m.hostname).join(", ")
      } is unhealthy but its node is not past the NotReady threshold; waiting before replacing ${input.dead}`,
      members,
    };
  }
  const via = answered.find((o) =>
    o.etcdHealthy && o.name !== input.dead && !removals.some((r) => r.hostname === o.name)
  );
  if (!via) {
    return {
      ok: false,
      reason: "QuorumAtRisk",
      message: `No healthy control plane other than ${input.dead} can remove etcd members (members ${
        memberNames(members)
      }); nothing was removed`,
      members,
    };
  }
  return { ok: true, removals, via, members };
}

/** Member names for messages, in name order, learners marked. */
export function memberNames(members: readonly EtcdMember[]): string {
  return [...members].sort((a, b) => a.hostname.localeCompare(b.hostname))
    .map((m) => `${m.hostname}${m.isLearner ? " [learner]" : ""}`).join(", ") || "none";
}

function memberKey(members: readonly EtcdMember[]): string {
  return members.map((m) => `${m.id}:${m.hostname}:${m.isLearner}`).sort().join(",");
}

/** Where a control plane added by a replacement stands in etcd, and whether quorum holds meanwhile. */
export type JoinAssessment =
  | { state: "quorum-at-risk"; message: string; members: EtcdMember[] | undefined }
  | { state: "voting"; members: EtcdMember[] }
  | { state: "pending"; detail: string; members: EtcdMember[] | undefined };

/**
 * Judges the join of control plane `name` (pure): it is done when etcd lists it as a voting member and its own
 * etcd service is healthy. While it joins, a lost quorum is reported (a second failure during a replacement).
 */
export function assessJoin(observed: readonly ControlPlaneEtcd[], name: string): JoinAssessment {
  const answered = observed.filter((o) => o.members !== undefined);
  const source = answered.find((o) => o.etcdHealthy) ?? answered[0];
  if (!source) {
    const names = observed.map((o) => `${o.name} (${o.error ?? "no answer"})`).join(", ");
    return {
      state: "quorum-at-risk",
      message: `No control plane answers with an etcd member list: ${names || "none asked"}`,
      members: undefined,
    };
  }
  const members = source.members!;
  const healthy = new Set(observed.filter((o) => o.etcdHealthy).map((o) => o.name));
  const voting = members.filter((m) => !m.isLearner);
  const healthyVoting = voting.filter((m) => healthy.has(m.hostname)).length;
  if (!hasQuorum(voting.length, healthyVoting)) {
    const down = voting.filter((m) => !healthy.has(m.hostname)).map((m) => m.hostname).join(", ");
    return {
      state: "quorum-at-risk",
      message: `etcd quorum at risk while ${name} joins: only ${healthyVoting} of ${voting.length} voting members ` +
        `are healthy, ${quorumOf(voting.length)} are needed (members ${memberNames(members)}; down: ${down})`,
      members,
    };
  }
  const member = members.find((m) => m.hostname === name);
  if (!member) return { state: "pending", detail: `etcd does not list ${name} yet`, members };
  if (member.isLearner) return { state: "pending", detail: `etcd member ${name} is still a learner`, members };
  if (!healthy.has(name)) return { state: "pending", detail: `etcd on ${name} is not healthy yet`, members };
  return { state: "voting", members };
}
