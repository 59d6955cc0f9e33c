/**
 * The Talos snapshot new servers boot from, found by its labels exactly as `apply` finds it
 * (`selectTalosSnapshots` over the labels `renderTalosImageNames` derives). The operator never builds an
 * image: that needs a temporary server with an SSH session, which is `apply`'s job. A missing snapshot
 * is reported as {@link ImageMissingError} (condition reason `ImageMissing`). The snapshot apply used is
 * named on the cluster object; it is taken without a lookup until a create with it fails.
 *
 * @module
 */
import { selectorFor } from "../../../lib/labels.ts";
import { hetznerArchitecture, renderTalosImageNames } from "../../../cluster/image/naming.ts";
import { selectTalosSnapshots } from "../../../cluster/image/plan_image.ts";
import { SCHEMATIC_ID } from "../../../cluster/nodes/node_config.ts";
import type { ReconcileContext } from "../context.ts";
import { readTalosSnapshotRecord } from "../../../cluster/handover/talos_snapshot_record.ts";

/** No available Talos snapshot for the cluster's version, schematic and architecture. */
export class ImageMissingError extends Error {
  override name = "ImageMissingError";
}

const IMAGE_KEY = "compute.image";
const HANDOVER_DISTRUSTED_KEY = "compute.image-handover-distrusted";

/**
 * The id of the newest available Talos snapshot for the cluster (remembered per identity in `ctx.memory`).
 * Servers added in parallel share one lookup: the lookup in flight is remembered too.
 */
export function findTalosSnapshotId(ctx: ReconcileContext): Promise<number> {
  const identity = {
    talosVersion: ctx.desired.talos.version,
    schematicId: SCHEMATIC_ID,
    arch: ctx.desired.talos.arch,
  };
  const names = renderTalosImageNames(identity);
  const key = `${IMAGE_KEY}:${names.description}`;
  const known = ctx.memory.get(key);
  if (typeof known === "number") return Promise.resolve(known);
  if (known instanceof Promise) return known as Promise<number>;
  // apply found or built this snapshot moments before the hand-over and named it on the cluster object.
  const handedOver = ctx.memory.has(HANDOVER_DISTRUSTED_KEY)
    ? undefined
    : readTalosSnapshotRecord(ctx.cluster, names.description);
  if (handedOver !== undefined) {
    ctx.memory.set(key, handedOver);
    return Promise.resolve(handedOver);
  }
  const lookup = (async () => {
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
    return available.id;
  })();
  ctx.memory.set(key, lookup);
  lookup.then(
    (id) => ctx.memory.get(key) === lookup && ctx.memory.set(key, id),
    () => ctx.memory.get(key) === lookup && ctx.memory.delete(key),
  );
  return lookup;
}

/** Forgets the remembered snapshot (e.g. after a create refused it as gone). */
export function forgetTalosSnapshot(ctx: Pick<ReconcileContext, "memory">): void {
  for (const key of [...ctx.memory.keys()]) if (key.startsWith(`${IMAGE_KEY}:`)) ctx.memory.delete(key);
  // The id apply handed over may be the one that failed: from now on the snapshot is looked up.
  ctx.memory.set(HANDOVER_DISTRUSTED_KEY, true);
}
