/**
 * What `apply` will do about the Talos snapshot, as a pure function `plan` can show: reuse a snapshot,
 * wait for one an interrupted run started, or build one (a temporary build server booted into rescue
 * mode with a temporary SSH key, then a snapshot; both temporaries are deleted afterwards). The choice is
 * the one {@linkcode ensureTalosImage} makes, from the same snapshot list.
 *
 * @module
 */
import type { Image } from "../../hcloud/mod.ts";
import { hasLabels } from "../../hcloud/mod.ts";
import { defaultBuildServerType, renderTalosImageNames, type TalosImageIdentity } from "./naming.ts";

/** The snapshot part of a plan. */
export type ImagePlan =
  | { action: "reuse"; snapshotId: number; description: string }
  | { action: "wait"; snapshotId: number; description: string }
  | {
    action: "build";
    description: string;
    buildServer: { name: string; serverType: string; location: string };
    sshKey: string;
  };

/** The available snapshot to reuse (newest first) and the ones still `creating`, of this identity only. */
export function selectTalosSnapshots(
  snapshots: readonly Image[],
  snapshotLabels: Record<string, string>,
): { available: Image | undefined; creating: Image[] } {
  // The API filters by selector; check again so a loose fake or a relabelled image never slips in.
  const matching = newestFirst(snapshots.filter((s) => s.type === "snapshot" && hasLabels(s.labels, snapshotLabels)));
  return {
    available: matching.find((s) => s.status === "available"),
    creating: matching.filter((s) => s.status === "creating"),
  };
}

/** Plans the Talos image for `identity` from a snapshot list; builds happen in the cluster's `location`. */
export function planTalosImage(
  identity: TalosImageIdentity,
  snapshots: readonly Image[],
  location: string,
): ImagePlan {
  const names = renderTalosImageNames(identity);
  const { available, creating } = selectTalosSnapshots(snapshots, names.snapshotLabels);
  if (available) return { action: "reuse", snapshotId: available.id, description: names.description };
  if (creating[0]) return { action: "wait", snapshotId: creating[0].id, description: names.description };
  return {
    action: "build",
    description: names.description,
    buildServer: { name: names.buildServerName, serverType: defaultBuildServerType(identity.arch), location },
    sshKey: names.sshKeyName,
  };
}

/** The plan's text lines (indented two spaces). */
export function renderImagePlan(plan: ImagePlan): string[] {
  switch (plan.action) {
    case "reuse":
      return [`  snapshot ${plan.snapshotId} (${plan.description}) exists and is reused`];
    case "wait":
      return [
        `  snapshot ${plan.snapshotId} (${plan.description}) is being created by an earlier run: apply waits for it`,
      ];
    case "build": {
      const s = plan.buildServer;
      return [
        `  + snapshot ${plan.description}  built once per project (a few minutes) and shared by its clusters:`,
        `      temporary SSH key ${plan.sshKey} and build server ${s.name} (${s.serverType} in ${s.location}),`,
        "      booted into rescue mode to write the Talos image; both are deleted once the snapshot is taken",
      ];
    }
  }
}

function newestFirst(images: readonly Image[]): Image[] {
  return [...images].sort((a, b) => Date.parse(b.created) - Date.parse(a.created) || b.id - a.id);
}
