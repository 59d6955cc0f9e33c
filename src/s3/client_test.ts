import { assertEquals, assertOk } from "../../tests/assert.ts";
import { createS3Fake, type S3Fake } from "../../tests/s3_fake/mod.ts";
import { createS3Client, type S3ClientOptions } from "./client.ts";
import { isS3Error, S3Error } from "./errors.ts";
import { findRetentionRule, renderLifecycle } from "./lifecycle.ts";

/** The S3Error `fn` rejects with (fails the test when it resolves or rejects with something else). */
async function rejection(fn: () => Promise<unknown>): Promise<S3Error> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof S3Error) return err;
    throw err;
  }
  throw new Error("expected an S3Error");
}

const NOW = Date.UTC(2026, 11, 6, 12, 0, 0);
const KEY = { accessKeyId: "AKIDK8ZNERTEST", secretAccessKey: "s3cr3t/K8ZNER+test" };

function setup(overrides: Partial<S3ClientOptions> = {}): { fake: S3Fake; sleeps: number[]; options: S3ClientOptions } {
  const fake = createS3Fake({
    region: "fsn1",
    credentials: [KEY],
    baseHost: "fsn1.your-objectstorage.com",
    clock: () => NOW,
  });
  const sleeps: number[] = [];
  const options: S3ClientOptions = {
    endpoint: "https://fsn1.your-objectstorage.com",
    region: "fsn1",
    ...KEY,
    fetch: ((input: Request) => fake.handle(input)) as typeof fetch,
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    clock: () => NOW,
    random: () => 0.5,
    ...overrides,
  };
  return { fake, sleeps, options };
}

Deno.test("createS3Client() addresses buckets virtual-hosted by default and the fake accepts its signatures", async () => {
  const seen: string[] = [];
  const { fake, options } = setup();
  const s3 = createS3Client({
    ...options,
    fetch: ((r: Request) => {
      seen.push(`${r.method} ${r.url}`);
      return fake.handle(r);
    }) as typeof fetch,
  });
  assertEquals(await s3.headBucket("demo-etcd-backups"), false);
  assertEquals(await s3.createBucket("demo-etcd-backups", "fsn1"), "created");
  assertEquals(await s3.headBucket("demo-etcd-backups"), true);
  assertEquals(await s3.createBucket("demo-etcd-backups", "fsn1"), "already-owned");
  assertEquals(seen[0], "HEAD https://demo-etcd-backups.fsn1.your-objectstorage.com/");
  assertEquals(fake.buckets(), ["demo-etcd-backups"]);
  assertEquals(fake.refused, {});
});

Deno.test("a wrong secret is refused with SignatureDoesNotMatch, not retried, and no credential is in the error", async () => {
  const { fake, sleeps, options } = setup({ secretAccessKey: "not-the-secret" });
  const s3 = createS3Client(options);
  const err = await rejection(() => s3.listBuckets());
  assertEquals([err.code, err.status], ["SignatureDoesNotMatch", 403]);
  assertOk(!err.message.includes("not-the-secret") && !err.message.includes(KEY.accessKeyId), err.message);
  // HEAD errors have no body: the status is all there is.
  const head = await rejection(() => s3.headBucket("demo-etcd-backups"));
  assertEquals([head.code, head.status], ["Forbidden", 403]);
  assertEquals(sleeps, []);
  assertEquals(fake.refused.SignatureDoesNotMatch, 2);
});

Deno.test("an unknown access key is refused with InvalidAccessKeyId", async () => {
  const { options } = setup({ accessKeyId: "AKIDUNKNOWN" });
  const err = await rejection(() => createS3Client(options).listBuckets());
  assertEquals(err.code, "InvalidAccessKeyId");
});

