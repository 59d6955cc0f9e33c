/**
 * The Cloudflare fake against Cloudflare's documented shapes (SOURCES.md): the envelope of successes
 * and failures, `result_info`, the DNS record's required fields, `per_page` bounds, pagination, and
 * the refusal of a wrong token. Raw fetch on purpose: this checks the fake, not our client.
 */
import { assertEquals, assertOk } from "../assert.ts";
import { PER_PAGE, startCloudflareFake } from "./mod.ts";

const TOKEN = "cf-contract-token";

async function get(url: string, token = TOKEN): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, { headers: { Authorization: `Bearer ${token}` } });
  return { status: res.status, body: await res.json() };
}

/** `api-response-common` (+ `api-response-common-failure` when `success` is false). */
function assertEnvelope(body: Record<string, unknown>, success: boolean): void {
  assertEquals(body.success, success);
  for (const key of ["errors", "messages"] as const) {
    const list = body[key];
    assertOk(Array.isArray(list), `${key} is an array`);
    for (const m of list as Record<string, unknown>[]) {
      assertOk(Number.isInteger(m.code) && (m.code as number) >= 1000, `${key} code is an integer >= 1000`);
      assertEquals(typeof m.message, "string");
    }
  }
  if (!success) {
    assertOk((body.errors as unknown[]).length >= 1, "a failure carries an error");
    assertEquals(body.result, null);
  }
}

function assertResultInfo(body: Record<string, unknown>, expected: Record<string, number>): void {
  const info = body.result_info as Record<string, unknown>;
  assertEquals(Object.keys(info).sort(), ["count", "page", "per_page", "total_count", "total_pages"]);
  assertEquals(info, expected);
}

Deno.test("the Cloudflare fake answers zones and DNS records in Cloudflare's envelope and record shape", async () => {
  await using cf = await startCloudflareFake({ token: TOKEN });
  const zone = cf.addZone("example.com");
  cf.addZone("example.org");
  cf.addRecord(zone.id, { type: "A", name: "argo.example.com", content: "192.0.2.10" });
  cf.addRecord(zone.id, {
    type: "TXT",
    name: "a-argo.example.com",
    content:
      '"heritage=external-dns,external-dns/owner=demo,external-dns/resource=ingress/argocd/argo-cd-argocd-server"',
  });

  const zones = await get(`${cf.url}/zones?name=example.com`);
  assertEquals(zones.status, 200);
  assertEnvelope(zones.body, true);
  assertEquals((zones.body.result as { id: string; name: string }[]).map((z) => [z.id, z.name]), [
    [zone.id, "example.com"],
  ]);
  assertResultInfo(zones.body, { page: 1, per_page: PER_PAGE.zones.default, count: 1, total_count: 1, total_pages: 1 });

  const list = await get(`${cf.url}/zones/${zone.id}/dns_records`);
  assertEquals(list.status, 200);
  assertEnvelope(list.body, true);
  assertResultInfo(list.body, { page: 1, per_page: 100, count: 2, total_count: 2, total_pages: 1 });
  const [a, txt] = list.body.result as Record<string, unknown>[];
  // dns-records_dns-record-response: required fields plus the shared ones destroy reads.
  for (const key of ["id", "created_on", "modified_on", "meta", "proxiable", "name", "type", "content", "ttl"]) {
    assertOk(key in a! && key in txt!, `record has ${key}`);
  }
  assertEquals([a!.type, a!.name, a!.content, a!.proxiable], ["A", "argo.example.com", "192.0.2.10", true]);
  assertEquals([txt!.type, txt!.proxiable], ["TXT", false]);
  assertOk(typeof a!.id === "string" && (a!.id as string).length <= 32, "identifier is a string of at most 32");
  assertOk(!Number.isNaN(Date.parse(a!.created_on as string)), "created_on is a date-time");

  const del = await fetch(`${cf.url}/zones/${zone.id}/dns_records/${a!.id}`, {
    method: "DELETE",
    headers: { Authorization: `Bearer ${TOKEN}` },
  });
  const delBody = await del.json();
  assertEquals(del.status, 200);
  assertEnvelope(delBody, true);
  assertEquals(delBody.result, { id: a!.id });
  assertEquals(cf.records(zone.id).map((r) => r.name), ["a-argo.example.com"]);

  const again = await fetch(`${cf.url}/zones/${zone.id}/dns_records/${a!.id}`, {
    method: "DELETE",
    headers: { Authorization: `Bearer ${TOKEN}` },
  });
  assertEquals(again.status, 404);
  assertEnvelope(await again.json(), false);
});

