import { assertEquals, assertOk } from "../assert.ts";
import { answerQuery, type DnsAnswerRecord, startDnsServer } from "./dns_server.ts";

const zone: Record<string, DnsAnswerRecord[]> = {
  "argo.example.com": [{ type: "A", content: "127.0.200.1" }, { type: "A", content: "127.0.200.2" }, {
    type: "AAAA",
    content: "2001:db8::1",
  }],
  "a-argo.example.com": [{ type: "TXT", content: '"heritage=external-dns"' }],
};
const lookup = (name: string) => zone[name] ?? [];

Deno.test("Deno.resolveDns reads A and AAAA answers from the DNS server, NXDOMAIN as NotFound, a TXT-only name as no A", async () => {
  await using dns = await startDnsServer(lookup);
  const nameServer = { ipAddr: dns.hostname, port: dns.port };
  assertEquals((await Deno.resolveDns("ARGO.example.com", "A", { nameServer })).sort(), ["127.0.200.1", "127.0.200.2"]);
  assertEquals(await Deno.resolveDns("argo.example.com.", "AAAA", { nameServer }), ["2001:db8::1"]);
  const missing = await Deno.resolveDns("grafana.example.com", "A", { nameServer }).catch((e: unknown) => e);
  assertOk(missing instanceof Deno.errors.NotFound, `NXDOMAIN is NotFound, got ${missing}`);
  const noA = await Deno.resolveDns("a-argo.example.com", "A", { nameServer }).then((a) => a, (e: unknown) => e);
  assertOk(
    (Array.isArray(noA) && noA.length === 0) || noA instanceof Deno.errors.NotFound,
    `a name with only a TXT has no A answer: ${noA}`,
  );
});

Deno.test("answerQuery() answers FORMERR to a truncated question and NOTIMP to another opcode, ignores responses", () => {
  const query = new Uint8Array([0x12, 0x34, 0x01, 0, 0, 1, 0, 0, 0, 0, 0, 0, 4, 0x61, 0x72]);
  const formerr = answerQuery(query, lookup)!;
  assertEquals([formerr[0], formerr[1], formerr[2]! & 0x80, formerr[3]! & 0x0f], [0x12, 0x34, 0x80, 1]);
  const status = new Uint8Array([0, 1, 0x10, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0x61, 0, 0, 1, 0, 1]);
  assertEquals(answerQuery(status, lookup)![3]! & 0x0f, 4);
  const response = status.slice();
  response[2] = 0x80;
  assertEquals(answerQuery(response, lookup), undefined);
});
