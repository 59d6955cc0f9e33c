import { assertEquals, assertOk, fail } from "../../tests/assert.ts";
import { startCloudflareFake } from "../../tests/cloudflare_fake/mod.ts";
import { createCloudflareClient } from "./client.ts";
import { deleteDnsRecord, listAllDnsRecords } from "./dns_records.ts";
import { CloudflareError, isCloudflareAuthError } from "./errors.ts";
import { findZoneOf } from "./zones.ts";

const TOKEN = "cf-secret-token-123";

async function rejection(fn: () => Promise<unknown>): Promise<CloudflareError> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof CloudflareError) return err;
    throw err;
  }
  return fail("expected a CloudflareError");
}

Deno.test("listAllDnsRecords() follows result_info.total_pages and findZoneOf() climbs to the parent zone", async () => {
  await using cf = await startCloudflareFake({ token: TOKEN });
  const zone = cf.addZone("example.com");
  for (let i = 0; i < 7; i++) cf.addRecord(zone.id, { type: "A", name: `h${i}.example.com`, content: "192.0.2.1" });
  const client = createCloudflareClient({ token: TOKEN, baseUrl: cf.url, fetch, sleep: () => Promise.resolve() });
  assertEquals((await findZoneOf(client, "k8s.example.com"))?.id, zone.id);
  assertEquals(await findZoneOf(client, "example.net"), undefined);
  const records = await listAllDnsRecords(client, zone.id, 3);
  assertEquals(records.map((r) => r.name), [0, 1, 2, 3, 4, 5, 6].map((i) => `h${i}.example.com`));
  const pages = cf.requests.filter((r) => r.path.endsWith("/dns_records")).map((r) => r.query);
  assertEquals(pages, [1, 2, 3].map((p) => ({ page: String(p), per_page: "3" })));
  assertEquals(await deleteDnsRecord(client, zone.id, records[0]!.id), true);
  assertEquals(await deleteDnsRecord(client, zone.id, records[0]!.id), false, "already gone");
  assertEquals(cf.records(zone.id).length, 6);
});

Deno.test("the Cloudflare client retries 429 (after Retry-After) and 5xx, then gives up with the status", async () => {
  await using cf = await startCloudflareFake({ token: TOKEN });
  const zone = cf.addZone("example.com");
  const slept: number[] = [];
  const client = createCloudflareClient({
    token: TOKEN,
    baseUrl: cf.url,
    fetch,
    sleep: (ms) => (slept.push(ms), Promise.resolve()),
  });
  cf.failNext(429);
  cf.failNext(503);
  assertEquals(await listAllDnsRecords(client, zone.id), []);
  assertEquals(slept, [3000, 2000], "Retry-After of the 429, then the second backoff step");
  cf.failNext(502, 4);
  const err = await rejection(() => listAllDnsRecords(client, zone.id));
  assertEquals(err.status, 502);
  assertEquals(slept.length, 5, "4 attempts: 3 more waits");
});

Deno.test("a refused Cloudflare token is an auth error whose message names the request, never the token", async () => {
  await using cf = await startCloudflareFake({ token: "the-right-one" });
  const client = createCloudflareClient({ token: TOKEN, baseUrl: cf.url, fetch, sleep: () => Promise.resolve() });
  const err = await rejection(() => findZoneOf(client, "example.com"));
  assertOk(isCloudflareAuthError(err));
  assertEquals(err.message, "Cloudflare API GET /zones: Authentication error (code 10000)");
  assertEquals(cf.requests.length, 1, "a refusal is not retried");
  assertOk(!JSON.stringify({ m: err.message, s: err.stack }).includes(TOKEN));
});

Deno.test("the Cloudflare client reports an unreachable API as status 0 without the token", async () => {
  const client = createCloudflareClient({
    token: TOKEN,
    baseUrl: "http://127.0.0.1:9/client/v4",
    fetch: () =>
      Promise.reject(new TypeError("fetch failed", { cause: new Error("Connection refused (os error 111)") })),
    sleep: () => Promise.resolve(),
    maxAttempts: 2,
  });
  const err = await rejection(() => findZoneOf(client, "example.com"));
  assertEquals(err.status, 0);
  assertOk(err.message.startsWith("Cloudflare API GET /zones: no answer"), err.message);
  assertOk(!err.message.includes(TOKEN));
});