Deno.test("the Cloudflare fake refuses a wrong or missing token with 403 and code 10000, changing nothing", async () => {
  await using cf = await startCloudflareFake({ token: TOKEN });
  const zone = cf.addZone("example.com");
  const record = cf.addRecord(zone.id, { type: "A", name: "x.example.com", content: "192.0.2.1" });
  const wrong = await get(`${cf.url}/zones?name=example.com`, "not-the-token");
  assertEquals(wrong.status, 403);
  assertEnvelope(wrong.body, false);
  assertEquals((wrong.body.errors as { code: number }[])[0]!.code, 10000);
  const missing = await fetch(`${cf.url}/zones/${zone.id}/dns_records/${record.id}`, { method: "DELETE" });
  assertEquals(missing.status, 403);
  await missing.body?.cancel();
  assertEquals(cf.records(zone.id).length, 1);
});

Deno.test("the Cloudflare fake paginates DNS records like Cloudflare and refuses per_page out of bounds", async () => {
  await using cf = await startCloudflareFake({ token: TOKEN });
  const zone = cf.addZone("example.com");
  for (let i = 0; i < 7; i++) cf.addRecord(zone.id, { type: "A", name: `h${i}.example.com`, content: "192.0.2.1" });
  const second = await get(`${cf.url}/zones/${zone.id}/dns_records?page=2&per_page=3`);
  assertResultInfo(second.body, { page: 2, per_page: 3, count: 3, total_count: 7, total_pages: 3 });
  assertEquals((second.body.result as { name: string }[]).map((r) => r.name), [
    "h3.example.com",
    "h4.example.com",
    "h5.example.com",
  ]);
  const past = await get(`${cf.url}/zones/${zone.id}/dns_records?page=4&per_page=3`);
  assertResultInfo(past.body, { page: 4, per_page: 3, count: 0, total_count: 7, total_pages: 3 });
  for (const bad of ["per_page=0", "per_page=5000001", "page=0", "per_page=ten"]) {
    const res = await get(`${cf.url}/zones/${zone.id}/dns_records?${bad}`);
    assertEquals(res.status, 400, bad);
    assertEnvelope(res.body, false);
  }
  // Zones allow 5..50 per page.
  assertEquals((await get(`${cf.url}/zones?per_page=4`)).status, 400);
  assertEquals((await get(`${cf.url}/zones?per_page=51`)).status, 400);
  assertEquals((await get(`${cf.url}/zones?per_page=50`)).status, 200);
});

Deno.test("the Cloudflare fake creates and patches records as Cloudflare does, refusing malformed and identical ones", async () => {
  await using cf = await startCloudflareFake({ token: TOKEN });
  const zone = cf.addZone("example.com");
  const send = async (method: string, path: string, body: unknown, token = TOKEN) => {
    const res = await fetch(`${cf.url}/zones/${zone.id}/dns_records${path}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() as Record<string, unknown> };
  };
  const created = await send("POST", "", { type: "A", name: "argo", content: "192.0.2.10", ttl: 1, proxied: false });
  assertEquals(created.status, 200);
  assertEnvelope(created.body, true);
  const record = created.body.result as Record<string, unknown>;
  assertEquals([record.name, record.type, record.content, record.ttl, record.proxied], [
    "argo.example.com",
    "A",
    "192.0.2.10",
    1,
    false,
  ]);
  for (const key of ["id", "created_on", "modified_on", "meta", "proxiable"]) assertOk(key in record, key);
  const twice = await send("POST", "", { type: "A", name: "argo.example.com", content: "192.0.2.10" });
  assertEquals([twice.status, (twice.body.errors as { code: number }[])[0]!.code], [400, 81058]);
  assertEnvelope(twice.body, false);
  for (
    const bad of [
      { type: "A", name: "x.example.com", content: "not-an-ip" },
      { type: "AAAA", name: "x.example.com", content: "2001:db8:ffff::200b22" },
      { type: "A", name: "x.example.com", content: "192.0.2.1", ttl: 30 },
      { type: "TXT", name: "x.example.com", content: "v", proxied: true },
      { type: "BOGUS", name: "x.example.com", content: "v" },
      { type: "TXT", content: "v" },
    ]
  ) {
    const res = await send("POST", "", bad);
    assertEquals(res.status, 400, JSON.stringify(bad));
    assertEnvelope(res.body, false);
  }
  assertEquals((await send("POST", "", { type: "A", name: "y", content: "192.0.2.1" }, "wrong")).status, 403);
  const patched = await send("PATCH", `/${record.id}`, { content: "192.0.2.11" });
  assertEquals([patched.status, (patched.body.result as { content: string }).content], [200, "192.0.2.11"]);
  assertEquals((await send("PATCH", `/${record.id}`, { content: "nope" })).status, 400);
  assertEquals((await send("PATCH", "/0000", { content: "192.0.2.1" })).status, 404);
  assertEquals(cf.records(zone.id).map((r) => `${r.type} ${r.name} ${r.content}`), ["A argo.example.com 192.0.2.11"]);
});