Deno.test("5xx answers and network failures are retried with backoff; the request then succeeds", async () => {
  const { fake, sleeps, options } = setup();
  let failures = [503, 0];
  const s3 = createS3Client({
    ...options,
    fetch: ((r: Request) => {
      const next = failures[0];
      failures = failures.slice(1);
      if (next === 503) return Promise.resolve(new Response("<Error><Code>SlowDown</Code></Error>", { status: 503 }));
      if (next === 0) return Promise.reject(new TypeError("fetch failed", { cause: new Error("connection reset") }));
      return fake.handle(r);
    }) as typeof fetch,
  });
  assertEquals(await s3.createBucket("demo-etcd-backups", "fsn1"), "created");
  assertEquals(sleeps, [375, 750]);
  assertEquals(fake.calls.CreateBucket, 1);
});

Deno.test("retries stop after maxAttempts with the last failure", async () => {
  const { sleeps, options } = setup({
    fetch: (() =>
      Promise.resolve(new Response("<Error><Code>InternalError</Code></Error>", { status: 500 }))) as typeof fetch,
  });
  const err = await rejection(() => createS3Client(options).headBucket("b-1"));
  assertEquals(err.status, 500);
  assertEquals(sleeps.length, 3);
});

Deno.test("the lifecycle rule round-trips through the fake, which checks Content-MD5, and other rules are kept", async () => {
  const { fake, options } = setup();
  const s3 = createS3Client(options);
  await s3.createBucket("demo-etcd-backups", "fsn1");
  assertEquals(await s3.getBucketLifecycle("demo-etcd-backups"), undefined);
  const foreign = `<LifecycleConfiguration><Rule><ID>user-logs</ID><Filter><Prefix>logs/</Prefix></Filter>` +
    `<Status>Enabled</Status><Expiration><Days>3</Days></Expiration></Rule></LifecycleConfiguration>`;
  await s3.putBucketLifecycle("demo-etcd-backups", renderLifecycle({ prefix: "etcd-backups/", days: 14 }, foreign));
  const live = await s3.getBucketLifecycle("demo-etcd-backups");
  assertEquals(findRetentionRule(live!), { prefix: "etcd-backups/", days: 14 });
  assertOk(live!.includes("<ID>user-logs</ID>"));
  assertEquals(fake.calls.PutBucketLifecycle, 1);
});

Deno.test("path-style addressing keeps the endpoint's path and objects list with their keys", async () => {
  const { fake, options } = setup({ endpoint: "http://127.0.0.1:9/s3", addressing: "path" });
  const s3 = createS3Client({
    ...options,
    fetch: ((r: Request) => {
      assertOk(new URL(r.url).pathname.startsWith("/s3/"), r.url);
      return fake.handle(new Request(r.url.replace("/s3/", "/"), r));
    }) as typeof fetch,
  });
  // The fake sees the path without /s3, so its signature check fails: proof that the path is signed.
  const err = await rejection(() => s3.headBucket("b-1"));
  assertEquals(err.status, 403);
  const direct = createS3Client({ ...options, endpoint: "http://127.0.0.1:9", addressing: "path" });
  await direct.createBucket("b-1", "fsn1");
  await direct.putObject("b-1", "etcd-backups/a b.snap", "x", "application/octet-stream");
  assertEquals((await direct.listObjects("b-1", "etcd-backups/")).map((o) => o.key), ["etcd-backups/a b.snap"]);
  assertEquals(await direct.getObject("b-1", "etcd-backups/a b.snap"), "x");
  assertEquals(await direct.getObject("b-1", "missing"), undefined);
  // Snapshots are binary: every byte value survives the signed PUT (payload hash over the bytes) and the GET.
  const snapshot = Uint8Array.from({ length: 512 }, (_, i) => (i * 37) % 256);
  await direct.putObject("b-1", "etcd-backups/c.snapshot", snapshot, "application/octet-stream");
  assertEquals(await direct.getObjectBytes("b-1", "etcd-backups/c.snapshot"), snapshot);
  assertEquals(await direct.getObjectBytes("b-1", "etcd-backups/none.snapshot"), undefined);
  assertOk(isS3Error(err));
});
