import { assertEquals } from "../../../tests/assert.ts";
import { image } from "../../../tests/hcloud_fixtures.ts";
import type { Image } from "../../hcloud/mod.ts";
import { renderTalosImageNames, type TalosImageIdentity } from "./naming.ts";
import { planTalosImage, renderImagePlan } from "./plan_image.ts";

const ID: TalosImageIdentity = { talosVersion: "v1.13.9", schematicId: "3".repeat(64), arch: "amd64" };
const LABELS = renderTalosImageNames(ID).snapshotLabels;
const snapshot = (id: number, labels: Record<string, string>, status = "available", created = "2026-07-01T12:00:00Z") =>
  ({ ...image(id, labels), status, created }) as unknown as Image;

Deno.test("planTalosImage() plans a build with its temporary server and key when no snapshot matches", () => {
  const otherVersion = snapshot(5, { ...LABELS, "k8zner.io/talos-version": "v1.12.0" });
  const plan = planTalosImage(ID, [otherVersion], "nbg1");
  assertEquals(plan, {
    action: "build",
    description: "talos-v1.13.9-amd64-33333333",
    buildServer: { name: "k8zner-image-v1.13.9-amd64-33333333", serverType: "cx23", location: "nbg1" },
    sshKey: "k8zner-image-v1.13.9-amd64-33333333",
  });
  assertEquals(renderImagePlan(plan), [
    "  + snapshot talos-v1.13.9-amd64-33333333  built once per project (a few minutes) and shared by its clusters:",
    "      temporary SSH key k8zner-image-v1.13.9-amd64-33333333 and build server " +
    "k8zner-image-v1.13.9-amd64-33333333 (cx23 in nbg1),",
    "      booted into rescue mode to write the Talos image; both are deleted once the snapshot is taken",
  ]);
});

Deno.test("planTalosImage() reuses the newest available snapshot, else waits for one being created", () => {
  const older = snapshot(7, LABELS, "available", "2026-06-01T00:00:00Z");
  const newer = snapshot(9, LABELS, "available", "2026-06-20T00:00:00Z");
  assertEquals(planTalosImage(ID, [older, newer], "fsn1"), {
    action: "reuse",
    snapshotId: 9,
    description: "talos-v1.13.9-amd64-33333333",
  });
  const creating = snapshot(11, LABELS, "creating");
  const plan = planTalosImage(ID, [creating], "fsn1");
  assertEquals(plan.action, "wait");
  assertEquals(renderImagePlan(plan), [
    "  snapshot 11 (talos-v1.13.9-amd64-33333333) is being created by an earlier run: apply waits for it",
  ]);
});
