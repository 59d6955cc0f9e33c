import http from "node:http";
import { assertEquals, assertOk } from "../assert.ts";
import { FakeKubeStore } from "../kube_fake/mod.ts";
import { hostCertificate } from "../tls_fixtures.ts";
import { peerCertificate } from "../../src/cli/doctor_probes.ts";
import { reconcileTraefikIngressStatus, routeRequest } from "./traefik.ts";
import { startTraefikEntrypoints } from "./traefik_entrypoints.ts";
import { backendService, readyDeployment, tlsIngress, traefikIngressClass } from "./ingress_fixtures.ts";

function traefikService(ips: string[]) {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "traefik", namespace: "traefik" },
    spec: {
      type: "LoadBalancer",
      ports: [{ name: "web", port: 80, nodePort: 31080 }, { name: "websecure", port: 443, nodePort: 31443 }],
    },
    status: { loadBalancer: { ingress: ips.map((ip) => ({ ip, ipMode: "VIP" })) } },
  };
}

/** `GET /` with a Host header (fetch does not let one set it). */
function get(to: { hostname: string; port: number }, host: string): Promise<[number, string]> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: to.hostname, port: to.port, path: "/", headers: { host } }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => body += c);
      res.on("end", () => resolve([res.statusCode ?? 0, body]));
    });
    req.on("error", reject);
    req.end();
  });
}

Deno.test("Traefik publishes its Service's load balancer address in the status of the Ingresses of its class", () => {
  const store = new FakeKubeStore();
  store.put(traefikIngressClass());
  store.put(readyDeployment("traefik", "traefik", { ready: false }));
  store.put(traefikService(["127.0.200.1", "2001:db8::1"]));
  store.put(tlsIngress("argocd", "argocd-server", "argo.example.com"));
  const other = tlsIngress("x", "nginx-only", "x.example.com");
  (other.spec as { ingressClassName: string }).ingressClassName = "nginx";
  store.put(other);
  assertEquals(reconcileTraefikIngressStatus(store), [], "nothing while Traefik has no ready replica");
  store.put(readyDeployment("traefik", "traefik"));
  assertEquals(reconcileTraefikIngressStatus(store), ["argocd/argocd-server"]);
  assertEquals(store.getObject("networking.k8s.io/v1", "Ingress", "argocd-server", "argocd")!.status, {
    loadBalancer: { ingress: [{ ip: "127.0.200.1" }, { ip: "2001:db8::1" }] },
  });
  assertEquals(store.getObject("networking.k8s.io/v1", "Ingress", "nginx-only", "x")!.status ?? {}, {});
  const classless = tlsIngress("y", "no-class", "y.example.com");
  delete (classless.spec as { ingressClassName?: string }).ingressClassName;
  store.put(classless);
  assertEquals(reconcileTraefikIngressStatus(store), ["y/no-class"], "Traefik's class is the default");
  assertEquals(reconcileTraefikIngressStatus(store), [], "unchanged");
});

Deno.test("Traefik routes by host and longest path, answers 404 without a router, and serves the Ingress certificate for its SNI name", async () => {
  const store = new FakeKubeStore();
  store.put(traefikIngressClass());
  store.put(tlsIngress("argocd", "argocd-server", "argo.example.com", { secretName: "argocd-server-tls" }));
  const api = tlsIngress("argocd", "argocd-api", "argo.example.com", { service: { name: "argocd-api", port: 8080 } });
  (api.spec as { rules: { http: { paths: { path: string }[] } }[] }).rules[0]!.http.paths[0]!.path = "/api";
  store.put(api);
  backendService(store, "argocd", "argocd-server", false);
  assertEquals(routeRequest(store, "argo.example.com", "/"), undefined, "no ready endpoint: no router");
  backendService(store, "argocd", "argocd-server");
  assertEquals(routeRequest(store, "argo.example.com", "/"), {
    namespace: "argocd",
    service: "argocd-server",
    port: "80",
  });
  assertEquals(routeRequest(store, "argo.example.com", "/api/v1"), undefined, "argocd-api has no Service: no router");
  backendService(store, "argocd", "argocd-api");
  assertEquals(routeRequest(store, "ARGO.example.com", "/api/v1")?.service, "argocd-api");
  assertEquals(routeRequest(store, "argo.example.com", "/apiary")?.service, "argocd-server", "prefix by path element");
  assertEquals(routeRequest(store, "grafana.example.com", "/"), undefined);

  const notBefore = new Date(Date.now() - 3_600_000);
  const { leaf } = await hostCertificate("argo.example.com", {
    notBefore,
    validityDays: 1,
    caValidityDays: 2,
    caName: "acme ca",
  });
  store.put({
    apiVersion: "v1",
    kind: "Secret",
    type: "kubernetes.io/tls",
    metadata: { name: "argocd-server-tls", namespace: "argocd" },
    data: { "tls.crt": btoa(leaf.certPem), "tls.key": btoa(leaf.keyPem) },
  });
  const entry = await startTraefikEntrypoints(store);
  try {
    const cert = await peerCertificate("argo.example.com", entry.websecure.port, entry.websecure.hostname);
    assertEquals(cert.names, ["argo.example.com"]);
    const other = await peerCertificate("grafana.example.com", entry.websecure.port, entry.websecure.hostname);
    assertEquals(other.names, ["e9f2c2bd0b2b4e3c9b8d.traefik.default"], "no Ingress for it: Traefik's default");
    assertEquals(await get(entry.web, "argo.example.com"), [200, "argocd/argocd-server:80\n"]);
    assertEquals(await get(entry.web, "grafana.example.com"), [404, "404 page not found\n"]);
    assertOk(cert.validTo.getTime() > Date.now());
  } finally {
    await entry.close();
  }
});
