/**
 * The addon charts of issue 13 installed by the real Helm v4.1.4 into a local-cloud cluster exactly as the
 * operator runs it (`upgradeInstallArgs` + `-f <values>`), with the values the catalog renders for the
 * full-production example (domain, monitoring, HA): the Prometheus operator CRDs by server-side apply, the
 * hcloud CCM (its load balancer controller then runs), cert-manager, Traefik, external-dns, Argo CD (HA,
 * redis-ha, a pre-install hook Job) and kube-prometheus-stack (hook Jobs). Then, as a user would
 * see it: `helm list` says deployed, Traefik's Service has a Hetzner load balancer with our location and
 * network targeting the workers, a ClusterIssuer is refused while cert-manager's webhook has no ready pod
 * and accepted once it has, and uninstalling Traefik deletes its load balancer. Prints the time per chart.
 */
import { type AddonRelease, addonReleases, chartArchive } from "../../src/addons/catalog.ts";
import { CLOUDFLARE_SECRET_NAME, CLOUDFLARE_TOKEN_KEY, renderHcloudSecret } from "../../src/addons/cloud_secrets.ts";
import { upgradeInstallArgs } from "../../src/addons/helm/helm_args.ts";
import { type DesiredState, expandSpec, LOAD_BALANCER_SUBNET, parseConfig } from "../../src/config/mod.ts";
import { assertEquals, assertIncludes, assertOk } from "../assert.ts";
import { FAKE_CONTRACTS } from "../fake_contracts.ts";
import { helmRequirement } from "../kube_fake/helm_binary.ts";
import { kubectlRequirement, runKubectl } from "../kube_fake/kubectl_binary.ts";
import type { FakeKubeStore, KubeObj } from "../kube_fake/mod.ts";
import { requires, sharedFile } from "../requirements.ts";
import { SERVICE_UID_LABEL } from "./ccm_service_controller.ts";
import { clearWorkloadFailure, failWorkload, installFakeCni, startLocalCloud } from "./mod.ts";
import { startTestCluster } from "./test_cluster.ts";
import { hcloud, waitFor } from "./test_helpers.ts";

const HELM = await helmRequirement();
const KUBECTL = await kubectlRequirement();
const EXAMPLE = sharedFile("reference/example-configs/full-production.yaml");
const PROMETHEUS_CRDS = sharedFile("charts/prometheus-operator-crds.yaml");
const GATEWAY_CRDS = sharedFile("charts/gateway-api-standard-crds.yaml");
const RELEASES = [
  "hcloud-cloud-controller-manager",
  "cert-manager",
  "traefik",
  "external-dns",
  "argo-cd",
  "kube-prometheus-stack",
];

function desiredState(): DesiredState {
  const parsed = parseConfig(Deno.readTextFileSync(EXAMPLE.path), "full-production.yaml", { requireEnv: false });
  if (parsed.spec === undefined) throw new Error(`full-production.yaml: ${JSON.stringify(parsed.problems)}`);
  return expandSpec(parsed.spec);
}

/** The catalog's release `name` for `desired`, values included, as the operator installs it. */
function releaseNamed(desired: DesiredState, name: string): AddonRelease {
  const release = addonReleases(desired).find((r) => r.name === name);
  if (!release) throw new Error(`the catalog has no release ${name} for full-production.yaml`);
  return release;
}

const ARCHIVES = EXAMPLE.missing
  ? []
  : RELEASES.map((name) => sharedFile(`charts/${chartArchive(releaseNamed(desiredState(), name).chart)}`));

function secret(namespace: string, name: string, data: Record<string, string>): KubeObj {
  return { apiVersion: "v1", kind: "Secret", metadata: { name, namespace }, stringData: data };
}

function namespace(store: FakeKubeStore, name: string): void {
  if (!store.getObject("v1", "Namespace", name)) {
    store.put({ apiVersion: "v1", kind: "Namespace", metadata: { name }, status: { phase: "Active" } });
  }
}

