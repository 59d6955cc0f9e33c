import { assertEquals, assertOk } from "../../../tests/assert.ts";
import { expandSpec, type Spec } from "../../config/mod.ts";
import { renderArgocdValues } from "./argocd.ts";
import { renderCertManagerValues } from "./cert_manager.ts";
import { renderExternalDnsValues } from "./external_dns.ts";
import { ingressAnnotations, PRODUCTION_ISSUER } from "./ingress.ts";
import { renderKubePrometheusStackValues } from "./kube_prometheus_stack.ts";
import { ingressLoadBalancerAnnotations } from "./traefik.ts";

const dev: Spec = { name: "dev", region: "fsn1", mode: "dev", workers: { count: 1, size: "cx23" } };
const prod: Spec = {
  name: "prod",
  region: "nbg1",
  mode: "ha",
  workers: { count: 3, size: "cx33" },
  domain: "example.org",
  argo_subdomain: "cd",
  monitoring: true,
};

/**
 * Every Service annotation hcloud-cloud-controller-manager v1.33.0 reads for a load balancer
 * (`internal/annotation/load_balancer.go` at tag v1.33.0, the `LB*`/`PrivateSubnetIPRange` names; the
 * read-only ones it writes itself left out). A misspelt key is silently ignored by the CCM.
 */
const CCM_V1_33_ANNOTATIONS = new Set([
  "ipv6-disabled",
  "name",
  "disable-public-network",
  "disable-private-ingress",
  "use-private-ip",
  "private-ipv4",
  "private-subnet-ip-range",
  "hostname",
  "protocol",
  "algorithm-type",
  "type",
  "location",
  "network-zone",
  "node-selector",
  "uses-proxyprotocol",
].map((n) => `load-balancer.hetzner.cloud/${n}`));

Deno.test("the ingress load balancer's annotations are all ones the Hetzner CCM v1.33 reads, with our name, region and subnet", () => {
  const desired = expandSpec(prod);
  const annotations = ingressLoadBalancerAnnotations(desired);
  for (const key of Object.keys(annotations)) assertOk(CCM_V1_33_ANNOTATIONS.has(key), `${key} is read by the CCM`);
  assertEquals(annotations["load-balancer.hetzner.cloud/name"], "prod-ingress");
  assertEquals(annotations["load-balancer.hetzner.cloud/location"], "nbg1");
  assertEquals(
    annotations["load-balancer.hetzner.cloud/private-subnet-ip-range"],
    desired.network.cidrs.loadBalancerSubnet,
  );
  // `location` and `network-zone` are mutually exclusive for the CCM.
  assertEquals(annotations["load-balancer.hetzner.cloud/network-zone"], undefined);
});

Deno.test("our ingresses name the production ClusterIssuer the desired state lists (the one the operator applies)", () => {
  const acme = expandSpec(prod).addons.certManager.acme!;
  assertEquals(PRODUCTION_ISSUER, acme.issuers[1]);
  assertEquals(ingressAnnotations("cd.example.org"), {
    "cert-manager.io/cluster-issuer": acme.issuers[1],
    "external-dns.alpha.kubernetes.io/hostname": "cd.example.org",
  });
});

Deno.test("cert-manager names a default issuer only when one will exist (with a domain); replicas follow the control planes", () => {
  const devValues = renderCertManagerValues(expandSpec(dev));
  assertEquals(devValues.ingressShim, { defaultIssuerKind: "ClusterIssuer" });
  assertEquals([devValues.replicaCount, (devValues.webhook as { replicaCount: number }).replicaCount], [1, 1]);
  const prodValues = renderCertManagerValues(expandSpec(prod));
  assertEquals(prodValues.ingressShim, {
    defaultIssuerKind: "ClusterIssuer",
    defaultIssuerName: "letsencrypt-cloudflare-production",
  });
  assertEquals((prodValues.cainjector as { replicaCount: number }).replicaCount, 2);
});

Deno.test("external-dns filters on the cluster's own domain and owns records as the cluster", () => {
  const values = renderExternalDnsValues(expandSpec(prod));
  assertEquals([values.domainFilters, values.txtOwnerId, values.policy], [["example.org"], "prod", "sync"]);
});

Deno.test("Argo CD and Grafana get a host, TLS and an external URL only with a domain", () => {
  const withDomain = renderArgocdValues(expandSpec(prod));
  assertEquals((withDomain.global as { domain: string }).domain, "cd.example.org");
  assertEquals((withDomain.server as { ingress: { hostname: string } }).ingress.hostname, "cd.example.org");
  const without = renderArgocdValues(expandSpec(dev));
  assertEquals([without.global, (without.server as { ingress: unknown }).ingress], [undefined, { enabled: false }]);
  assertEquals((without.configs as { cm: { url: string } }).cm.url, "http://localhost:8080");

  const grafana = (spec: Spec) => renderKubePrometheusStackValues(expandSpec(spec)).grafana as Record<string, unknown>;
  assertEquals(grafana(prod)["grafana.ini"], { server: { root_url: "https://grafana.example.org" } });
  assertEquals(grafana({ ...dev, monitoring: true }).ingress, { enabled: false });
});
