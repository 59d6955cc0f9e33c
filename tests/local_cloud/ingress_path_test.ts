/**
 * The ingress path of a cluster with a domain, end to end in a local cloud: Traefik's Service behind a
 * Hetzner load balancer (443 -> node port), Ingresses for Argo CD and Grafana with the issuer
 * annotation, cert-manager, external-dns and Traefik running in the cluster. The stand-ins write the
 * Ingress status, the TLS Secrets (after a DNS-01 record in Cloudflare) and the A and owner TXT records;
 * the real `k8zner doctor --json` then resolves both names through the local DNS server
 * (`K8ZNER_DNS_SERVER`), trusts the local ACME root (`DENO_CERT`) and gets an HTTP answer through the load
 * balancer; `k8zner destroy` removes exactly the records external-dns wrote, a neighbour's stay.
 *
 * The CCM's part (the load balancer and the Service status) is played by the test here: the CCM
 * service controller stand-in is not on this branch.
 */
import { assertEquals, assertOk } from "../assert.ts";
import { FAKE_CONTRACTS } from "../fake_contracts.ts";
import { requires } from "../requirements.ts";
import { installFakeCni, startLocalCloud } from "./mod.ts";
import { startTestCluster } from "./test_cluster.ts";
import { hcloud, waitFor } from "./test_helpers.ts";
import { runK8zner } from "../e2e/k8zner_process.ts";
import { runDestroyCommand } from "../../src/cli/destroy_run.ts";
import { selectOwnedRecords } from "../../src/cluster/destroy/dns_records.ts";
import {
  acmeClusterIssuer,
  backendService,
  cloudflareSecret,
  externalDnsDeployment,
  installCertManager,
  openCrd,
  readyDeployment,
  tlsIngress,
  traefikIngressClass,
} from "./ingress_fixtures.ts";

const CONFIG = "name: demo\nregion: nbg1\nmode: dev\nworkers:\n  count: 1\n  size: cx33\n" +
  "domain: example.com\nmonitoring: true\napi_allowlist:\n  - 203.0.113.10/32\n";
const ISSUER = "letsencrypt-cloudflare-production";
const NODE_PORTS = { web: 31080, websecure: 31443 };

