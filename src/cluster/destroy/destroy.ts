/**
 * `executeDestroy()`: deletes a destroy plan in dependency order, waiting for actions:
 * servers (which frees their firewall bindings, network attachments, auto-delete primary IPs and
 * volume attachments), load balancers, firewalls (removed from their resources, then deleted),
 * volumes (detached first if still attached elsewhere), labelled primary IPs, placement groups,
 * networks, SSH keys. A 404 means already gone; a locked resource is retried; one failure does not
 * stop independent deletions, and the error lists what is left so a second run finishes the job.
 * A second run on a destroyed cluster finds nothing and sends no mutating request.
 *
 * @module
 */
import { type Action, isHcloudError } from "../../hcloud/mod.ts";
import { UserFacingError } from "../../lib/errors.ts";
import type { ProgressSink, TaskHandle } from "../../lib/progress.ts";
import type { ClusterDeps } from "../infra/deps.ts";
import type { DestroyPlan } from "./plan.ts";
import { mutate } from "../infra/ensure_common.ts";

/** What was deleted and what failed. */
export interface DestroyResult {
  deleted: number;
  failures: { kind: string; name: string; error: unknown }[];
}

/** Deletes everything in `plan`; throws a UserFacingError naming what is left when something failed. */
export async function executeDestroy(
  deps: ClusterDeps,
  plan: DestroyPlan,
  progress: ProgressSink,
): Promise<DestroyResult> {
  const result: DestroyResult = { deleted: 0, failures: [] };
  const each = async <T extends { id: number; name: string }>(
    title: string,
    kind: string,
    items: T[],
    del: (item: T) => Promise<void>,
  ) => {
    const task = progress.task(title);
    if (items.length === 0) return task.skip("none");
    task.start(`${items.length} to delete`);
    const before = result.failures.length;
    await Promise.all(items.map(async (item) => {
      try {
        await del(item);
        result.deleted++;
      } catch (error) {
        result.failures.push({ kind, name: item.name, error });
      }
    }));
    finish(task, items.length, result.failures.length - before);
  };

  /** Deletes are repeatable: a repeat of a delete that went through answers 404, counted as done. */
  const del = <T>(request: () => Promise<T>) => mutate(deps, request, [], { repeatable: true });
  const wait = async (action: Action | undefined) => {
    if (action) await deps.actions.wait([action]);
  };

  await each("Servers", "server", plan.servers, async (s) => {
    await wait(await del(() => deps.hc.servers.delete(s.id)));
  });
  await each("Load balancers", "load_balancer", plan.loadBalancers, async (lb) => {
    await del(() => deps.hc.loadBalancers.delete(lb.id));
  });
  await each("Firewalls", "firewall", plan.firewalls, async (fw) => {
    const current = await deps.hc.firewalls.get(fw.id);
    if (!current) return;
    const bindings = current.applied_to.map((a) =>
      a.type === "server"
        ? { type: "server" as const, server: { id: a.server.id } }
        : { type: "label_selector" as const, label_selector: { selector: a.label_selector.selector } }
    );
    if (bindings.length > 0) {
      const actions = await mutate(
        deps,
        () => deps.hc.firewalls.removeFromResources(fw.id, bindings),
        ["firewall_resource_not_found"],
      );
      await deps.actions.wait(actions ?? []);
    }
    await del(() => deps.hc.firewalls.delete(fw.id));
  });
  await each("Volumes", "volume", plan.volumes, async (v) => {
    const current = await deps.hc.volumes.get(v.id);
    if (!current) return;
    if (current.server !== null) {
      await wait(
        await mutate(
          deps,
          async () =>
            (await deps.hc.request<{ action: Action }>("POST", `/volumes/${v.id}/actions/detach`, {
              body: {},
              idempotent: false,
            })).action,
        ),
      );
    }
    await del(() => deps.hc.volumes.delete(v.id));
  });
  await each("Primary IPs", "primary_ip", plan.primaryIps, async (p) => {
    const current = await deps.hc.primaryIps.get(p.id);
    if (!current) return;
    if (current.assignee_id !== null) {
      // Unassigning needs the server powered off; never do that to a server this cluster does not own.
      throw new UserFacingError(
        `Primary IP ${p.ip} is still assigned to server ${current.assignee_id}, which is not this cluster's`,
      );
    }
    await del(() => deps.hc.primaryIps.delete(p.id));
  });
  await each("Placement groups", "placement_group", plan.placementGroups, async (g) => {
    await del(() => deps.hc.placementGroups.delete(g.id));
  });
  await each("Networks", "network", plan.networks, async (n) => {
    await del(() => deps.hc.networks.delete(n.id));
  });
  await each("SSH keys", "ssh_key", plan.sshKeys, async (k) => {
    await del(() => deps.hc.sshKeys.delete(k.id));
  });

  if (result.failures.length > 0) {
    const lines = result.failures.map((f) => `  ${f.kind} ${f.name}: ${describe(f.error)}`);
    throw new UserFacingError(
      `Cannot finish destroying cluster "${plan.cluster}": ${result.failures.length} deletion(s) failed ` +
        `(${result.deleted} done):\n${lines.join("\n")}`,
      {
        hint: "Run destroy again: it finds what is left by the cluster's labels and continues.",
        cause: result.failures[0]?.error,
      },
    );
  }
  return result;
}

function finish(task: TaskHandle, total: number, failed: number): void {
  if (failed === 0) task.done(`${total} deleted`);
  else task.fail(`${failed} of ${total} failed`);
}

function describe(err: unknown): string {
  if (isHcloudError(err)) return err.message;
  return err instanceof Error ? err.message : String(err);
}
