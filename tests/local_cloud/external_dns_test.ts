import { assertEquals, assertIncludes, assertOk } from "../assert.ts";
import { startCloudflareFake } from "../cloudflare_fake/mod.ts";
import { FakeKubeStore } from "../kube_fake/mod.ts";
import { selectOwnedRecords } from "../../src/cluster/destroy/dns_records.ts";
import { goDurationMs, parseExternalDnsArgs, reconcileExternalDns } from "./external_dns.ts";
import { cloudflareSecret, externalDnsDeployment, setIngressAddresses, tlsIngress } from "./ingress_fixtures.ts";

const TOKEN = "cf-token-external-dns";
const names = (records: { type: string; name: string; content: string }[]) =>
  records.map((r) => `${r.type} ${r.name} ${r.content}`).sort();

Deno.test("external-dns publishes Ingress hosts with owner TXT records destroy recognises, and removes them with the Ingress (sync)", async () => {
  await using cf = await startCloudflareFake({ token: TOKEN });
  const zone = cf.addZone("example.com");
  cf.addRecord(zone.id, { type: "A", name: "www.example.com", content: "192.0.2.80" });
  cf.addRecord(zone.id, { type: "A", name: "argo.other.example.com", content: "192.0.2.7" });
  cf.addRecord(zone.id, {
    type: "TXT",
    name: "a-argo.other.example.com",
    content: '"heritage=external-dns,external-dns/owner=other,external-dns/resource=ingress/argocd/argo"',
  });
  const store = new FakeKubeStore();
  store.put(externalDnsDeployment("demo", "example.com", false));
  store.put(cloudflareSecret("external-dns", TOKEN));
  store.put(tlsIngress("argocd", "argo-cd-argocd-server", "argo.example.com"));
  store.put(tlsIngress("monitoring", "kube-prometheus-stack-grafana", "grafana.example.com"));
  store.put(tlsIngress("elsewhere", "app", "app.example.org"));
  setIngressAddresses(store, "argocd", "argo-cd-argocd-server", ["127.0.200.1"]);
  setIngressAddresses(store, "monitoring", "kube-prometheus-stack-grafana", ["127.0.200.1"]);
  setIngressAddresses(store, "elsewhere", "app", ["127.0.200.1"]);
  const deps = { cloudflareUrl: cf.url };
  const before = names(cf.records(zone.id));

  assertEquals(await reconcileExternalDns(store, deps), [], "nothing while its Deployment has no ready replica");
  store.put(externalDnsDeployment("demo", "example.com"));
  const created = await reconcileExternalDns(store, deps);
  assertEquals(created.length, 4);
  const ours = [
    "A argo.example.com 127.0.200.1",
    'TXT a-argo.example.com "heritage=external-dns,external-dns/owner=demo,external-dns/resource=ingress/argocd/argo-cd-argocd-server"',
    "A grafana.example.com 127.0.200.1",
    'TXT a-grafana.example.com "heritage=external-dns,external-dns/owner=demo,external-dns/resource=ingress/monitoring/kube-prometheus-stack-grafana"',
  ].sort();
  assertEquals(names(cf.records(zone.id)), [...before, ...ours].sort());
  assertEquals(names(selectOwnedRecords(cf.records(zone.id), "demo")), ours, "destroy finds exactly these");
  assertEquals(await reconcileExternalDns(store, deps), [], "a second pass changes nothing");

  // The load balancer address changes: the owned record follows it.
  setIngressAddresses(store, "argocd", "argo-cd-argocd-server", ["127.0.200.9"]);
  assertEquals(await reconcileExternalDns(store, deps), [
    "CREATE A argo.example.com 127.0.200.9",
    "DELETE A argo.example.com 127.0.200.1",
  ]);
  store.remove("networking.k8s.io/v1", "Ingress", "kube-prometheus-stack-grafana", "monitoring");
  assertEquals(await reconcileExternalDns(store, deps), [
    "DELETE A grafana.example.com 127.0.200.1",
    "DELETE TXT a-grafana.example.com",
  ]);
  assertEquals(names(selectOwnedRecords(cf.records(zone.id), "demo")).map((n) => n.split(" ")[1]), [
    "argo.example.com",
    "a-argo.example.com",
  ]);
  assertOk(names(cf.records(zone.id)).includes("A argo.other.example.com 192.0.2.7"), "the neighbour's record stays");
});