Deno.test(requires([...FAKE_CONTRACTS], {
  name:
    "ingress path: Ingress -> certificate and DNS records -> doctor green over the load balancer -> destroy removes them",
  fn: async () => {
    await using cloud = await startLocalCloud({ speed: 200, rescueSsh: false, operator: false });
    const zone = cloud.cloudflare.addZone("example.com");
    cloud.cloudflare.addRecord(zone.id, { type: "A", name: "www.example.com", content: "192.0.2.80" });
    const dir = await Deno.makeTempDir({ prefix: "k8zner-ingress-path-" });
    try {
      const cluster = await startTestCluster(cloud, "demo");
      const worker = await cluster.join("demo-w-1", "worker");
      const { store } = cluster;
      await waitFor("both Nodes", () => store.listObjects("v1", "Node").length === 2);
      installFakeCni(store);

      // What the charts and the operator put into the cluster.
      store.put(traefikIngressClass());
      // cert-manager's CRDs (the chart installs them with the release; the Deployments come below).
      store.put(openCrd("cert-manager.io", "ClusterIssuer", "clusterissuers", "Cluster"));
      store.put(openCrd("cert-manager.io", "Certificate", "certificates", "Namespaced"));
      for (const ns of ["external-dns", "cert-manager"]) store.put(cloudflareSecret(ns, cloud.cloudflareToken));
      store.put(acmeClusterIssuer(ISSUER, "https://acme-v02.api.letsencrypt.org/directory", "example.com"));
      store.put(tlsIngress("argocd", "argo-cd-argocd-server", "argo.example.com", {
        issuer: ISSUER,
        secretName: "argocd-server-tls",
        service: { name: "argo-cd-argocd-server", port: 80 },
      }));
      store.put(tlsIngress("monitoring", "kube-prometheus-stack-grafana", "grafana.example.com", {
        issuer: ISSUER,
        secretName: "grafana-tls",
        service: { name: "kube-prometheus-stack-grafana", port: 80 },
      }));
      backendService(store, "argocd", "argo-cd-argocd-server");
      backendService(store, "monitoring", "kube-prometheus-stack-grafana");

      // The CCM's part: the ingress load balancer to the worker's node ports, and the Service status.
      const lb = (await hcloud(cloud.hcloudUrl, "POST", "/load_balancers", {
        name: "demo-ingress",
        load_balancer_type: "lb11",
        location: "nbg1",
        network: cluster.network,
        labels: { "hcloud-ccm/service-uid": "0b9e5c1e" },
        services: [
          { protocol: "tcp", listen_port: 80, destination_port: NODE_PORTS.web },
          { protocol: "tcp", listen_port: 443, destination_port: NODE_PORTS.websecure },
        ],
        targets: [{ type: "server", server: { id: worker.id }, use_private_ip: true }],
      })).body.load_balancer;
      const lbIp = lb.public_net.ipv4.ip as string;
      store.put({
        apiVersion: "v1",
        kind: "Service",
        metadata: { name: "traefik", namespace: "traefik" },
        spec: {
          type: "LoadBalancer",
          selector: { app: "traefik" },
          ports: [
            { name: "web", port: 80, targetPort: "web", nodePort: NODE_PORTS.web },
            { name: "websecure", port: 443, targetPort: "websecure", nodePort: NODE_PORTS.websecure },
          ],
        },
        status: { loadBalancer: { ingress: [{ ip: lbIp, ipMode: "VIP" }] } },
      });

      await cloud.idle();
      assertEquals(zoneNames(), ["A www.example.com"], "nothing published while no component runs");
      // The Deployments; the workload controllers make them ready once their pods could run.
      store.put(readyDeployment("traefik", "traefik", { tolerateAll: true }));
      store.put(externalDnsDeployment("demo", "example.com", true, true));
      installCertManager(store, true, true);

      const ours = [
        "A argo.example.com",
        "A grafana.example.com",
        "TXT a-argo.example.com",
        "TXT a-grafana.example.com",
      ];
      // external-dns writes a host's A record and its owner TXT record in two requests: wait for all four.
      const all = [...ours, "A www.example.com"].sort();
      await waitFor("the records", () => JSON.stringify(zoneNames()) === JSON.stringify(all), 20_000);
      await waitFor(
        "both TLS Secrets",
        () =>
          store.getObject("v1", "Secret", "argocd-server-tls", "argocd") !== undefined &&
          store.getObject("v1", "Secret", "grafana-tls", "monitoring") !== undefined,
        20_000,
      );
      assertEquals(zoneNames(), all);
      assertEquals(
        cloud.cloudflare.records(zone.id).filter((r) => r.type === "A" && r.name !== "www.example.com")
          .map((r) => r.content),
        [lbIp, lbIp],
      );

      // The real doctor, in its own process, with the standard trust mechanism and the local name server.
      await Deno.writeTextFile(`${dir}/k8zner.yaml`, CONFIG);
      await Deno.mkdir(`${dir}/secrets/demo`, { recursive: true, mode: 0o700 });
      await Deno.writeTextFile(`${dir}/secrets/demo/kubeconfig`, cluster.kubeconfig, { mode: 0o600 });
      const doctor = await runK8zner(["doctor", "--json"], {
        cwd: dir,
        env: { K8ZNER_DNS_SERVER: cloud.dnsServer, DENO_CERT: cloud.acmeCaFile },
      });
      const report = JSON.parse(doctor.stdout);
      const endpoints = (report.endpoints ?? []) as {
        name: string;
        dns: { ok: boolean; addresses?: string[] };
        tls: { ok: boolean; error?: string };
        http: { ok: boolean; status?: number; error?: string };
      }[];
      assertEquals(
        endpoints.map((e) => [e.name, e.dns.ok, e.dns.addresses, e.tls.ok, e.tls.error, e.http.ok, e.http.status]),
        [
          ["Argo CD", true, [lbIp], true, undefined, true, 200],
          ["Grafana", true, [lbIp], true, undefined, true, 200],
        ],
        doctor.stdout,
      );

      // Without DENO_CERT the same certificate is untrusted: the CA is trusted only through it.
      const untrusted = JSON.parse(
        (await runK8zner(["doctor", "--json"], { cwd: dir, env: { K8ZNER_DNS_SERVER: cloud.dnsServer } })).stdout,
      );
      assertOk(/not trusted/.test(untrusted.endpoints[0].tls.error), JSON.stringify(untrusted.endpoints[0]));

      // destroy deletes what external-dns wrote for this cluster, and only that.
      assertEquals(
        selectOwnedRecords(cloud.cloudflare.records(zone.id), "demo").map((r) => `${r.type} ${r.name}`).sort(),
        ours,
      );
      const out: string[] = [];
      const env: Record<string, string> = {
        HCLOUD_TOKEN: "test-token",
        HCLOUD_ENDPOINT: cloud.hcloudUrl,
        CF_API_TOKEN: cloud.cloudflareToken,
        K8ZNER_CLOUDFLARE_URL: cloud.cloudflareUrl,
      };
      const outcome = await runDestroyCommand(
        {
          io: { out: (t) => out.push(t), err: (t) => out.push(t), stdoutIsTty: false, stdinIsTty: false },
          env: (n) => env[n],
          cwd: dir,
          color: false,
        },
        { yes: true },
        {
          sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.min(ms, 10))),
          actionPollMs: 10,
        },
      );
      assertEquals(outcome.dns?.deleted.map((r) => `${r.type} ${r.name}`).sort(), ours, out.join("\n"));
      await cloud.idle();
      await cloud.idle();
      assertEquals(zoneNames(), ["A www.example.com"], "the records stay gone: the cluster's external-dns is gone");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }

    function zoneNames(): string[] {
      return cloud.cloudflare.records(zone.id).map((r) => `${r.type} ${r.name}`).sort();
    }
  },
}));
