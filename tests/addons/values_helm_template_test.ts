/**
 * Every values renderer through the real chart: for each example config of `../shared/reference/example-configs`
 * (parsed and expanded as `apply` does), `helm template <release> ../shared/charts/<archive> --namespace
 * kube-system -f <values>` with the real Helm v4.1.4 must succeed (Helm checks the values against the chart's
 * `values.schema.json` where there is one: cilium, hcloud-csi), and the rendered manifests must say what the
 * cluster needs: the API server through KubePrism, our pod CIDR, the Secrets the credentials come from, the
 * storage classes, and pods that can be scheduled on a fresh cluster's tainted nodes.
 *
 * All Helm processes run at once (one file, rendered once, shared by the tests below).
 */
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import { type AddonRelease, addonReleases, chartArchive } from "../../src/addons/catalog.ts";
import {
  CLOUDFLARE_SECRET_NAME,
  CLOUDFLARE_TOKEN_KEY,
  CSI_ENCRYPTION_SECRET,
  CSI_PASSPHRASE_KEY,
  HCLOUD_SECRET,
} from "../../src/addons/cloud_secrets.ts";
import { ARGOCD_LOCAL_URL, ARGOCD_SERVER_SERVICE, ARGOCD_TLS_SECRET } from "../../src/addons/values/argocd.ts";
import { ADDON_SECRETS, ADDON_SERVICES, addonAccess } from "../../src/bootstrap/credentials_report.ts";
import {
  GRAFANA_LOCAL_URL,
  GRAFANA_SECRET,
  GRAFANA_SERVICE,
  GRAFANA_TLS_SECRET,
} from "../../src/addons/values/kube_prometheus_stack.ts";
import { CLUSTER_ISSUER_ANNOTATION, EXTERNAL_DNS_HOSTNAME_ANNOTATION } from "../../src/addons/values/ingress.ts";
import { MANIFESTS } from "../../src/config/versions.ts";
import { type DesiredState, expandSpec, LABEL_KEYS, parseConfig } from "../../src/config/mod.ts";
import { KUBEPRISM_PORT } from "../../src/talos/machine_config.ts";
import { assertEquals, assertOk } from "../assert.ts";
import { helmRequirement } from "../kube_fake/helm_binary.ts";
import { requiring, sharedFile } from "../requirements.ts";

type Obj = { apiVersion: string; kind: string; metadata: { name: string; [k: string]: unknown }; [k: string]: unknown };
// deno-lint-ignore no-explicit-any
type Any = any;

const EXAMPLE_DIR = fileURLToPath(new URL("../../../shared/reference/example-configs/", import.meta.url));
const EXAMPLES = sharedFile("reference/example-configs/dev.yaml");
const HELM = await helmRequirement();
const ARCHIVES = [
  ...new Set(
    EXAMPLES.missing
      ? []
      : examples().flatMap(({ desired }) => addonReleases(desired).map((r) => chartArchive(r.chart))),
  ),
].map((file) => sharedFile(`charts/${file}`));
const withHelm = requiring([EXAMPLES, HELM, ...ARCHIVES]);

function examples(): { file: string; desired: DesiredState }[] {
  return [...Deno.readDirSync(EXAMPLE_DIR)].filter((e) => e.name.endsWith(".yaml")).map((e) => e.name).sort().map(
    (file) => {
      const parsed = parseConfig(Deno.readTextFileSync(EXAMPLE_DIR + file), file, { requireEnv: false });
      if (parsed.spec === undefined) throw new Error(`${file} does not parse: ${JSON.stringify(parsed.problems)}`);
      return { file, desired: expandSpec(parsed.spec) };
    },
  );
}

/** One release of one example, rendered. */
interface Rendered {
  example: string;
  desired: DesiredState;
  release: AddonRelease;
  code: number;
  stderr: string;
  objects: Obj[];
}

let rendering: Promise<{ all: Rendered[]; renders: number; ms: number }> | undefined;
/** Empty Helm homes in a temporary directory: no repositories, no plugins, nothing from the developer's own Helm. */
let helmEnv: Record<string, string> = {};

