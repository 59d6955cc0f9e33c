import { AwsClient } from "aws4fetch";
import { createHash } from "node:crypto";
import { assertEquals, assertOk } from "../assert.ts";
import { createS3Fake, startS3Fake } from "./mod.ts";

const KEY = { accessKeyId: "AKIDFAKE", secretAccessKey: "secret" };
const DAY = 86_400_000;

function signer(region = "fsn1", secretAccessKey = KEY.secretAccessKey) {
  return new AwsClient({ ...KEY, secretAccessKey, service: "s3", region, retries: 0 });
}

function amz(ms: number): string {
  return new Date(ms).toISOString().replace(/[:-]|\.\d{3}/g, "");
}

Deno.test("the fake refuses bucket tagging (Hetzner does not support it), a wrong region, a stale date and a body that does not match its hash", async () => {
  const now = Date.UTC(2026, 0, 1);
  const fake = createS3Fake({ region: "fsn1", credentials: [KEY], clock: () => now });
  const send = async (client: AwsClient, url: string, init: RequestInit & { aws?: unknown } = {}) => {
    const r = await fake.handle(await client.sign(url, { aws: { datetime: amz(now) }, ...init } as RequestInit));
    return { status: r.status, text: await r.text() };
  };
  assertEquals((await send(signer(), "http://s3.test/b-1", { method: "PUT" })).status, 200);
  const tagging = await send(signer(), "http://s3.test/b-1?tagging", { method: "PUT", body: "<Tagging/>" });
  assertEquals(tagging.status, 501);
  assertOk(tagging.text.includes("<Code>NotImplemented</Code>"));
  const region = await send(signer("nbg1"), "http://s3.test/b-1?list-type=2");
  assertOk(region.text.includes("AuthorizationHeaderMalformed"), region.text);
  const stale = await fake.handle(
    await signer().sign("http://s3.test/", { aws: { datetime: amz(now - 20 * 60_000) } } as RequestInit),
  );
  assertEquals(stale.status, 403);
  assertOk((await stale.text()).includes("RequestTimeTooSkewed"));
  const lying = await send(signer(), "http://s3.test/b-1/k", {
    method: "PUT",
    body: "real body",
    headers: { "x-amz-content-sha256": "0".repeat(64) },
  });
  assertOk(lying.text.includes("XAmzContentSHA256Mismatch"), lying.text);
  const noMd5 = await send(signer(), "http://s3.test/b-1?lifecycle", {
    method: "PUT",
    body: "<LifecycleConfiguration/>",
  });
  assertOk(noMd5.text.includes("Content-MD5"), noMd5.text);
  const wrong = await send(signer("fsn1", "other"), "http://s3.test/");
  assertEquals(wrong.status, 403);
  assertOk(wrong.text.includes("<Code>SignatureDoesNotMatch</Code>"));
});

Deno.test("applyLifecycle() deletes objects under the rule's prefix once Days have passed (rounded to midnight UTC), and nothing else", async () => {
  let now = Date.UTC(2026, 0, 1, 10, 0);
  const fake = createS3Fake({ region: "fsn1", credentials: [KEY], clock: () => now });
  fake.addBucket("b-1", KEY.accessKeyId);
  fake.putObjectAt("b-1", "etcd-backups/old.snap", "x");
  fake.putObjectAt("b-1", "other/old.txt", "x");
  now += DAY;
  fake.putObjectAt("b-1", "etcd-backups/new.snap", "x");
  const lifecycle = `<LifecycleConfiguration><Rule><ID>r</ID><Filter><Prefix>etcd-backups/</Prefix></Filter>` +
    `<Status>Enabled</Status><Expiration><Days>2</Days></Expiration></Rule></LifecycleConfiguration>`;

  const r = await fake.handle(
    await signer().sign("http://s3.test/b-1?lifecycle", {
      method: "PUT",
      body: lifecycle,
      headers: { "content-md5": createHash("md5").update(lifecycle).digest("base64") },
      aws: { datetime: amz(now) },
    } as RequestInit),
  );
  assertEquals(r.status, 200);
  // old.snap: written Jan 1 10:00, + 2 days = Jan 3 10:00, rounded up to Jan 4 00:00.
  now = Date.UTC(2026, 0, 3, 23, 59);
  assertEquals(fake.applyLifecycle(), []);
  now = Date.UTC(2026, 0, 4, 0, 0);
  assertEquals(fake.applyLifecycle(), ["b-1/etcd-backups/old.snap"]);
  now = Date.UTC(2026, 0, 5, 0, 0);
  assertEquals(fake.applyLifecycle(), ["b-1/etcd-backups/new.snap"]);
  assertEquals(fake.objectKeys("b-1"), ["other/old.txt"]);
});

Deno.test("startS3Fake() serves the fake on loopback", async () => {
  const running = await startS3Fake({ region: "fsn1", credentials: [KEY] });
  try {
    const r = await fetch(await signer().sign(`${running.url}/`));
    assertEquals(r.status, 200);
    assertOk((await r.text()).includes("ListAllMyBucketsResult"));
    assertEquals(running.fake.calls.ListBuckets, 1);
  } finally {
    await running.close();
  }
});
