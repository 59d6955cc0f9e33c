/**
 * Asks each control plane's Talos API for its etcd member list and the health of its etcd service: the facts
 * the etcd audit decides on. Every control plane is asked at once with a short deadline, so a powered-off one
 * costs one timeout, not one per call.
 *
 * @module
 */
import type { TalosDeps } from "../../../cluster/nodes/talos_deps.ts";
import { reasonOf } from "../../../cluster/nodes/talos_deps.ts";
import type { ControlPlaneEtcd } from "./etcd_audit.ts";

/** Deadline of each audit call: a healthy Talos API answers in milliseconds. */
export const AUDIT_CALL_TIMEOUT_MS = 5_000;

/** Reads the etcd view of each control plane (`name`, `privateIp`); never throws for a node that does not answer. */
export async function observeEtcd(
  talos: Pick<TalosDeps, "talosClient">,
  controlPlanes: readonly { name: string; privateIp: string }[],
  options: { signal?: AbortSignal; timeoutMs?: number } = {},
): Promise<ControlPlaneEtcd[]> {
  const call = {
    timeoutMs: options.timeoutMs ?? AUDIT_CALL_TIMEOUT_MS,
    ...(options.signal ? { signal: options.signal } : {}),
  };
  const observed = await Promise.all(controlPlanes.map(async ({ name, privateIp }): Promise<ControlPlaneEtcd> => {
    const client = talos.talosClient(privateIp);
    try {
      // Each control plane's own view (a local read): a linearizable list needs quorum and times out exactly
      // when the audit must count who is down, and the audit compares the views of all control planes anyway.
      const [members, services] = await Promise.allSettled([
        client.etcdMemberList({ ...call, queryLocal: true }),
        client.serviceList(call),
      ]);
      const etcd = services.status === "fulfilled"
        ? services.value[0]?.services.find((s) => s.id === "etcd")
        : undefined;
      return {
        name,
        privateIp,
        members: members.status === "fulfilled" ? members.value[0]?.members ?? [] : undefined,
        etcdHealthy: etcd?.state === "Running" && etcd.health?.healthy === true,
        error: members.status === "rejected"
          ? reasonOf(members.reason)
          : services.status === "rejected"
          ? reasonOf(services.reason)
          : undefined,
      };
    } finally {
      // The answers are in; a connection that fails to close changes nothing about them.
      await client.close().catch(() => {});
    }
  }));
  // A shutdown mid-audit is not an unreachable control plane.
  options.signal?.throwIfAborted();
  return observed;
}
