/**
 * etcd as a control-plane join needs to see it: the member list through a control plane that answers, and
 * whether the etcd service of one node is healthy. Read-only; failures of one node are skipped (that node
 * may be the one down), and only "no control plane answered" is reported.
 *
 * @module
 */
import type { EtcdMember } from "../../../talos/api_client.ts";
import { reasonOf } from "../../../cluster/nodes/talos_deps.ts";
import type { ReconcileContext } from "../context.ts";

/** Deadline of each read (a node that does not answer within it is treated as not answering). */
const CALL_TIMEOUT_MS = 10_000;

/** The member list as one control plane reported it. */
export interface EtcdMembership {
  members: readonly EtcdMember[];
  /** The endpoint that answered. */
  via: string;
}

/**
 * Lists etcd members through the first of `endpoints` that answers (private IPs, in order); undefined
 * with the reasons when none does.
 */
export async function readEtcdMembers(
  ctx: Pick<ReconcileContext, "talos" | "signal">,
  endpoints: readonly string[],
): Promise<EtcdMembership | { failures: string[] }> {
  const failures: string[] = [];
  for (const endpoint of endpoints) {
    const client = ctx.talos.talosClient(endpoint);
    try {
      const [reply] = await client.etcdMemberList({ timeoutMs: CALL_TIMEOUT_MS, signal: ctx.signal });
      if (reply) return { members: reply.members, via: endpoint };
      failures.push(`${endpoint}: empty reply`);
    } catch (err) {
      if (ctx.signal.aborted) throw err;
      failures.push(`${endpoint}: ${reasonOf(err)}`);
    } finally {
      await client.close();
    }
  }
  return { failures };
}

/** Whether the etcd service on the node at `endpoint` runs and passes its health check. */
export async function isEtcdServiceHealthy(
  ctx: Pick<ReconcileContext, "talos" | "signal">,
  endpoint: string,
): Promise<boolean> {
  const client = ctx.talos.talosClient(endpoint);
  try {
    const [reply] = await client.serviceList({ timeoutMs: CALL_TIMEOUT_MS, signal: ctx.signal });
    const etcd = reply?.services.find((s) => s.id === "etcd");
    return etcd?.state === "Running" && etcd.health?.healthy === true;
  } catch (err) {
    if (ctx.signal.aborted) throw err;
    return false;
  } finally {
    await client.close();
  }
}
