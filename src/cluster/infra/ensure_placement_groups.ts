/**
 * `ensurePlacementGroups()`: creates the missing spread groups (no action to wait for) and deletes
 * the empty worker groups the plan no longer needs.
 *
 * @module
 */
import type { DesiredState } from "../../config/mod.ts";
import type { PlacementGroup } from "../../hcloud/mod.ts";
import type { TaskHandle } from "../../lib/progress.ts";
import type { ClusterDeps } from "./deps.ts";
import { diffPlacementGroups } from "./diff_placement_groups.ts";
import { assertNoConflicts, mutate, runTask } from "./ensure_common.ts";
import type { ObservedCluster } from "./observed.ts";

/** Makes the placement groups match the plan; returns the planned ones by name. */
export function ensurePlacementGroups(
  deps: ClusterDeps,
  desired: DesiredState,
  observed: ObservedCluster,
  task: TaskHandle,
): Promise<Map<string, PlacementGroup>> {
  return runTask(task, async () => {
    assertNoConflicts(observed, ["placement_group"]);
    const diff = diffPlacementGroups(desired, observed);
    const created = await Promise.all(
      diff.missing.map(async (p) => (await deps.hc.placementGroups.create(structuredClone(p.request))).placementGroup),
    );
    for (const group of diff.unused) await mutate(deps, () => deps.hc.placementGroups.delete(group.id));
    const byName = new Map<string, PlacementGroup>();
    for (const g of [...observed.placementGroups, ...created]) {
      if (desired.placementGroups.some((p) => p.request.name === g.name)) byName.set(g.name, g);
    }
    const parts = [
      ...(created.length > 0 ? [`created ${created.map((g) => g.name).join(", ")}`] : []),
      ...(diff.unused.length > 0 ? [`deleted unused ${diff.unused.map((g) => g.name).join(", ")}`] : []),
    ];
    return { result: byName, changed: parts.length > 0, detail: parts.join("; ") || "as planned" };
  });
}
