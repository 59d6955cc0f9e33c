import { assertEquals, assertIncludes, assertOk } from "../../../tests/assert.ts";
import { createS3Fake } from "../../../tests/s3_fake/mod.ts";
import { UsageError } from "../../lib/errors.ts";
import { createS3Client } from "../../s3/mod.ts";
import {
  formatAge,
  formatSize,
  listSnapshots,
  parseSnapshotSource,
  renderSnapshotKey,
  renderSnapshotList,
} from "./snapshots.ts";

Deno.test("renderSnapshotKey() names a snapshot by cluster and UTC time under the prefix, without colons", () => {
  const key = renderSnapshotKey("etcd-backups/", "demo", new Date(Date.UTC(2026, 11, 7, 2, 52, 6, 789)));
  assertEquals(key, "etcd-backups/demo-2026-12-07T02-52-06Z.snapshot");
});

Deno.test("parseSnapshotSource() reads s3://bucket/key and treats anything else as a file", () => {
  assertEquals(parseSnapshotSource("s3://demo-etcd-backups/etcd-backups/demo-1.snapshot"), {
    kind: "s3",
    bucket: "demo-etcd-backups",
    key: "etcd-backups/demo-1.snapshot",
  });
  assertEquals(parseSnapshotSource("./snap.db"), { kind: "file", path: "./snap.db" });
  for (const bad of ["s3://bucket", "s3://bucket/", "s3:///key", "s3://b/etcd-backups/", " "]) {
    let caught: unknown;
    try {
      parseSnapshotSource(bad);
    } catch (err) {
      caught = err;
    }
    assertOk(caught instanceof UsageError, `${bad} is refused`);
  }
});

Deno.test("listSnapshots() lists the prefix newest first with sizes and ages; the table names what --from takes", async () => {
  let now = Date.UTC(2026, 11, 7, 3, 0, 0);
  const key = { accessKeyId: "AKID", secretAccessKey: "secret" };
  const fake = createS3Fake({ region: "fsn1", credentials: [key], clock: () => now });
  const s3 = createS3Client({
    endpoint: "http://127.0.0.1:9",
    region: "fsn1",
    ...key,
    addressing: "path",
    fetch: ((r: Request) => fake.handle(r)) as typeof fetch,
    sleep: () => Promise.resolve(),
    clock: () => now,
  });
  await s3.createBucket("demo-etcd-backups", "fsn1");
  await s3.putObject("demo-etcd-backups", "k8zner-owner.json", "{}", "application/json");
  await s3.putObject("demo-etcd-backups", "etcd-backups/demo-old.snap.zst", new Uint8Array(3000), "x");
  now += 3 * 3_600_000 + 5 * 60_000;
  await s3.putObject("demo-etcd-backups", "etcd-backups/demo-new.snapshot", new Uint8Array(10), "x");
  now += 45_000;
  const entries = await listSnapshots(s3, "demo-etcd-backups", "etcd-backups", new Date(now));
  assertEquals(entries.map((e) => [e.key, e.size, formatAge(e.ageMs)]), [
    ["etcd-backups/demo-new.snapshot", 10, "45s"],
    ["etcd-backups/demo-old.snap.zst", 3000, "3h 5m"],
  ]);
  const table = renderSnapshotList("demo-etcd-backups", entries);
  const [header, newest] = table.split("\n");
  assertEquals(header!.indexOf("SIZE"), newest!.indexOf("10 B"), "columns line up");
  assertEquals(header!.indexOf("AGE"), newest!.indexOf("45s ago"));
  assertIncludes(table, "s3://demo-etcd-backups/etcd-backups/demo-new.snapshot  10 B     45s ago");
  assertIncludes(table, "s3://demo-etcd-backups/etcd-backups/demo-old.snap.zst  2.9 KiB  3h 5m ago");
  assertEquals(renderSnapshotList("b", []), "No snapshots in s3://b/ yet.");
});

Deno.test("formatSize() and formatAge() read at a glance", () => {
  assertEquals([512, 1536, 21_286_912, 5 * 1024 ** 3].map(formatSize), ["512 B", "1.5 KiB", "20.3 MiB", "5.0 GiB"]);
  assertEquals([0, 59_999, 720_000, 7_200_000, 2 * 86_400_000 + 4 * 3_600_000].map(formatAge), [
    "0s",
    "59s",
    "12m",
    "2h",
    "2d 4h",
  ]);
});
