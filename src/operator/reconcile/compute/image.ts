/**
 * The Talos snapshot new servers boot from, found by its labels exactly as `apply` finds it
 * (`selectTalosSnapshots` over the labels `renderTalosImageNames` derives). The operator never builds an
 * image: that needs a temporary server with an SSH session, which is `apply`'s job. A missing snapshot
 * is reported as {@link ImageMissingError} (condition reason `ImageMissing`).
 *
 * @module
 */
import { selectorFor } from "../../../lib/labels.ts";
import { hetznerArchitecture, renderTalosImageNames } from "../../../cluster/image/naming.ts";
import { selectTalosSnapshots } from "../../../cluster/image/plan_image.ts";
import { SCHEMATIC_ID } from "../../../cluster/nodes/node_config.ts";
import type { ReconcileContext } from "../context.ts";

/** No available Talos snapshot for the cluster's version, schematic and architecture. */
export class ImageMissingError extends Error {
  override name = "ImageMissingError";
}

const IMAGE_KEY = "compute.image";

/** The id of the newest available Talos snapshot for the cluster (remembered per identity in `ctx.memory`). */
export async function findTalosSnapshotId(ctx: ReconcileContext): Promise<number> {
  const identity = {
    talosVersion: ctx.desired.talos.version,
    schematicId: SCHEMATIC_ID,
    arch: ctx.desired.talos.arch,
  };
  const names = renderTalosImageNames(identity);
  const key = `${IMAGE_KEY}:${names.description}`;
  const known = ctx.memory.get(key);
  if (typeof known === "number") return known;
  const snapshots = await ctx.cloud.hc.images.listSnapshots(
    selectorFor(names.snapshotLabels),
    hetznerArchitecture(identity.arch),
  );
  const { available } = selectTalosSnapshots(snapshots, names.snapshotLabels);
  if (!available) {
    throw new ImageMissingError(
      `No Talos snapshot ${names.description} exists in the Hetzner project; the operator does not build images: ` +
        "run `k8zner apply` once to build it",
    );
  }
  ctx.memory.set(key, available.id);
  return available.id;
}

/** Forgets the remembered snapshot (e.g. after a create refused it as gone). */
export function forgetTalosSnapshot(ctx: Pick<ReconcileContext, "memory">): void {
  for (const key of [...ctx.memory.keys()]) if (key.startsWith(`${IMAGE_KEY}:`)) ctx.memory.delete(key);
}
