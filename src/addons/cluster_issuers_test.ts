import { assertEquals, assertThrows } from "../../tests/assert.ts";
import { expandSpec, type Spec } from "../config/mod.ts";
import { accountKeySecretName, renderClusterIssuers } from "./cluster_issuers.ts";
import { PRODUCTION_ISSUER } from "./values/ingress.ts";

const base: Spec = { name: "demo", region: "fsn1", mode: "dev", workers: { count: 1, size: "cx23" } };

Deno.test("renderClusterIssuers() renders nothing without a domain", () => {
  assertEquals(renderClusterIssuers(expandSpec(base)), []);
});

Deno.test("renderClusterIssuers() renders staging and production for Let's Encrypt, DNS-01 via Cloudflare for the domain only", () => {
  const [staging, production, ...rest] = renderClusterIssuers(expandSpec({ ...base, domain: "example.com" }));
  assertEquals(rest, []);
  assertEquals(production, {
    apiVersion: "cert-manager.io/v1",
    kind: "ClusterIssuer",
    metadata: {
      labels: { "app.kubernetes.io/managed-by": "k8zner", "k8zner.io/managed-by": "k8zner" },
      name: "letsencrypt-cloudflare-production",
    },
    spec: {
      acme: {
        email: "admin@example.com",
        privateKeySecretRef: { name: "letsencrypt-cloudflare-production-account-key" },
        server: "https://acme-v02.api.letsencrypt.org/directory",
        solvers: [{
          dns01: { cloudflare: { apiTokenSecretRef: { key: "api-token", name: "cloudflare-api-token" } } },
          selector: { dnsZones: ["example.com"] },
        }],
      },
    },
  });
  assertEquals(staging!.metadata.name, "letsencrypt-cloudflare-staging");
  const acme = (staging!.spec as { acme: Record<string, unknown> }).acme;
  assertEquals(acme.server, "https://acme-staging-v02.api.letsencrypt.org/directory");
  // Separate ACME accounts: a staging account key is useless against production and the reverse.
  assertEquals(acme.privateKeySecretRef, { name: accountKeySecretName("letsencrypt-cloudflare-staging") });
  assertEquals(acme.solvers, (production!.spec as { acme: Record<string, unknown> }).acme.solvers);
});

Deno.test("renderClusterIssuers() uses cert_email as the ACME contact and refuses an empty one", () => {
  const desired = expandSpec({ ...base, domain: "k8s.example.org", cert_email: "ops@example.org" });
  for (const issuer of renderClusterIssuers(desired)) {
    const acme = (issuer.spec as { acme: { email: string; solvers: { selector: unknown }[] } }).acme;
    assertEquals([acme.email, acme.solvers[0]!.selector], ["ops@example.org", { dnsZones: ["k8s.example.org"] }]);
  }
  desired.addons.certManager.acme!.email = " ";
  assertThrows(() => renderClusterIssuers(desired), RangeError);
});

Deno.test("the issuer the ingresses' annotation names is one renderClusterIssuers() renders", () => {
  const names = renderClusterIssuers(expandSpec({ ...base, domain: "example.com" })).map((i) => i.metadata.name);
  assertEquals(names.includes(PRODUCTION_ISSUER), true);
});
