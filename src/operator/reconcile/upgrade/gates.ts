/**
 * The health gates every rollout step waits for (pure): every planned node has a Ready Node and none is
 * cordoned for another reason than this rollout, and etcd is healthy with every control plane a voting
 * member (the join assessment healing uses after a replacement). A step starts only when all hold, so
 * at most the one node being upgraded is ever down, and etcd loses at most one of its members.
 *
 * @module
 */
import type { ServerPlan } from "../../../config/mod.ts";
import type { KubeObject } from "../../../kube/mod.ts";
import { assessJoin, type ControlPlaneEtcd, memberNames } from "../healing/etcd_audit.ts";
import { isNodeReady } from "../steps/node_facts.ts";

/** Which gate failed. */
export type GateReason = "NodeMissing" | "NodeNotReady" | "EtcdUnhealthy" | "EtcdMembership";

/** A gate's verdict. */
export type GateResult = { ok: true } | { ok: false; reason: GateReason; message: string };

/** The Node gate: every planned server has a Node, and every Node is Ready. Reads only the watched Nodes. */
export function checkNodeGate(planned: readonly ServerPlan[], nodes: readonly KubeObject[]): GateResult {
  const byName = new Map(nodes.map((n) => [n.metadata.name, n]));
  const missing = planned.filter((p) => !byName.has(p.name)).map((p) => p.name);
  if (missing.length > 0) {
    return { ok: false, reason: "NodeMissing", message: `no Node yet for ${missing.join(", ")}` };
  }
  const notReady = planned.filter((p) => !isNodeReady(byName.get(p.name)!)).map((p) => p.name);
  if (notReady.length > 0) {
    return { ok: false, reason: "NodeNotReady", message: `${notReady.join(", ")} not Ready` };
  }
  return { ok: true };
}

/**
 * The etcd gate: every planned control plane is a voting etcd member whose etcd service is healthy, with
 * quorum, and etcd has no member beyond them (a leftover would count against quorum during the reboot).
 */
export function checkEtcdGate(controlPlanes: readonly string[], observed: readonly ControlPlaneEtcd[]): GateResult {
  for (const name of controlPlanes) {
    const join = assessJoin(observed, name);
    if (join.state === "quorum-at-risk") return { ok: false, reason: "EtcdUnhealthy", message: join.message };
    if (join.state === "pending") {
      return {
        ok: false,
        reason: "EtcdMembership",
        message: `${join.detail} (members ${memberNames(join.members ?? [])})`,
      };
    }
    const extra = join.members.filter((m) => !controlPlanes.includes(m.hostname));
    if (extra.length > 0) {
      return {
        ok: false,
        reason: "EtcdMembership",
        message: `etcd has members that are not planned control planes: ${memberNames(extra)}`,
      };
    }
  }
  return { ok: true };
}
