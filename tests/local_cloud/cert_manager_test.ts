import { assertEquals, assertIncludes, assertOk } from "../assert.ts";
import { startCloudflareFake } from "../cloudflare_fake/mod.ts";
import { FakeKubeStore } from "../kube_fake/mod.ts";
import { parseCertificate } from "../../src/talos/pki.ts";
import { reconcileCertManager } from "./cert_manager.ts";
import { createLocalAcmeCa } from "./local_acme_ca.ts";
import { secretValue } from "./ready_workload.ts";
import { acmeClusterIssuer, cloudflareSecret, installCertManager, tlsIngress } from "./ingress_fixtures.ts";

const TOKEN = "cf-token-cert-manager";
const PROD = "https://acme-v02.api.letsencrypt.org/directory";
const STAGING = "https://acme-staging-v02.api.letsencrypt.org/directory";

Deno.test("cert-manager registers the ACME issuer, then issues the Ingress's TLS Secret after a DNS-01 challenge in Cloudflare", async () => {
  await using cf = await startCloudflareFake({ token: TOKEN });
  const zone = cf.addZone("example.com");
  let now = new Date("2026-12-06T12:00:00Z");
  const ca = await createLocalAcmeCa(now);
  try {
    const store = new FakeKubeStore();
    installCertManager(store, false);
    store.put(cloudflareSecret("cert-manager", TOKEN));
    store.put(acmeClusterIssuer("letsencrypt-cloudflare-production", PROD, "example.com"));
    store.put(tlsIngress("argocd", "argocd-server", "argo.example.com", {
      issuer: "letsencrypt-cloudflare-production",
      secretName: "argocd-server-tls",
    }));
    const deps = { ca, cloudflareUrl: cf.url, now: () => now };
    assertEquals(await reconcileCertManager(store, deps), [], "nothing while its Deployments are not ready");
    installCertManager(store);
    assertEquals(await reconcileCertManager(store, deps), [
      "ClusterIssuer letsencrypt-cloudflare-production: ACME account registered",
      "Certificate argocd/argocd-server-tls: issued by letsencrypt-cloudflare-production for argo.example.com",
    ]);
    const issuer = store.getObject("cert-manager.io/v1", "ClusterIssuer", "letsencrypt-cloudflare-production")!;
    const cond = (issuer.status as { conditions: { type: string; status: string; reason: string }[] }).conditions[0]!;
    assertEquals([cond.type, cond.status, cond.reason], ["Ready", "True", "ACMEAccountRegistered"]);

    const secret = store.getObject("v1", "Secret", "argocd-server-tls", "argocd")!;
    assertEquals(secret.type, "kubernetes.io/tls");
    const cert = parseCertificate(secretValue(store, "argocd", "argocd-server-tls", "tls.crt")!);
    assertEquals(cert.dnsNames, ["argo.example.com"]);
    assertEquals(cert.notAfter.toISOString(), "2027-03-06T12:00:00.000Z", "90 days");
    assertEquals(cert.issuer, parseCertificate(ca.production.certPem).subject);
    assertOk(secretValue(store, "argocd", "argocd-server-tls", "tls.key")?.includes("PRIVATE KEY"));
    const certificate = store.getObject("cert-manager.io/v1", "Certificate", "argocd-server-tls", "argocd")!;
    assertEquals((certificate.spec as { dnsNames: string[] }).dnsNames, ["argo.example.com"]);
    assertEquals(
      (certificate.metadata as { ownerReferences: { name: string }[] }).ownerReferences[0]!.name,
      "argocd-server",
    );
    // The challenge record came and went through Cloudflare's API.
    const methods = cf.requests.filter((r) => r.path.startsWith(`/zones/${zone.id}/dns_records`)).map((r) => r.method);
    assertEquals(methods, ["POST", "DELETE"]);
    assertEquals(cf.records(zone.id), []);

    assertEquals(await reconcileCertManager(store, deps), [], "a valid certificate is kept");
    now = new Date("2027-02-10T12:00:00Z"); // 24 days before it ends: renewed
    assertEquals((await reconcileCertManager(store, deps)).length, 1);
  } finally {
    await ca.close();
  }
});

Deno.test("cert-manager issues nothing with a wrong Cloudflare token, and a staging issuer's certificate comes from the untrusted staging CA", async () => {
  await using cf = await startCloudflareFake({ token: TOKEN });
  cf.addZone("example.com");
  let now = new Date("2026-12-06T12:00:00Z");
  const ca = await createLocalAcmeCa(now);
  try {
    const store = new FakeKubeStore();
    installCertManager(store);
    store.put(cloudflareSecret("cert-manager", "wrong"));
    store.put(acmeClusterIssuer("letsencrypt-cloudflare-staging", STAGING, "example.com"));
    store.put(tlsIngress("monitoring", "grafana", "grafana.example.com", { issuer: "letsencrypt-cloudflare-staging" }));
    const deps = { ca, cloudflareUrl: cf.url, now: () => now };
    const lines = await reconcileCertManager(store, deps);
    assertIncludes(lines[1]!, "HTTP 403 Authentication error (code 10000)");
    assertOk(!lines.join("\n").includes("wrong"), "the token stays out of the message");
    assertEquals(store.getObject("v1", "Secret", "grafana-tls", "monitoring"), undefined);
    const certificate = store.getObject("cert-manager.io/v1", "Certificate", "grafana-tls", "monitoring")!;
    assertEquals((certificate.status as { conditions: { status: string }[] }).conditions[0]!.status, "False");

    store.put(cloudflareSecret("cert-manager", TOKEN));
    assertEquals(await reconcileCertManager(store, deps), [], "no retry right after a failure");
    now = new Date(now.getTime() + 6_000);
    await reconcileCertManager(store, deps);
    const cert = parseCertificate(secretValue(store, "monitoring", "grafana-tls", "tls.crt")!);
    assertEquals(cert.issuer, parseCertificate(ca.staging.certPem).subject);
    assertEquals(await Deno.readTextFile(ca.caFile), ca.production.certPem, "only production is in the trust file");
  } finally {
    await ca.close();
  }
});
