import { assertEquals, assertRejects } from "../../../../tests/assert.ts";
import { expandSpec } from "../../../config/mod.ts";
import type { Image } from "../../../hcloud/mod.ts";
import { renderTalosImageNames } from "../../../cluster/image/naming.ts";
import { SCHEMATIC_ID } from "../../../cluster/nodes/node_config.ts";
import type { ReconcileContext } from "../context.ts";
import { findTalosSnapshotId, forgetTalosSnapshot, ImageMissingError } from "./image.ts";
import { TALOS_SNAPSHOT_ANNOTATION } from "../../../cluster/handover/talos_snapshot_record.ts";

const desired = expandSpec({ name: "im", region: "fsn1", mode: "dev", workers: { count: 1, size: "cx23" } });
const labels = renderTalosImageNames({
  talosVersion: desired.talos.version,
  schematicId: SCHEMATIC_ID,
  arch: desired.talos.arch,
}).snapshotLabels;

function contextWith(
  snapshots: Partial<Image>[],
  calls: string[],
  annotations: Record<string, string> = {},
): ReconcileContext {
  const images = {
    listSnapshots: (selector: string) => {
      calls.push(selector);
      return Promise.resolve(snapshots as Image[]);
    },
  };
  const cluster = { apiVersion: "k8zner.io/v1alpha1", kind: "K8znerCluster", metadata: { name: "im", annotations } };
  return { desired, cluster, memory: new Map(), cloud: { hc: { images } } } as unknown as ReconcileContext;
}

Deno.test("findTalosSnapshotId() finds the snapshot by apply's labels once, then remembers it", async () => {
  const calls: string[] = [];
  const ctx = contextWith([
    { id: 7, type: "snapshot", status: "available", labels, created: "2026-01-01T00:00:00Z" },
    { id: 9, type: "snapshot", status: "creating", labels, created: "2026-02-01T00:00:00Z" },
  ], calls);
  assertEquals(await findTalosSnapshotId(ctx), 7);
  assertEquals(await findTalosSnapshotId(ctx), 7);
  assertEquals(calls.length, 1, "one Hetzner request");
  assertEquals(calls[0]!.includes("k8zner.io/talos-version="), true);
});

Deno.test("findTalosSnapshotId() never builds: a missing snapshot is ImageMissingError telling to run apply", async () => {
  const ctx = contextWith(
    [{ id: 3, type: "snapshot", status: "creating", labels, created: "2026-01-01T00:00:00Z" }],
    [],
  );
  await assertRejects(
    () => findTalosSnapshotId(ctx),
    (err: unknown) => err instanceof ImageMissingError && /run `k8zner apply` once to build it/.test(err.message),
  );
});

Deno.test("findTalosSnapshotId() shares one lookup between servers added at once, and forgets a failed one", async () => {
  const calls: string[] = [];
  const ctx = contextWith([], calls);
  await Promise.all([
    assertRejects(() => findTalosSnapshotId(ctx), ImageMissingError),
    assertRejects(() => findTalosSnapshotId(ctx), ImageMissingError),
  ]);
  assertEquals(calls.length, 1, "one request for two callers");
  // A failure is not remembered: the next call asks again.
  await assertRejects(() => findTalosSnapshotId(ctx), ImageMissingError);
  assertEquals(calls.length, 2);
});

Deno.test("findTalosSnapshotId() takes the snapshot apply named on the cluster until a create with it fails", async () => {
  const description = renderTalosImageNames({
    talosVersion: desired.talos.version,
    schematicId: SCHEMATIC_ID,
    arch: desired.talos.arch,
  }).description;
  const calls: string[] = [];
  const snapshots = [{
    id: 7,
    type: "snapshot",
    status: "available",
    labels,
    created: "2026-01-01T00:00:00Z",
  }] as const;
  const ctx = contextWith([...snapshots], calls, { [TALOS_SNAPSHOT_ANNOTATION]: `${description}=42` });
  assertEquals(await findTalosSnapshotId(ctx), 42);
  assertEquals(calls.length, 0, "no request");
  // The create refused it (deleted by hand): looked up from now on, never taken from the record again.
  forgetTalosSnapshot(ctx);
  assertEquals(await findTalosSnapshotId(ctx), 7);
  forgetTalosSnapshot(ctx);
  assertEquals(await findTalosSnapshotId(ctx), 7);
  assertEquals(calls.length, 2);

  // A record of another version is no record.
  const other = contextWith([...snapshots], calls, { [TALOS_SNAPSHOT_ANNOTATION]: "talos-v1.12.0-amd64-37656798=42" });
  assertEquals(await findTalosSnapshotId(other), 7);
});