Deno.test(requires([HELM, KUBECTL, EXAMPLE, PROMETHEUS_CRDS, ...ARCHIVES, ...FAKE_CONTRACTS], {
  name: "the issue 13 charts install with real Helm --wait into a local cloud as on a real cluster",
  fn: async (t) => {
    await using cloud = await startLocalCloud({ speed: 200, rescueSsh: false, operator: false });
    const dir = await Deno.makeTempDir({ prefix: "k8zner-charts-" });
    try {
      const cluster = await startTestCluster(cloud, "charts");
      const workers: Array<{ id: number }> = [];
      for (let i = 1; i <= 3; i++) workers.push(await cluster.join(`charts-w-${i}`, "worker"));
      const { store, kubeconfig, network } = cluster;
      await waitFor("four Nodes", () => store.listObjects("v1", "Node").length === 4, 10_000);
      installFakeCni(store);
      // Our network has a load balancer subnet, where the CCM puts the ingress load balancer's private IP.
      await hcloud(cloud.hcloudUrl, "POST", `/networks/${network}/actions/add_subnet`, {
        type: "cloud",
        ip_range: LOAD_BALANCER_SUBNET,
        network_zone: "eu-central",
      });
      const desired = desiredState();
      // What hand-over and the operator write before the releases (cloud_secrets.ts, h13-issuers).
      store.put(renderHcloudSecret("local-cloud-token", network) as KubeObj);
      for (const ns of ["cert-manager", "external-dns"]) {
        namespace(store, ns);
        store.put(secret(ns, CLOUDFLARE_SECRET_NAME, { [CLOUDFLARE_TOKEN_KEY]: "cf-test-token" }));
      }

      const env = { HOME: dir, KUBECONFIG: `${dir}/kubeconfig` };
      await Deno.writeTextFile(env.KUBECONFIG, kubeconfig);
      const run = async (binary: string, args: string[]) => {
        const out = await new Deno.Command(binary, { args, env, stdin: "null" }).output();
        const text = (b: Uint8Array) => new TextDecoder().decode(b);
        return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
      };
      const kubectl = (...args: string[]) => runKubectl(KUBECTL.path, kubeconfig, dir, ...args);
      const timings: string[] = [];
      const install = async (name: string) => {
        const release = releaseNamed(desired, name);
        const values = `${dir}/${name}.json`;
        await Deno.writeTextFile(values, JSON.stringify(release.values));
        const args = upgradeInstallArgs({
          release: release.name,
          namespace: release.namespace,
          source: { archive: sharedFile(`charts/${chartArchive(release.chart)}`).path },
          // The operator's timeouts are 300-600 s; a chart that cannot become ready here fails sooner.
          timeoutSeconds: 120,
          chartVersion: release.chart.version,
          valuesHash: "test",
          ...(release.clientSideApply ? { clientSideApply: true } : {}),
        });
        const started = performance.now();
        const out = await run(HELM.path, [...args, "-f", values]);
        timings.push(`${name} ${Math.round(performance.now() - started)} ms`);
        assertEquals(out.code, 0, `helm upgrade --install ${name}: ${out.stderr}`);
      };

      await t.step("each chart installs with --wait (the Prometheus CRDs first, then the CCM)", async () => {
        // With monitoring the operator applies the Prometheus operator CRDs before the Addons charts (their
        // ServiceMonitors need them); kubectl stands in for its server-side apply.
        // The Gateway API CRDs come first of all (CNI phase), owned by the operator: Traefik's crds/ ships an
        // older copy that Helm 4's server-side apply would fight over (409), hence its client-side install.
        for (const bundle of [GATEWAY_CRDS, PROMETHEUS_CRDS]) {
          const crds = await kubectl("apply", "--server-side", "--field-manager=k8zner-operator", "-f", bundle.path);
          assertEquals(crds.code, 0, crds.stderr);
        }
        for (const name of RELEASES) await install(name);
        console.log(`install times: ${timings.join(", ")}`);
        const listed = await run(HELM.path, ["list", "-A", "-o", "json"]);
        const releases = (JSON.parse(listed.stdout) as Array<{ name: string; status: string }>)
          .map((r) => `${r.name}=${r.status}`).sort();
        assertEquals(releases, RELEASES.map((r) => `${r}=deployed`).sort());
        // Our Gateway API CRDs stay ours (v1.5.1); Traefik's own CRDs were created from its crds/.
        const gateways = store.getObject(
          "apiextensions.k8s.io/v1",
          "CustomResourceDefinition",
          "gateways.gateway.networking.k8s.io",
        );
        assertEquals(
          (gateways?.metadata as { annotations?: Record<string, string> }).annotations
            ?.["gateway.networking.k8s.io/bundle-version"],
          "v1.5.1",
        );
        assertOk(store.getObject("apiextensions.k8s.io/v1", "CustomResourceDefinition", "ingressroutes.traefik.io"));
      });

      await t.step("Traefik's Service has a Hetzner load balancer in our location on our network", async () => {
        const svc = store.getObject("v1", "Service", "traefik", "traefik")!;
        const uid = (svc.metadata as { uid: string }).uid;
        const ingress = await waitFor(
          "the ingress IPs",
          () => (svc.status as { loadBalancer?: { ingress?: Array<{ ip: string }> } }).loadBalancer?.ingress,
        );
        const { load_balancers: [lb] } = (await hcloud(
          cloud.hcloudUrl,
          "GET",
          `/load_balancers?label_selector=${SERVICE_UID_LABEL}%3D${uid}`,
        )).body;
        const { traefik } = desired.addons;
        assertEquals([lb.name, lb.location.name, lb.load_balancer_type.name], [
          traefik.loadBalancer.name,
          traefik.loadBalancer.location,
          traefik.loadBalancer.type,
        ]);
        assertEquals(lb.private_net.map((p: { network: number }) => p.network), [network]);
        const lbIp = lb.private_net[0].ip as string;
        assertEquals(lbIp.startsWith("10.0.0."), true, `${lbIp} in ${LOAD_BALANCER_SUBNET}`);
        assertEquals(
          lb.targets.map((x: { server: { id: number }; use_private_ip: boolean }) => [x.server.id, x.use_private_ip])
            .sort(),
          workers.map((w) => [w.id, traefik.loadBalancer.usePrivateIp]).sort(),
        );
        const ports = (svc.spec as { ports: Array<{ port: number; nodePort: number }> }).ports;
        assertEquals(
          lb.services.map((s: { listen_port: number; destination_port: number }) => [s.listen_port, s.destination_port])
            .sort(),
          ports.map((p) => [p.port, p.nodePort]).sort(),
        );
        assertEquals(ingress.map((i) => i.ip).includes(lb.public_net.ipv4.ip), true);
      });

      await t.step(
        "a ClusterIssuer is refused while cert-manager's webhook has no ready pod, accepted after",
        async () => {
          const issuer = `${dir}/issuer.yaml`;
          await Deno.writeTextFile(
            issuer,
            JSON.stringify({
              apiVersion: "cert-manager.io/v1",
              kind: "ClusterIssuer",
              metadata: { name: "selfsigned" },
              spec: { selfSigned: {} },
            }),
          );
          const webhook = { kind: "Deployment" as const, namespace: "cert-manager", name: "cert-manager-webhook" };
          failWorkload(store, webhook, { reason: "webhook not serving" });
          await cloud.idle();
          const refused = await kubectl("apply", "--server-side", "-f", issuer);
          assertEquals(refused.code, 1);
          assertIncludes(
            refused.stderr,
            'Internal error occurred: failed calling webhook "webhook.cert-manager.io": failed to call webhook: ' +
              'Post "https://cert-manager-webhook.cert-manager.svc:443/validate?timeout=30s": ' +
              'no endpoints available for service "cert-manager-webhook"',
          );
          clearWorkloadFailure(store, webhook);
          await cloud.idle();
          const accepted = await kubectl("apply", "--server-side", "-f", issuer);
          assertEquals(accepted.code, 0, accepted.stderr);
        },
      );

      await t.step("uninstalling Traefik deletes its load balancer", async () => {
        const uid = (store.getObject("v1", "Service", "traefik", "traefik")!.metadata as { uid: string }).uid;
        const out = await run(HELM.path, [
          "uninstall",
          "traefik",
          "--namespace",
          "traefik",
          "--wait",
          "--timeout",
          "60s",
        ]);
        assertEquals(out.code, 0, out.stderr);
        const left = await hcloud(
          cloud.hcloudUrl,
          "GET",
          `/load_balancers?label_selector=${SERVICE_UID_LABEL}%3D${uid}`,
        );
        assertEquals(left.body.load_balancers, []);
      });
      assertEquals(cloud.errors.map((e) => e.message), []);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
}));
