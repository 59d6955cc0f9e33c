import { assertEquals } from "../../../tests/assert.ts";
import type { DnsRecord } from "../../cloudflare/mod.ts";
import { externalDnsOwner, ownedRecordOf, selectOwnedRecords } from "./dns_records.ts";

const registry = (owner: string, resource = "ingress/argocd/argo-cd-argocd-server") =>
  `"heritage=external-dns,external-dns/owner=${owner},external-dns/resource=${resource}"`;
let n = 0;
const rec = (type: string, name: string, content: string): DnsRecord => ({ id: `r${++n}`, type, name, content });

Deno.test("externalDnsOwner() reads the owner of a registry TXT, quoted or not, and nothing else", () => {
  assertEquals(externalDnsOwner(registry("demo")), "demo");
  assertEquals(externalDnsOwner("heritage=external-dns,external-dns/owner=demo"), "demo");
  assertEquals(externalDnsOwner('"external-dns/owner=demo"'), undefined, "no heritage: not a registry record");
  assertEquals(externalDnsOwner("v=spf1 include:_spf.example.com ~all"), undefined);
  assertEquals(externalDnsOwner(registry("demo2")), "demo2");
});

Deno.test("ownedRecordOf() strips external-dns's type prefix and keeps old-format names whole", () => {
  assertEquals(ownedRecordOf("a-argo.example.com"), { name: "argo.example.com", type: "A" });
  assertEquals(ownedRecordOf("aaaa-argo.example.com"), { name: "argo.example.com", type: "AAAA" });
  assertEquals(ownedRecordOf("CNAME-www.example.com"), { name: "www.example.com", type: "CNAME" });
  assertEquals(ownedRecordOf("argo.example.com"), { name: "argo.example.com", type: undefined });
  assertEquals(ownedRecordOf("my-app.example.com"), { name: "my-app.example.com", type: undefined });
});

Deno.test("selectOwnedRecords() takes this owner's TXT records and the records they name, targets first", () => {
  const records = [
    rec("TXT", "a-argo.example.com", registry("demo")),
    rec("A", "argo.example.com", "192.0.2.10"),
    rec("TXT", "aaaa-argo.example.com", registry("demo")),
    rec("AAAA", "argo.example.com", "2001:db8::10"),
    // Old format: TXT at the record's own name, for A and CNAME but never AAAA.
    rec("TXT", "legacy.example.com", registry("demo")),
    rec("A", "legacy.example.com", "192.0.2.11"),
    rec("AAAA", "legacy.example.com", "2001:db8::11"),
    // The neighbour "demo2" (an owner whose name starts with ours) and an unowned record.
    rec("TXT", "a-grafana.example.com", registry("demo2")),
    rec("A", "grafana.example.com", "192.0.2.20"),
    rec("A", "www.example.com", "192.0.2.30"),
    rec("TXT", "example.com", "v=spf1 -all"),
  ];
  const picked = selectOwnedRecords(records, "demo").map((r) => `${r.type} ${r.name}`);
  assertEquals(picked, [
    "A argo.example.com",
    "AAAA argo.example.com",
    "A legacy.example.com",
    "TXT a-argo.example.com",
    "TXT aaaa-argo.example.com",
    "TXT legacy.example.com",
  ]);
  assertEquals(selectOwnedRecords(records, "demo2").map((r) => `${r.type} ${r.name}`), [
    "A grafana.example.com",
    "TXT a-grafana.example.com",
  ]);
  assertEquals(selectOwnedRecords(records, "nobody"), []);
});

Deno.test("selectOwnedRecords() leaves a record another owner's registry claims, even if ours names it too", () => {
  const records = [
    rec("TXT", "shared.example.com", registry("demo")),
    rec("TXT", "a-shared.example.com", registry("other")),
    rec("A", "shared.example.com", "192.0.2.40"),
  ];
  assertEquals(selectOwnedRecords(records, "demo").map((r) => `${r.type} ${r.name}`), ["TXT shared.example.com"]);
});
