/**
 * `ensureFirewall()`: creates the firewall (Kubernetes and Talos API ports open only to the
 * allowlist or the caller's address) applied to the cluster's servers by label selector, or
 * replaces its rules when they differ as a set, or adds the missing selector.
 *
 * @module
 */
import type { DesiredState } from "../../config/mod.ts";
import { type Firewall, labelSelectorResource } from "../../hcloud/mod.ts";
import type { TaskHandle } from "../../lib/progress.ts";
import type { ClusterDeps } from "./deps.ts";
import { diffFirewall } from "./diff_firewall.ts";
import { assertNoConflicts, mutate, runTask } from "./ensure_common.ts";
import type { ObservedCluster } from "./observed.ts";

/** Makes the firewall match the plan; returns it. No request is sent when it already does. */
export function ensureFirewall(
  deps: ClusterDeps,
  desired: DesiredState,
  observed: ObservedCluster,
  callerIp: string | undefined,
  task: TaskHandle,
): Promise<Firewall> {
  return runTask(task, async () => {
    assertNoConflicts(observed, ["firewall"]);
    const diff = diffFirewall(desired, observed, callerIp);
    if (diff.state === "missing") {
      const { firewall, actions } = await deps.hc.firewalls.create({
        ...structuredClone(desired.firewall.request),
        rules: diff.rules,
      });
      await deps.actions.wait(actions);
      return { result: firewall, changed: true, detail: `created, ports 6443 and 50000 from ${sources(diff.rules)}` };
    }
    const done: string[] = [];
    if (diff.rulesDiffer) {
      const actions = await mutate(deps, () => deps.hc.firewalls.setRules(diff.firewall.id, diff.rules));
      await deps.actions.wait(actions ?? []);
      done.push(`rules set (from ${sources(diff.rules)})`);
    }
    if (diff.selectorMissing) {
      const apply = desired.firewall.request.apply_to.map((a) => labelSelectorResource(a.label_selector.selector));
      const actions = await mutate(
        deps,
        () => deps.hc.firewalls.applyToResources(diff.firewall.id, apply),
        ["firewall_already_applied"],
      );
      await deps.actions.wait(actions ?? []);
      done.push(`applied to ${desired.selector}`);
    }
    return { result: diff.firewall, changed: done.length > 0, detail: done.join(", ") || "as planned" };
  });
}

function sources(rules: { source_ips?: string[] }[]): string {
  return [...new Set(rules.flatMap((r) => r.source_ips ?? []))].join(", ");
}
