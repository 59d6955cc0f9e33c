/**
 * The Talos snapshot apply found or built, named on the `K8znerCluster` for the operator, whose first
 * servers would otherwise look it up again seconds later. The record names the snapshot's
 * description (version, architecture, schematic) beside its id, so a cluster whose versions changed
 * since never takes it for the new ones.
 *
 * @module
 */
import type { DesiredState } from "../../config/mod.ts";
import type { KubeObject } from "../../kube/mod.ts";
import { renderTalosImageNames } from "../image/naming.ts";
import { SCHEMATIC_ID } from "../nodes/node_config.ts";

/** Annotation on the `K8znerCluster`: `<snapshot description>=<image id>`. */
export const TALOS_SNAPSHOT_ANNOTATION = "k8zner.io/talos-snapshot";

/** The annotation's value. Pure. */
export function renderTalosSnapshotRecord(description: string, imageId: number): string {
  if (!Number.isSafeInteger(imageId) || imageId <= 0) {
    throw new RangeError(`Cannot record Talos snapshot ${imageId}: expected a positive image id`);
  }
  return `${description}=${imageId}`;
}

/** The annotation naming `imageId` as the snapshot of `desired`'s Talos version, schematic and architecture. */
export function talosSnapshotAnnotation(desired: DesiredState, imageId: number): Record<string, string> {
  const { description } = renderTalosImageNames({
    talosVersion: desired.talos.version,
    schematicId: SCHEMATIC_ID,
    arch: desired.talos.arch,
  });
  return { [TALOS_SNAPSHOT_ANNOTATION]: renderTalosSnapshotRecord(description, imageId) };
}

/** The recorded image id when the record names `description`; undefined otherwise or when unreadable. */
export function readTalosSnapshotRecord(cluster: KubeObject, description: string): number | undefined {
  const value = cluster.metadata.annotations?.[TALOS_SNAPSHOT_ANNOTATION];
  const at = value?.lastIndexOf("=") ?? -1;
  if (value === undefined || at < 0 || value.slice(0, at) !== description) return undefined;
  const id = Number(value.slice(at + 1));
  return Number.isSafeInteger(id) && id > 0 ? id : undefined;
}