/** Runs `helm template` for every release of every example, all at once; the result is shared by the tests. */
function renderAll(): Promise<{ all: Rendered[]; renders: number; ms: number }> {
  return rendering ??= (async () => {
    const dir = await Deno.makeTempDir({ prefix: "k8zner-helm-template-" });
    try {
      helmEnv = { HOME: dir };
      for (const home of ["HELM_CACHE_HOME", "HELM_CONFIG_HOME", "HELM_DATA_HOME"]) {
        helmEnv[home] = `${dir}/${home.toLowerCase()}`;
        await Deno.mkdir(helmEnv[home]!);
      }
      const jobs = examples().flatMap(({ file, desired }) =>
        addonReleases(desired).map((release) => ({ example: file, desired, release }))
      );
      // Examples that differ only in what a release does not read give it the same values: render those once.
      const key = (job: (typeof jobs)[number]) =>
        JSON.stringify([job.release.name, job.desired.kubernetes.version, monitoring(job.desired), job.release.values]);
      const unique = [...new Map(jobs.map((job) => [key(job), job])).values()];
      const started = performance.now();
      const outputs = new Map<string, Promise<{ code: number; stderr: string; objects: Obj[] }>>();
      unique.forEach((job, i) =>
        outputs.set(key(job), helmTemplate(job.release, job.desired, `${dir}/values-${i}.json`))
      );
      const all = await Promise.all(jobs.map(async (job) => ({ ...job, ...await outputs.get(key(job))! })));
      return { all, renders: unique.length, ms: Math.round(performance.now() - started) };
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  })();
}

function monitoring(desired: DesiredState): boolean {
  return desired.addons.kubePrometheusStack.enabled;
}

/** `helm template` of one release with its values, as `helm upgrade --install` would render it. */
async function helmTemplate(
  release: AddonRelease,
  desired: DesiredState,
  valuesFile: string,
): Promise<{ code: number; stderr: string; objects: Obj[] }> {
  await Deno.writeTextFile(valuesFile, JSON.stringify(release.values));
  const archive = sharedFile(`charts/${chartArchive(release.chart)}`).path;
  const out = await new Deno.Command(HELM.path, {
    args: [
      "template",
      release.name,
      archive,
      "--namespace",
      release.namespace,
      "--kube-version",
      desired.kubernetes.version,
      // What `helm install` also creates: the charts' crds/ directories (Traefik, external-dns).
      "--include-crds",
      // With monitoring the operator applies the Prometheus operator CRDs before the Addons charts, so the
      // API server lists the group (Traefik's chart refuses to render a ServiceMonitor otherwise).
      ...(monitoring(desired) ? ["--api-versions", "monitoring.coreos.com/v1"] : []),
      "-f",
      valuesFile,
    ],
    env: helmEnv,
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(out.stdout);
  const objects = out.code === 0
    ? parseAllDocuments(stdout).map((d) => d.toJS() as Obj | null).filter((o): o is Obj => o !== null)
    : [];
  return { code: out.code, stderr: new TextDecoder().decode(out.stderr), objects };
}

/** The renders of release `name`: one per example config that installs it (`expected` of them). */
async function releasesNamed(name: string, expected = 5): Promise<Rendered[]> {
  const found = (await renderAll()).all.filter((r) => r.release.name === name);
  assertEquals(found.length, expected, `${name} rendered for ${expected} example configs`);
  return found;
}

function find(r: Rendered, kind: string, name: string): Obj {
  const obj = r.objects.find((o) => o.kind === kind && o.metadata.name === name);
  assertOk(obj, `${r.example}: ${r.release.name} renders ${kind} ${name}`);
  return obj;
}

function podSpec(workload: Obj): Any {
  return (workload as Any).spec.template.spec;
}

function container(workload: Obj, name: string): Any {
  const found = podSpec(workload).containers.find((c: Any) => c.name === name);
  assertOk(found, `${workload.kind} ${workload.metadata.name} has container ${name}`);
  return found;
}

function env(c: Any, name: string): Any {
  const entries = (c.env ?? []).filter((e: Any) => e.name === name);
  assertEquals(entries.length, 1, `container ${c.name} sets ${name} once`);
  return entries[0];
}

const secretRef = (name: string, key: string) => ({ valueFrom: { secretKeyRef: { name, key } } });

Deno.test(
  withHelm(
    "helm template renders every release of every example config (values pass the charts' schemas)",
    async () => {
      const { all, renders, ms } = await renderAll();
      console.log(
        `helm template: ${renders} distinct renders for ${all.length} (example, release) pairs, in parallel: ${ms} ms`,
      );
      // dev and backups: 7 releases; ha-production adds external-dns; monitoring and full-production also
      // kube-prometheus-stack.
      assertEquals(all.length, 7 + 7 + 8 + 9 + 9, "releases of the 5 example configs");
      for (const r of all) {
        assertEquals(r.code, 0, `${r.example}: helm template ${r.release.name} failed:\n${r.stderr}`);
        assertOk(r.objects.length > 0, `${r.example}: ${r.release.name} rendered no objects`);
      }
    },
  ),
);

Deno.test(
  withHelm(
    "cilium: KubePrism, kube-proxy replacement, IPAM kubernetes with our pod CIDR, WireGuard, Hubble",
    async () => {
      for (const r of await releasesNamed("cilium")) {
        const config = (find(r, "ConfigMap", "cilium-config") as Any).data;
        const where = `${r.example}: cilium-config`;
        assertEquals(config["kube-proxy-replacement"], "true", where);
        assertEquals(config["ipam"], "kubernetes", where);
        assertEquals(config["k8s-require-ipv4-pod-cidr"], "true", where);
        assertEquals(config["ipv4-native-routing-cidr"], r.desired.kubernetes.podCidr, where);
        assertEquals(config["routing-mode"], "tunnel", where);
        assertEquals(config["enable-wireguard"], "true", where);
        assertEquals(config["enable-hubble"], "true", where);
        // Interfaces are auto-detected: Talos names them, our machine config does not.
        assertEquals([config["devices"], config["direct-routing-device"]], [undefined, undefined], where);

        const agent = find(r, "DaemonSet", "cilium");
        const operator = find(r, "Deployment", "cilium-operator");
        for (const c of [container(agent, "cilium-agent"), container(operator, "cilium-operator")]) {
          assertEquals(env(c, "KUBERNETES_SERVICE_HOST").value, "127.0.0.1", `${r.example}: ${c.name}`);
          assertEquals(env(c, "KUBERNETES_SERVICE_PORT").value, String(KUBEPRISM_PORT), `${r.example}: ${c.name}`);
        }
        const caps = container(agent, "cilium-agent").securityContext.capabilities.add as string[];
        assertOk(
          caps.includes("NET_ADMIN") && !caps.includes("SYS_MODULE"),
          `${r.example}: agent capabilities ${caps}`,
        );
        assertEquals(
          podSpec(agent).tolerations,
          [{ operator: "Exists" }],
          `${r.example}: the agent runs on every node`,
        );
        assertEquals((operator as Any).spec.replicas, r.desired.addons.cilium.operatorReplicas, `${r.example}`);
        const budget = r.objects.find((o) => o.kind === "PodDisruptionBudget" && o.metadata.name === "cilium-operator");
        assertEquals(budget !== undefined, r.desired.addons.cilium.operatorReplicas > 1, `${r.example}: operator PDB`);
        find(r, "Deployment", "hubble-relay");
      }
    },
  ),
);

Deno.test(
  withHelm(
    "hcloud CCM: DaemonSet on the control planes, network and token from the hcloud Secret, LB location and subnet",
    async () => {
      for (const r of await releasesNamed("hcloud-cloud-controller-manager")) {
        const ds = find(r, "DaemonSet", "hcloud-cloud-controller-manager");
        const c = container(ds, "hcloud-cloud-controller-manager");
        const where = `${r.example}: hcloud CCM`;
        assertEquals(
          env(c, "HCLOUD_TOKEN"),
          { name: "HCLOUD_TOKEN", ...secretRef(HCLOUD_SECRET.name, "token") },
          where,
        );
        assertEquals(
          env(c, "HCLOUD_NETWORK"),
          { name: "HCLOUD_NETWORK", ...secretRef(HCLOUD_SECRET.name, "network") },
          where,
        );
        assertEquals(env(c, "HCLOUD_LOAD_BALANCERS_LOCATION").value, r.desired.cluster.region, where);
        assertEquals(
          env(c, "HCLOUD_LOAD_BALANCERS_PRIVATE_SUBNET_IP_RANGE").value,
          r.desired.network.cidrs.loadBalancerSubnet,
          where,
        );
        assertEquals(env(c, "KUBERNETES_SERVICE_HOST").value, "127.0.0.1", where);
        assertEquals(env(c, "KUBERNETES_SERVICE_PORT").value, String(KUBEPRISM_PORT), where);
        assertOk(c.command.includes(`--cluster-cidr=${r.desired.kubernetes.podCidr}`), `${where}: ${c.command}`);
        assertOk(c.command.includes("--allocate-node-cidrs=true"), `${where}: ${c.command}`);
        assertEquals(podSpec(ds).hostNetwork, true, where);
        assertEquals(podSpec(ds).nodeSelector, { "node-role.kubernetes.io/control-plane": "" }, where);
      }
    },
  ),
);

Deno.test(
  withHelm(
    "hcloud CSI: encrypted default storage class reading the passphrase Secret, plain class, cluster label on volumes",
    async () => {
      for (const r of await releasesNamed("hcloud-csi")) {
        const where = `${r.example}: hcloud CSI`;
        const encrypted = find(r, "StorageClass", "hcloud-volumes-encrypted") as Any;
        assertEquals(encrypted.metadata.annotations["storageclass.kubernetes.io/is-default-class"], "true", where);
        assertEquals(encrypted.reclaimPolicy, "Delete", where);
        assertEquals(encrypted.provisioner, "csi.hetzner.cloud", where);
        assertEquals(encrypted.parameters, {
          "csi.storage.k8s.io/node-publish-secret-name": CSI_ENCRYPTION_SECRET.name,
          "csi.storage.k8s.io/node-publish-secret-namespace": CSI_ENCRYPTION_SECRET.namespace,
        }, where);
        const plain = find(r, "StorageClass", "hcloud-volumes") as Any;
        assertEquals(plain.metadata.annotations["storageclass.kubernetes.io/is-default-class"], "false", where);
        assertEquals([plain.reclaimPolicy, plain.parameters], ["Delete", undefined], where);

        const controller = find(r, "Deployment", "hcloud-csi-controller");
        const driver = container(controller, "hcloud-csi-driver");
        assertEquals(
          env(driver, "HCLOUD_VOLUME_EXTRA_LABELS").value,
          `${LABEL_KEYS.cluster}=${r.desired.cluster.name}`,
        );
        assertEquals(env(driver, "HCLOUD_TOKEN"), { name: "HCLOUD_TOKEN", ...secretRef(HCLOUD_SECRET.name, "token") });
        assertEquals((controller as Any).spec.replicas, r.desired.addons.hcloudCsi.controllerReplicas, where);
        assertEquals(podSpec(controller).nodeSelector, { "node-role.kubernetes.io/control-plane": "" }, where);
        // The node plugin must run wherever a pod with a volume can, whatever taints an owner adds.
        const node = podSpec(find(r, "DaemonSet", "hcloud-csi-node"));
        for (const effect of ["NoSchedule", "NoExecute"] as const) {
          assertOk(tolerates(node.tolerations, { key: "dedicated", value: "gpu", effect }), `${where}: node plugin`);
        }
        const budget = r.objects.find((o) => o.kind === "PodDisruptionBudget") as Any;
        if (r.desired.addons.hcloudCsi.controllerReplicas > 1) {
          assertEquals([budget?.spec.maxUnavailable, budget?.spec.minAvailable], [1, undefined], `${where}: PDB`);
        } else {
          assertEquals(budget, undefined, `${where}: no PDB for one replica`);
        }
      }
    },
  ),
);

Deno.test(
  withHelm("metrics-server: kubelet over InternalIP without verifying its self-signed certificate", async () => {
    for (const r of await releasesNamed("metrics-server")) {
      const deployment = find(r, "Deployment", "metrics-server");
      const args = container(deployment, "metrics-server").args as string[];
      assertOk(args.includes("--kubelet-insecure-tls"), `${r.example}: ${args}`);
      assertEquals(args.filter((a) => a.startsWith("--kubelet-preferred-address-types")), [
        "--kubelet-preferred-address-types=InternalIP",
      ]);
      const replicas = r.desired.addons.metricsServer.replicas;
      assertEquals((deployment as Any).spec.replicas, replicas, r.example);
      const budget = r.objects.find((o) => o.kind === "PodDisruptionBudget") as Any;
      assertEquals(budget?.spec.maxUnavailable, replicas > 1 ? 1 : undefined, `${r.example}: PDB`);
    }
  }),
);

/** The pod template's labels satisfy `selector` (a budget or spread that selects nothing protects nothing). */
function selects(selector: Any, workload: Obj): boolean {
  const labels: Record<string, string> = (workload as Any).spec.template.metadata.labels ?? {};
  return Object.entries(selector?.matchLabels ?? {}).every(([k, v]) => labels[k] === v) &&
    Object.keys(selector?.matchLabels ?? {}).length > 0;
}

/** Spread over nodes without blocking, selecting the workload's own pods. */
function assertSpreadByHostname(workload: Obj, where: string): void {
  const spread = (podSpec(workload).topologySpreadConstraints ?? []) as Any[];
  const byHost = spread.filter((c) => c.topologyKey === "kubernetes.io/hostname");
  assertEquals(byHost.length, 1, `${where}: one spread over host names`);
  assertEquals([byHost[0].maxSkew, byHost[0].whenUnsatisfiable], [1, "ScheduleAnyway"], where);
  assertOk(selects(byHost[0].labelSelector, workload), `${where}: the spread selects the workload's pods`);
}

/** The PodDisruptionBudget over `workload`'s pods, if any. */
function budgetOf(r: Rendered, workload: Obj): Any | undefined {
  return r.objects.find((o) => o.kind === "PodDisruptionBudget" && selects((o as Any).spec.selector, workload));
}

function ingresses(r: Rendered): Any[] {
  return r.objects.filter((o) => o.kind === "Ingress");
}

/** An ingress of ours: Traefik's class, the one host with TLS from the production issuer, published by external-dns. */
function assertUiIngress(ingress: Any, host: string, tlsSecret: string, service: string, where: string): void {
  assertEquals(ingress.spec.ingressClassName, "traefik", where);
  assertEquals(ingress.spec.rules.map((rule: Any) => rule.host), [host], where);
  assertEquals(ingress.spec.rules[0].http.paths[0].backend.service, { name: service, port: { number: 80 } }, where);
  assertEquals(ingress.spec.tls, [{ hosts: [host], secretName: tlsSecret }], where);
  assertEquals(ingress.metadata.annotations, {
    [CLUSTER_ISSUER_ANNOTATION]: "letsencrypt-cloudflare-production",
    [EXTERNAL_DNS_HOSTNAME_ANNOTATION]: host,
  }, where);
}

Deno.test(
  withHelm(
    "cert-manager: CRDs through the chart (kept), no startupapicheck Job, 1|2 replicas with budgets and spread, ClusterIssuer default",
    async () => {
      for (const r of await releasesNamed("cert-manager")) {
        const where = `${r.example}: cert-manager`;
        const crds = r.objects.filter((o) => o.kind === "CustomResourceDefinition");
        assertEquals(crds.map((c) => c.metadata.name).sort(), [
          "certificaterequests.cert-manager.io",
          "certificates.cert-manager.io",
          "challenges.acme.cert-manager.io",
          "clusterissuers.cert-manager.io",
          "issuers.cert-manager.io",
          "orders.acme.cert-manager.io",
        ], where);
        // Uninstalling the release must not delete every Certificate with the CRDs.
        assertOk(crds.every((c) => (c.metadata as Any).annotations?.["helm.sh/resource-policy"] === "keep"), where);
        assertEquals(r.objects.filter((o) => o.kind === "Job"), [], `${where}: no startupapicheck Job`);
        const replicas = r.desired.kubernetes.controlPlaneCount > 1 ? 2 : 1;
        for (const name of ["cert-manager", "cert-manager-webhook", "cert-manager-cainjector"]) {
          const deployment = find(r, "Deployment", name);
          assertEquals((deployment as Any).spec.replicas, replicas, `${where}: ${name}`);
          assertSpreadByHostname(deployment, `${where}: ${name}`);
          const budget = budgetOf(r, deployment);
          assertEquals(budget?.spec.maxUnavailable, replicas > 1 ? 1 : undefined, `${where}: ${name} budget`);
        }
        const args = container(find(r, "Deployment", "cert-manager"), "cert-manager-controller").args as string[];
        assertOk(args.includes("--default-issuer-kind=ClusterIssuer"), `${where}: ${args}`);
        const issuer = args.filter((a) => a.startsWith("--default-issuer-name="));
        assertEquals(
          issuer,
          r.desired.addons.cloudflare ? ["--default-issuer-name=letsencrypt-cloudflare-production"] : [],
          where,
        );
      }
    },
  ),
);

Deno.test(
  withHelm(
    "traefik: default IngressClass, LoadBalancer Service with the CCM's annotations and our cluster label, budget and spread",
    async () => {
      for (const r of await releasesNamed("traefik")) {
        const where = `${r.example}: traefik`;
        const name = r.desired.cluster.name;
        const service = find(r, "Service", "traefik") as Any;
        assertEquals(service.spec.type, "LoadBalancer", where);
        assertEquals(service.metadata.labels["k8zner.io/cluster"], name, where);
        assertEquals(service.metadata.annotations, {
          "load-balancer.hetzner.cloud/name": `${name}-ingress`,
          "load-balancer.hetzner.cloud/location": r.desired.cluster.region,
          "load-balancer.hetzner.cloud/type": "lb11",
          "load-balancer.hetzner.cloud/use-private-ip": "true",
          "load-balancer.hetzner.cloud/private-subnet-ip-range": r.desired.network.cidrs.loadBalancerSubnet,
          "load-balancer.hetzner.cloud/disable-private-ingress": "true",
        }, where);
        assertEquals(
          service.spec.ports.map((p: Any) => [p.name, p.port, p.targetPort]),
          [["web", 80, "web"], ["websecure", 443, "websecure"]],
          `${where}: only web and websecure are exposed`,
        );
        const deployment = find(r, "Deployment", "traefik");
        assertEquals((deployment as Any).spec.replicas, r.desired.addons.traefik.replicas, where);
        assertOk(selects({ matchLabels: service.spec.selector }, deployment), `${where}: the Service selects Traefik`);
        assertSpreadByHostname(deployment, where);
        assertEquals(budgetOf(r, deployment)?.spec.maxUnavailable, 1, `${where}: budget`);
        const ingressClass = find(r, "IngressClass", "traefik") as Any;
        assertEquals(ingressClass.metadata.annotations["ingressclass.kubernetes.io/is-default-class"], "true", where);
        assertEquals(ingressClass.spec.controller, "traefik.io/ingress-controller", where);
        const args = container(deployment, "traefik").args as string[];
        for (
          const arg of [
            "--providers.kubernetesingress",
            "--providers.kubernetesingress.ingressendpoint.publishedservice=traefik/traefik",
            "--providers.kubernetescrd",
            "--entryPoints.web.address=:8000/tcp",
            "--entryPoints.websecure.address=:8443/tcp",
            "--entryPoints.websecure.http.tls=true",
          ]
        ) assertOk(args.includes(arg), `${where}: ${arg} in ${args}`);
        // Helm installs crds/ on first install and skips CRDs that exist: the Gateway API CRDs the chart
        // carries must not be newer than the bundle the operator applied before (else ours would be stale).
        const crds = r.objects.filter((o) => o.kind === "CustomResourceDefinition") as Any[];
        assertOk(crds.some((c) => c.metadata.name === "middlewares.traefik.io"), `${where}: Traefik's CRDs`);
        for (const crd of crds.filter((c) => c.spec.group === "gateway.networking.k8s.io")) {
          const version = crd.metadata.annotations["gateway.networking.k8s.io/bundle-version"];
          assertOk(
            version.localeCompare(MANIFESTS.gatewayApiCrds.version, undefined, { numeric: true }) <= 0,
            `${where}: ${crd.metadata.name} ${version}`,
          );
        }
      }
    },
  ),
);

Deno.test(
  withHelm(
    "external-dns (domains only): Cloudflare with the token Secret, our owner ID, the domain filter and the sync policy",
    async () => {
      for (const r of await releasesNamed("external-dns", 3)) {
        const where = `${r.example}: external-dns`;
        const deployment = find(r, "Deployment", "external-dns");
        const c = container(deployment, "external-dns");
        const flags = (c.args as string[]).filter((a) => !/^--(log-level|log-format|interval)=/.test(a)).sort();
        assertEquals(flags, [
          `--domain-filter=${r.desired.addons.cloudflare!.domain}`,
          "--policy=sync",
          "--provider=cloudflare",
          "--registry=txt",
          "--source=ingress",
          `--txt-owner-id=${r.desired.cluster.name}`,
        ], where);
        assertEquals(env(c, "CF_API_TOKEN"), {
          name: "CF_API_TOKEN",
          ...secretRef(CLOUDFLARE_SECRET_NAME, CLOUDFLARE_TOKEN_KEY),
        }, where);
        assertEquals(r.release.namespace, "external-dns", where);
        assertEquals((deployment as Any).spec.replicas, 1, `${where}: one writer to the zone`);
        assertEquals(r.objects.filter((o) => o.kind === "PodDisruptionBudget"), [], `${where}: no budget`);
      }
    },
  ),
);

Deno.test(
  withHelm(
    "argo-cd: plain HTTP behind Traefik, no Dex, upstream names, ingress with TLS and issuer only with a domain, HA with redis-ha",
    async () => {
      for (const r of await releasesNamed("argo-cd")) {
        const where = `${r.example}: argo-cd`;
        const host = r.desired.addons.argocd.host;
        const params = (find(r, "ConfigMap", "argocd-cmd-params-cm") as Any).data;
        assertEquals(params["server.insecure"], "true", where);
        assertEquals(r.objects.filter((o) => o.metadata.name.includes("dex")), [], `${where}: no Dex`);
        // The Service and port `k8zner secrets` prints the port-forward to, as our values render them.
        assertEquals(ARGOCD_SERVER_SERVICE, ADDON_SERVICES.argocd.service);
        const service = find(r, "Service", ADDON_SERVICES.argocd.service) as Any;
        assertEquals(service.metadata.namespace, ADDON_SERVICES.argocd.namespace, where);
        assertEquals(service.spec.ports.find((p: Any) => p.port === ADDON_SERVICES.argocd.port)?.name, "http", where);
        assertEquals(ARGOCD_LOCAL_URL, addonAccess("argocd", undefined).url);
        const cm = (find(r, "ConfigMap", "argocd-cm") as Any).data;
        assertEquals(cm.url, host ? `https://${host}` : ARGOCD_LOCAL_URL, where);
        if (host) {
          assertEquals(ingresses(r).length, 1, where);
          assertUiIngress(ingresses(r)[0], host, ARGOCD_TLS_SECRET, ARGOCD_SERVER_SERVICE, where);
        } else {
          assertEquals(ingresses(r), [], `${where}: no ingress without a domain`);
        }
        const ha = r.desired.addons.argocd.ha;
        const server = find(r, "Deployment", ARGOCD_SERVER_SERVICE);
        assertEquals((server as Any).spec.replicas, ha ? 2 : 1, where);
        assertEquals(budgetOf(r, server)?.spec.maxUnavailable, ha ? 1 : undefined, `${where}: server budget`);
        const redisHa = r.objects.find((o) => o.kind === "StatefulSet" && o.metadata.name.endsWith("redis-ha-server"));
        const redis = r.objects.find((o) => o.kind === "Deployment" && o.metadata.name === "argo-cd-argocd-redis");
        assertEquals([redisHa !== undefined, redis !== undefined], [ha, !ha], `${where}: Redis layout`);
        if (redisHa) assertEquals((redisHa as Any).spec.replicas, 3, where);
      }
    },
  ),
);

Deno.test(
  withHelm(
    "kube-prometheus-stack (monitoring only): no CRDs from the chart, 15d on 50Gi, every monitor selected, Grafana ingress only with a domain",
    async () => {
      for (const r of await releasesNamed("kube-prometheus-stack", 2)) {
        const where = `${r.example}: kube-prometheus-stack`;
        assertEquals(
          r.objects.filter((o) => o.kind === "CustomResourceDefinition").map((o) => o.metadata.name),
          [],
          `${where}: the operator applies the CRD bundle instead`,
        );
        const prometheus = find(r, "Prometheus", "kube-prometheus-stack-prometheus") as Any;
        assertEquals(prometheus.spec.retention, "15d", where);
        assertEquals(prometheus.spec.storage.volumeClaimTemplate.spec.resources.requests.storage, "50Gi", where);
        for (const kind of ["serviceMonitor", "podMonitor", "rule", "probe", "scrapeConfig"]) {
          assertEquals(prometheus.spec[`${kind}Selector`], {}, `${where}: every ${kind}`);
        }
        // The Service, Secret and URL `k8zner secrets` prints, as our values render them.
        assertEquals([GRAFANA_SERVICE, GRAFANA_SECRET], [ADDON_SERVICES.grafana.service, ADDON_SECRETS.grafana.name]);
        assertEquals(GRAFANA_LOCAL_URL, addonAccess("grafana", undefined).url);
        const grafanaService = find(r, "Service", ADDON_SERVICES.grafana.service) as Any;
        assertEquals(grafanaService.spec.ports.map((p: Any) => p.port), [ADDON_SERVICES.grafana.port], where);
        const grafanaSecret = find(r, "Secret", ADDON_SECRETS.grafana.name) as Any;
        assertOk(ADDON_SECRETS.grafana.passwordKey in grafanaSecret.data, `${where}: generated admin password`);
        const grafana = find(r, "Deployment", GRAFANA_SERVICE);
        const password = env(container(grafana, "grafana"), "GF_SECURITY_ADMIN_PASSWORD");
        assertEquals(password.valueFrom.secretKeyRef.name, GRAFANA_SECRET, where);
        const host = r.desired.addons.kubePrometheusStack.grafanaHost;
        const ini = (find(r, "ConfigMap", GRAFANA_SERVICE) as Any).data["grafana.ini"] as string;
        assertOk(ini.includes(`root_url = ${host ? `https://${host}` : GRAFANA_LOCAL_URL}`), `${where}: ${ini}`);
        if (host) {
          assertEquals(ingresses(r).length, 1, where);
          assertUiIngress(ingresses(r)[0], host, GRAFANA_TLS_SECRET, GRAFANA_SERVICE, where);
        } else {
          assertEquals(ingresses(r), [], `${where}: no ingress without a domain`);
        }
        // Talos runs no kube-proxy, and labels its control-plane pods `k8s-app`.
        assertEquals(r.objects.filter((o) => o.metadata.name.includes("kube-proxy")), [], where);
        for (
          const [service, app] of [["kube-controller-manager", "kube-controller-manager"], [
            "kube-scheduler",
            "kube-scheduler",
          ], ["kube-etcd", "kube-controller-manager"]]
        ) {
          const svc = find(r, "Service", `kube-prometheus-stack-${service}`) as Any;
          assertEquals(svc.spec.selector, { "k8s-app": app }, `${where}: ${service}`);
        }
      }
    },
  ),
);

Deno.test(
  withHelm("with monitoring, every Addons-phase chart creates ServiceMonitors; without, none does", async () => {
    const { all } = await renderAll();
    const charts = ["metrics-server", "cert-manager", "traefik", "external-dns", "argo-cd"];
    let monitoredRenders = 0;
    for (const r of all.filter((r) => charts.includes(r.release.name))) {
      const monitors = r.objects.filter((o) => o.kind === "ServiceMonitor");
      if (monitoring(r.desired)) {
        assertOk(monitors.length > 0, `${r.example}: ${r.release.name} renders a ServiceMonitor`);
        monitoredRenders++;
      } else {
        assertEquals(monitors.map((m) => m.metadata.name), [], `${r.example}: ${r.release.name}`);
      }
    }
    assertEquals(monitoredRenders, 2 * 5, "monitoring and full-production, five charts each");
  }),
);

Deno.test(
  withHelm("without a domain no release renders an Ingress; with one, exactly Argo CD's and Grafana's", async () => {
    const { all } = await renderAll();
    const byExample = new Map<string, Rendered[]>();
    for (const r of all) byExample.set(r.example, [...(byExample.get(r.example) ?? []), r]);
    assertEquals(byExample.size, 5);
    for (const [example, renders] of byExample) {
      const desired = renders[0]!.desired;
      const hosts = renders.flatMap(ingresses).flatMap((i) => i.spec.rules.map((rule: Any) => rule.host)).sort();
      const expected = [desired.addons.argocd.host, desired.addons.kubePrometheusStack.grafanaHost]
        .filter((h): h is string => h !== undefined).sort();
      assertEquals(hosts, expected, example);
      assertEquals(desired.addons.cloudflare === undefined, expected.length === 0, example);
    }
  }),
);

interface Taint {
  key: string;
  value?: string;
  effect: "NoSchedule" | "NoExecute";
}

/** Kubernetes' toleration matching (k8s.io/api/core/v1 Toleration.ToleratesTaint). */
function tolerates(tolerations: Any[] | undefined, taint: Taint): boolean {
  return (tolerations ?? []).some((t) => {
    if (t.effect && t.effect !== taint.effect) return false;
    if (t.key && t.key !== taint.key) return false;
    if (!t.key && t.operator !== "Exists") return false;
    return t.operator === "Exists" || (t.value ?? "") === (taint.value ?? "");
  });
}

/** Whether a Node with `labels` satisfies the pod's nodeSelector and required node affinity. */
function selectsNode(spec: Any, labels: Record<string, string>): boolean {
  const selector: Record<string, string> = spec.nodeSelector ?? {};
  if (!Object.entries(selector).every(([k, v]) => labels[k] === v)) return false;
  const terms: Any[] | undefined = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution
    ?.nodeSelectorTerms;
  if (terms === undefined) return true;
  return terms.some((term) =>
    (term.matchExpressions ?? []).every((e: Any) => {
      const has = e.key in labels;
      switch (e.operator) {
        case "In":
          return has && e.values.includes(labels[e.key]);
        case "NotIn":
          return !has || !e.values.includes(labels[e.key]);
        case "Exists":
          return has;
        case "DoesNotExist":
          return !has;
        default:
          throw new Error(`node selector operator ${e.operator} not handled by this test`);
      }
    })
  );
}

/** A control plane just after it registered: NotReady (no CNI), not initialised by the CCM, tainted as control plane. */
const FRESH_CONTROL_PLANE_TAINTS: Taint[] = [
  { key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule" },
  { key: "node.cloudprovider.kubernetes.io/uninitialized", value: "true", effect: "NoSchedule" },
  { key: "node.kubernetes.io/not-ready", effect: "NoSchedule" },
  { key: "node.kubernetes.io/not-ready", effect: "NoExecute" },
  { key: "node.cilium.io/agent-not-ready", value: "true", effect: "NoSchedule" },
];
/** The same node once Cilium runs on it, before the CCM has initialised it. */
const READY_UNINITIALIZED_CONTROL_PLANE_TAINTS = FRESH_CONTROL_PLANE_TAINTS.slice(0, 2);
const CONTROL_PLANE_LABELS = {
  "kubernetes.io/os": "linux",
  "kubernetes.io/hostname": "cp-1",
  "node-role.kubernetes.io/control-plane": "",
};

/**
 * Releases that bring a fresh cluster up or serve the whole cluster (cert-manager's webhook): they may run on
 * the control planes, and some must before any worker is Ready. The others run on workers: they wait for
 * the CCM (RELEASE_WAITS_FOR), so their Nodes are initialised, and an ha cluster's control planes stay for
 * the control plane.
 */
const ON_CONTROL_PLANES = new Set([
  "cilium",
  "hcloud-cloud-controller-manager",
  "hcloud-csi",
  "metrics-server",
  "cert-manager",
]);
/** A worker once Cilium runs on it and the CCM initialised it: no taint left. */
const WORKER_LABELS = { "kubernetes.io/os": "linux", "kubernetes.io/hostname": "w-1" };

Deno.test(
  withHelm(
    "every workload can start: on a fresh cluster's tainted control planes (bring-up releases), or on an initialised worker",
    async () => {
      const { all } = await renderAll();
      let checked = 0;
      for (const r of all) {
        const workloads = r.objects.filter((o) => ["Deployment", "DaemonSet", "StatefulSet"].includes(o.kind));
        for (const w of workloads) {
          const spec = podSpec(w);
          const name = `${r.example}: ${r.release.name} ${w.kind} ${w.metadata.name}`;
          let nodes: number;
          if (ON_CONTROL_PLANES.has(r.release.name)) {
            assertOk(selectsNode(spec, CONTROL_PLANE_LABELS), `${name} can be placed on a control plane`);
            // Host-network pods bring the nodes up (CNI, CCM): they must start while nodes are NotReady.
            // Pods on the pod network start once Cilium made the node Ready, still before the CCM initialised it.
            const taints = spec.hostNetwork ? FRESH_CONTROL_PLANE_TAINTS : READY_UNINITIALIZED_CONTROL_PLANE_TAINTS;
            for (const taint of taints) {
              assertOk(tolerates(spec.tolerations, taint), `${name} tolerates ${taint.key}:${taint.effect}`);
            }
            nodes = r.desired.kubernetes.controlPlaneCount;
          } else {
            assertOk(selectsNode(spec, WORKER_LABELS), `${name} can be placed on a worker`);
            const k8s = r.desired.kubernetes;
            nodes = k8s.workerCount + (k8s.allowSchedulingOnControlPlanes ? k8s.controlPlaneCount : 0);
          }
          // A required anti-affinity on the host name needs as many nodes as replicas, or `--wait` never ends.
          const antiAffinity = spec.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [];
          if (w.kind !== "DaemonSet" && antiAffinity.some((a: Any) => a.topologyKey === "kubernetes.io/hostname")) {
            assertOk(
              (w as Any).spec.replicas <= nodes,
              `${name}: ${(w as Any).spec.replicas} replicas need distinct nodes`,
            );
          }
          const hardSpread = (spec.topologySpreadConstraints ?? []).filter((c: Any) =>
            c.whenUnsatisfiable === "DoNotSchedule" && c.topologyKey === "kubernetes.io/hostname"
          );
          assertEquals(hardSpread, [], `${name}: spreading never blocks a pod`);
          checked++;
        }
      }
      assertOk(checked >= all.length, `checked ${checked} workloads`);
    },
  ),
);

Deno.test(
  withHelm(
    "no rendered manifest carries a credential: tokens only come from our Secrets, passwords from the charts' own",
    async () => {
      const { all } = await renderAll();
      const ours = new Set([HCLOUD_SECRET.name, CSI_ENCRYPTION_SECRET.name, CLOUDFLARE_SECRET_NAME]);
      /**
       * Secrets a chart generates itself (certificates, its own passwords and configuration), by release; none
       * is rendered from our values. Grafana's admin password is random, kept across upgrades by Helm's lookup.
       */
      const generated: Record<string, string[]> = {
        cilium: ["cilium-ca", "hubble-relay-client-certs", "hubble-server-certs"],
        "argo-cd": ["argocd-notifications-secret", "argocd-secret"],
        "kube-prometheus-stack": [GRAFANA_SECRET, "alertmanager-kube-prometheus-stack-alertmanager"],
      };
      /**
       * Secrets a chart's own pods read passwords from: Argo CD's Redis password (`argocd-redis`, made by its
       * init Job) and the optional Sentinel passwords (absent: no Sentinel auth).
       */
      const chartSecrets = new Set([
        GRAFANA_SECRET,
        "argocd-redis",
        "argo-cd-argocd-redis",
        "argo-cd-redis-ha-haproxy",
      ]);
      let fromCloudflare = 0;
      for (const r of all) {
        const text = JSON.stringify(r.objects);
        assertOk(!text.includes(CSI_PASSPHRASE_KEY), `${r.example}: ${r.release.name} mentions the passphrase key`);
        for (const o of r.objects) {
          if (o.kind === "Secret") {
            assertOk(
              (generated[r.release.name] ?? []).includes(o.metadata.name),
              `${r.example}: ${r.release.name} renders Secret ${o.metadata.name}`,
            );
          }
          if (!["Deployment", "DaemonSet", "StatefulSet"].includes(o.kind)) continue;
          for (const c of [...podSpec(o).containers, ...(podSpec(o).initContainers ?? [])]) {
            for (const e of c.env ?? []) {
              if (!/TOKEN|PASSWORD|PASSPHRASE|SECRET/.test(e.name) || e.name.endsWith("_FILE")) {
                continue;
              }
              assertEquals(e.value, undefined, `${r.example}: ${c.name} ${e.name} is a literal`);
              // A setting about tokens (Argo CD's `...TOKENREF_STRICT_MODE`) from the chart's ConfigMap.
              if (e.valueFrom?.configMapKeyRef) continue;
              const from = e.valueFrom?.secretKeyRef?.name;
              assertOk(
                ours.has(from) || chartSecrets.has(from),
                `${r.example}: ${c.name} ${e.name} from ${JSON.stringify(e.valueFrom)}`,
              );
              if (from === CLOUDFLARE_SECRET_NAME) fromCloudflare++;
            }
          }
        }
      }
      assertEquals(fromCloudflare, 3, "external-dns reads the Cloudflare token in the three examples with a domain");
    },
  ),
);
