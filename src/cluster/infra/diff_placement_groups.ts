/**
 * Placement groups: create the missing ones; delete worker groups the plan no longer needs once
 * they are empty (after the operator scaled the workers down).
 *
 * @module
 */
import type { DesiredState, PlacementGroupPlan } from "../../config/mod.ts";
import type { PlacementGroup } from "../../hcloud/mod.ts";
import type { Change } from "./change.ts";
import type { ObservedCluster } from "./observed.ts";

/** What to do about placement groups. */
export interface PlacementGroupsDiff {
  missing: PlacementGroupPlan[];
  /** Empty, labelled worker groups k8zner no longer plans. */
  unused: PlacementGroup[];
}

/** Compares desired and found placement groups. Pure. */
export function diffPlacementGroups(desired: DesiredState, observed: ObservedCluster): PlacementGroupsDiff {
  const wanted = new Set(desired.placementGroups.map((p) => p.request.name));
  const workerGroup = new RegExp(`^${escape(desired.cluster.name)}-w-pg-\\d+$`);
  return {
    missing: desired.placementGroups.filter((p) => !observed.placementGroups.some((g) => g.name === p.request.name)),
    unused: observed.placementGroups.filter((g) =>
      !wanted.has(g.name) && workerGroup.test(g.name) && g.servers.length === 0
    ),
  };
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The plan lines of a placement group diff. */
export function placementGroupChanges(diff: PlacementGroupsDiff): Change[] {
  return [
    ...diff.missing.map((p): Change => ({
      action: "create",
      kind: "placement_group",
      name: p.request.name,
      detail: `${p.request.type} (every server on a different host)`,
    })),
    ...diff.unused.map((g): Change => ({
      action: "delete",
      kind: "placement_group",
      name: g.name,
      detail: "empty and no longer needed by the planned worker count",
    })),
  ];
}
