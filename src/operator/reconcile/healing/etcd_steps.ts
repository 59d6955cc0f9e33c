/**
 * The etcd side of a control-plane replacement: ask every control plane (`observeEtcd`), audit (`auditEtcd`), and
 * remove the audited members one by one through a healthy control plane, re-checking leadership before each and
 * stopping at the first error, before any server or Node is touched.
 *
 * @module
 */
import { reasonOf } from "../../../cluster/nodes/talos_deps.ts";
import type { ComputeView, ReconcileContext, StepOutcome } from "../context.ts";
import { auditEtcd, type ControlPlaneEtcd, type EtcdAudit } from "./etcd_audit.ts";
import { observeEtcd } from "./etcd_observe.ts";
import type { NodeJudgement } from "./node_health.ts";
import { healingOutcome, IDLE_REQUEUE_MS } from "./outcome.ts";

/** Removes the audited members through the healthy control plane; an outcome when a removal failed. */
export async function removeMembers(
  ctx: ReconcileContext,
  audit: Extract<EtcdAudit, { ok: true }>,
): Promise<StepOutcome | undefined> {
  if (audit.removals.length === 0) return undefined;
  const client = ctx.talos.talosClient(audit.via.privateIp);
  try {
    for (const member of audit.removals) {
      const id = member.id.toString(16);
      await ctx.requireLeadership(`remove etcd member ${member.hostname}`);
      try {
        await client.etcdRemoveMemberById(member.id, { signal: ctx.signal });
      } catch (err) {
        const message = `Could not remove etcd member ${member.hostname} (${id}) through ${audit.via.name}: ${
          reasonOf(err)
        }; stopped before deleting any server or Node`;
        ctx.log.error("etcd member removal failed; replacement aborted", {
          member: member.hostname,
          via: audit.via.name,
          error: reasonOf(err),
        });
        await ctx.events.record(ctx.cluster, "Warning", "EtcdMemberRemovalFailed", "RemoveEtcdMember", message);
        return healingOutcome("True", "EtcdMemberRemovalFailed", message, {
          done: false,
          requeueAfterMs: IDLE_REQUEUE_MS,
        });
      }
      const why = member.why === "replaced" ? "its node is being replaced" : "its server no longer exists";
      await ctx.events.record(
        ctx.cluster,
        "Normal",
        "EtcdMemberRemoved",
        "RemoveEtcdMember",
        `Removed etcd member ${member.hostname} (${id}) through ${audit.via.name}: ${why}`,
      );
      ctx.log.info("etcd member removed", { member: member.hostname, id, via: audit.via.name, why });
    }
  } finally {
    // The removals are done or refused; a connection that fails to close changes neither.
    await client.close().catch(() => {});
  }
  return undefined;
}

/** Audits etcd for replacing control plane `dead`. */
export async function auditControlPlane(
  ctx: ReconcileContext,
  seen: ComputeView,
  judgements: readonly NodeJudgement[],
  dead: string,
): Promise<EtcdAudit> {
  const observed = await observeControlPlanes(ctx, judgements);
  return auditEtcd({
    observed,
    dead,
    knownDead: new Set(
      judgements.filter((j) => j.role === "control-plane" && j.verdict === "unreachable").map((j) => j.name),
    ),
    servers: new Set(seen.servers.map((s) => s.name)),
  });
}

/** Asks every planned control plane with a server (one without cannot answer) and records the etcd gauges. */
export async function observeControlPlanes(
  ctx: ReconcileContext,
  judgements: readonly NodeJudgement[],
): Promise<ControlPlaneEtcd[]> {
  const controlPlanes = judgements.filter((j) => j.role === "control-plane" && j.serverExists);
  const observed = await observeEtcd(ctx.talos, controlPlanes, { signal: ctx.signal });
  const members = (observed.find((o) => o.etcdHealthy && o.members) ?? observed.find((o) => o.members))?.members;
  if (members) {
    const learners = members.filter((m) => m.isLearner).length;
    ctx.metrics.setEtcd(ctx.cluster.metadata.name, { members: members.length - learners, learners });
  }
  return observed;
}
