/** The two annotations apply writes for the operator, read back the way the operator reads them. */
import { assertEquals } from "../../../tests/assert.ts";
import { expandSpec, type Spec } from "../../config/mod.ts";
import { renderK8znerCluster, renderK8znerClusterSpec } from "../../addons/k8zner_cluster.ts";
import type { InfrastructureResult } from "../infra/ensure_infrastructure.ts";
import {
  ENSURED_INFRASTRUCTURE_ANNOTATION,
  infrastructureRecordAnnotation,
  isRecordFresh,
  readInfrastructureRecord,
} from "./infrastructure_record.ts";
import { desiredFromCluster } from "./desired_from_spec.ts";
import { readTalosSnapshotRecord, talosSnapshotAnnotation } from "./talos_snapshot_record.ts";
import { renderTalosImageNames } from "../image/naming.ts";
import { SCHEMATIC_ID } from "../nodes/node_config.ts";

const SPEC: Spec = {
  name: "rec1",
  region: "fsn1",
  mode: "dev",
  workers: { count: 1, size: "cx23" },
  api_allowlist: ["198.51.100.7/32"],
};

const INFRA = {
  network: { id: 1 },
  firewall: { id: 2 },
  loadBalancer: { id: 3 },
  placementGroups: new Map([["rec1-cp-pg", { id: 4 }]]),
  sshKey: { id: 5 },
} as unknown as InfrastructureResult;

Deno.test("the infrastructure annotation is trusted by the operator that reads the spec written beside it", () => {
  const desired = expandSpec(SPEC);
  const spec = renderK8znerClusterSpec(desired);
  const at = new Date("2026-12-07T08:00:00Z");
  const annotations = infrastructureRecordAnnotation("rec1", spec, INFRA, at);
  const cluster = renderK8znerCluster({ name: "rec1", spec });
  cluster.metadata.annotations = annotations;
  const record = readInfrastructureRecord(cluster)!;
  assertEquals([record.at, record.result.loadBalancer.id, record.result.placementGroups.get("rec1-cp-pg")?.id], [
    at.getTime(),
    3,
    4,
  ]);
  assertEquals(isRecordFresh(record, desiredFromCluster(cluster), at.getTime() + 60_000, 6 * 3_600_000), true);
  // A spec the operator cannot read gets no record: it then checks as without one.
  assertEquals(infrastructureRecordAnnotation("rec1", { ...spec, mode: "nope" as "dev" }, INFRA, at), {});
  assertEquals(Object.keys(annotations), [ENSURED_INFRASTRUCTURE_ANNOTATION]);
});

Deno.test("the snapshot annotation names the desired Talos image, and only that image reads it back", () => {
  const desired = expandSpec(SPEC);
  const cluster = renderK8znerCluster({ name: "rec1", spec: renderK8znerClusterSpec(desired) });
  cluster.metadata.annotations = talosSnapshotAnnotation(desired, 4242);
  const description = (talosVersion: string) =>
    renderTalosImageNames({ talosVersion, schematicId: SCHEMATIC_ID, arch: desired.talos.arch }).description;
  assertEquals(readTalosSnapshotRecord(cluster, description(desired.talos.version)), 4242);
  assertEquals(readTalosSnapshotRecord(cluster, description("v0.0.1")), undefined);
});
