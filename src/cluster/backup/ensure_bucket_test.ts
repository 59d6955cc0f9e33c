import { assertEquals, assertIncludes, assertOk } from "../../../tests/assert.ts";
import { createS3Fake } from "../../../tests/s3_fake/mod.ts";
import { UserFacingError } from "../../lib/errors.ts";
import { createS3Client } from "../../s3/mod.ts";
import { type BackupBucketPlan, ensureBackupBucket, OWNER_MARKER_KEY } from "./ensure_bucket.ts";

const KEY = { accessKeyId: "AKIDK8ZNER", secretAccessKey: "the-secret" };
const PLAN: BackupBucketPlan = {
  clusterName: "demo",
  bucket: "demo-etcd-backups",
  region: "fsn1",
  prefix: "etcd-backups",
  retentionDays: 14,
};
const DAY = 86_400_000;

function world(secret = KEY.secretAccessKey) {
  let now = Date.UTC(2026, 11, 1, 9, 30);
  const fake = createS3Fake({
    region: "fsn1",
    credentials: [KEY, { accessKeyId: "AKIDOTHER", secretAccessKey: "x", account: "someone-else" }],
    baseHost: "fsn1.your-objectstorage.com",
    clock: () => now,
  });
  const s3 = createS3Client({
    endpoint: "https://fsn1.your-objectstorage.com",
    region: "fsn1",
    accessKeyId: KEY.accessKeyId,
    secretAccessKey: secret,
    fetch: ((r: Request) => fake.handle(r)) as typeof fetch,
    sleep: () => Promise.resolve(),
    clock: () => now,
  });
  return { fake, s3, advance: (ms: number) => now += ms };
}

async function failure(fn: () => Promise<unknown>): Promise<UserFacingError> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof UserFacingError) return err;
    throw err;
  }
  throw new Error("expected a UserFacingError");
}

Deno.test("ensureBackupBucket() creates the bucket once over two runs, records its owner and sets the retention once", async () => {
  const { fake, s3 } = world();
  const first = await ensureBackupBucket(s3, PLAN);
  const second = await ensureBackupBucket(s3, PLAN);
  assertEquals(first, { bucket: "demo-etcd-backups", created: true, owner: "k8zner", retention: "set" });
  assertEquals(second, { bucket: "demo-etcd-backups", created: false, owner: "k8zner", retention: "unchanged" });
  assertEquals(fake.calls.CreateBucket, 1);
  assertEquals(fake.calls.PutBucketLifecycle, 1);
  assertEquals(fake.calls.DeleteBucket, undefined);
  assertEquals(fake.objectKeys("demo-etcd-backups"), [OWNER_MARKER_KEY]);
});

Deno.test("a wrong secret is refused with the real S3 error and the message names both variables; nothing is created", async () => {
  const { fake, s3 } = world("wrong-secret");
  const err = await failure(() => ensureBackupBucket(s3, PLAN));
  assertIncludes(err.message, "SignatureDoesNotMatch");
  assertIncludes(err.hint ?? "", "HETZNER_S3_ACCESS_KEY");
  assertIncludes(err.hint ?? "", "HETZNER_S3_SECRET_KEY");
  assertOk(!`${err.message}${err.hint}`.includes("wrong-secret"));
  assertEquals(fake.buckets(), []);
  assertEquals(fake.calls.CreateBucket, undefined);
  assertEquals(fake.refused.SignatureDoesNotMatch, 2);
});

Deno.test("a bucket of another account is reported as taken, not as bad credentials", async () => {
  const { fake, s3 } = world();
  fake.addBucket("demo-etcd-backups", "someone-else");
  const err = await failure(() => ensureBackupBucket(s3, PLAN));
  assertIncludes(err.message, "belongs to another Hetzner account");
});

Deno.test("a changed retention rewrites the rule, keeping a user's own rule; a bucket made by hand is used but not claimed", async () => {
  const { fake, s3 } = world();
  fake.addBucket("demo-etcd-backups", KEY.accessKeyId);
  const first = await ensureBackupBucket(s3, PLAN);
  assertEquals([first.created, first.owner, first.retention], [false, "unknown", "set"]);
  const next = await ensureBackupBucket(s3, { ...PLAN, retentionDays: 30 });
  assertEquals(next.retention, "set");
  assertIncludes(fake.lifecycle("demo-etcd-backups") ?? "", "<Days>30</Days>");
  assertEquals(fake.calls.CreateBucket, undefined);
});

Deno.test("the retention rule prunes snapshots older than the setting and keeps newer ones and the owner marker", async () => {
  const { fake, s3, advance } = world();
  await ensureBackupBucket(s3, { ...PLAN, retentionDays: 2 });
  // Hourly snapshots over three days, as talos-backup writes them.
  for (let h = 0; h < 72; h++) {
    fake.putObjectAt("demo-etcd-backups", `etcd-backups/demo-${String(h).padStart(2, "0")}.snap.zst`, "snap");
    advance(3_600_000);
  }
  fake.applyLifecycle();
  const left = fake.objectKeys("demo-etcd-backups");
  // Now is Dec 4 09:30: snapshots written up to Dec 1 23:30 (+2 days, up to midnight: Dec 4 00:00) are gone.
  assertEquals(left.includes("etcd-backups/demo-00.snap.zst"), false);
  assertEquals(left.includes("etcd-backups/demo-14.snap.zst"), false);
  assertEquals(left.includes("etcd-backups/demo-15.snap.zst"), true);
  assertEquals(left.includes(OWNER_MARKER_KEY), true);
  assertEquals((await s3.listObjects("demo-etcd-backups", "etcd-backups/")).length, 72 - 15);
  advance(3 * DAY);
  fake.applyLifecycle();
  assertEquals(fake.objectKeys("demo-etcd-backups"), [OWNER_MARKER_KEY]);
});