Deno.test("external-dns leaves a name another owner holds alone, and fails with Cloudflare's refusal on a wrong token", async () => {
  await using cf = await startCloudflareFake({ token: TOKEN });
  const zone = cf.addZone("example.com");
  cf.addRecord(zone.id, { type: "A", name: "argo.example.com", content: "192.0.2.7" });
  cf.addRecord(zone.id, {
    type: "TXT",
    name: "a-argo.example.com",
    content: '"heritage=external-dns,external-dns/owner=other,external-dns/resource=ingress/argocd/argo"',
  });
  const store = new FakeKubeStore();
  store.put(externalDnsDeployment("demo", "example.com"));
  store.put(cloudflareSecret("external-dns", TOKEN));
  store.put(tlsIngress("argocd", "argo-cd-argocd-server", "argo.example.com"));
  setIngressAddresses(store, "argocd", "argo-cd-argocd-server", ["127.0.200.1"]);
  assertEquals(await reconcileExternalDns(store, { cloudflareUrl: cf.url }), []);
  assertEquals(cf.records(zone.id).length, 2, "the other owner's name is left alone");

  // A change Cloudflare refuses is reported, and the others still go.
  store.put(tlsIngress("monitoring", "grafana", "grafana.example.com"));
  setIngressAddresses(store, "monitoring", "grafana", ["127.0.200.1", "2001:db8::12345"]);
  const lines = await reconcileExternalDns(store, { cloudflareUrl: cf.url });
  assertEquals(lines.map((l) => l.replace(/: .*/, "")), [
    "CREATE A grafana.example.com 127.0.200.1",
    "CREATE TXT a-grafana.example.com",
    "FAILED CREATE AAAA grafana.example.com 2001:db8::12345",
    "CREATE TXT aaaa-grafana.example.com",
  ]);
  assertIncludes(lines[2]!, "HTTP 400 Content for AAAA record must be a valid IPv6 address.");

  store.put(cloudflareSecret("external-dns", "wrong-token"));
  const err = await reconcileExternalDns(store, { cloudflareUrl: cf.url }).catch((e: unknown) => e);
  assertOk(err instanceof Error);
  assertIncludes(err.message, "HTTP 403 Authentication error (code 10000)");
  assertOk(!err.message.includes("wrong-token"), "the token stays out of the error");
  store.remove("v1", "Secret", "cloudflare-api-token", "external-dns");
  const missing = await reconcileExternalDns(store, { cloudflareUrl: cf.url }).catch((e: unknown) => e);
  assertIncludes(String(missing), "no API token in CF_API_TOKEN");
});

Deno.test("parseExternalDnsArgs() reads the chart's flags with external-dns's defaults, refusing a bad policy or interval", () => {
  const flags = parseExternalDnsArgs([
    "--source=ingress",
    "--source",
    "service",
    "--domain-filter=Example.com.",
    "--interval=1m30s",
  ]);
  assertEquals(flags, {
    sources: ["ingress", "service"],
    domainFilters: ["example.com"],
    ownerId: "default",
    policy: "sync",
    provider: "",
    registry: "txt",
    intervalMs: 90_000,
  });
  assertEquals(goDurationMs("500ms"), 500);
  let err = "";
  try {
    parseExternalDnsArgs(["--policy=delete-all"]);
  } catch (e) {
    err = (e as Error).message;
  }
  assertEquals(err, 'flag --policy: invalid value "delete-all"');
  try {
    goDurationMs("1 minute");
  } catch (e) {
    err = (e as Error).message;
  }
  assertEquals(err, 'flag --interval: invalid duration "1 minute"');
});
