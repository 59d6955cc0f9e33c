import { assertEquals, assertRejects } from "../../../../tests/assert.ts";
import { expandSpec } from "../../../config/mod.ts";
import type { Image } from "../../../hcloud/mod.ts";
import { renderTalosImageNames } from "../../../cluster/image/naming.ts";
import { SCHEMATIC_ID } from "../../../cluster/nodes/node_config.ts";
import type { ReconcileContext } from "../context.ts";
import { findTalosSnapshotId, ImageMissingError } from "./image.ts";

const desired = expandSpec({ name: "im", region: "fsn1", mode: "dev", workers: { count: 1, size: "cx23" } });
const labels = renderTalosImageNames({
  talosVersion: desired.talos.version,
  schematicId: SCHEMATIC_ID,
  arch: desired.talos.arch,
}).snapshotLabels;

function contextWith(snapshots: Partial<Image>[], calls: string[]): ReconcileContext {
  const images = {
    listSnapshots: (selector: string) => {
      calls.push(selector);
      return Promise.resolve(snapshots as Image[]);
    },
  };
  return { desired, memory: new Map(), cloud: { hc: { images } } } as unknown as ReconcileContext;
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
