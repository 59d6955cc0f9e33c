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
import { CSI_ENCRYPTION_SECRET, CSI_PASSPHRASE_KEY, HCLOUD_SECRET } from "../../src/addons/cloud_secrets.ts";
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
        JSON.stringify([job.release.name, job.desired.kubernetes.version, job.release.values]);
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

async function releasesNamed(name: string): Promise<Rendered[]> {
  const found = (await renderAll()).all.filter((r) => r.release.name === name);
  assertOk(found.length >= 5, `${name} rendered for every example config, got ${found.length}`);
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
      assertOk(all.length >= 20, `5 example configs x 4 releases, got ${all.length}`);
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

Deno.test(
  withHelm(
    "every workload can start on a fresh cluster: tainted, uninitialised control planes, no worker yet",
    async () => {
      const { all } = await renderAll();
      let checked = 0;
      for (const r of all) {
        for (
          const w of r.objects.filter((o) => o.kind === "Deployment" || o.kind === "DaemonSet")
        ) {
          const spec = podSpec(w);
          const name = `${r.example}: ${w.kind} ${w.metadata.name}`;
          assertOk(selectsNode(spec, CONTROL_PLANE_LABELS), `${name} can be placed on a control plane`);
          // Host-network pods bring the nodes up (CNI, CCM): they must start while nodes are NotReady.
          // Pods on the pod network start once Cilium made the node Ready, still before the CCM initialised it.
          const taints = spec.hostNetwork ? FRESH_CONTROL_PLANE_TAINTS : READY_UNINITIALIZED_CONTROL_PLANE_TAINTS;
          for (const taint of taints) {
            assertOk(tolerates(spec.tolerations, taint), `${name} tolerates ${taint.key}:${taint.effect}`);
          }
          // A required anti-affinity on the host name needs as many control planes as replicas.
          const antiAffinity = spec.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [];
          if (w.kind === "Deployment" && antiAffinity.some((a: Any) => a.topologyKey === "kubernetes.io/hostname")) {
            assertOk(
              (w as Any).spec.replicas <= r.desired.kubernetes.controlPlaneCount,
              `${name}: ${(w as Any).spec.replicas} replicas need distinct nodes`,
            );
          }
          checked++;
        }
      }
      assertOk(checked >= 5 * 7, `checked ${checked} workloads`);
    },
  ),
);

Deno.test(
  withHelm(
    "no rendered manifest carries a credential: tokens and the passphrase only come from our Secrets",
    async () => {
      const { all } = await renderAll();
      const ours = new Set([HCLOUD_SECRET.name, CSI_ENCRYPTION_SECRET.name]);
      for (const r of all) {
        const text = JSON.stringify(r.objects);
        assertOk(!text.includes(CSI_PASSPHRASE_KEY), `${r.example}: ${r.release.name} mentions the passphrase key`);
        for (const o of r.objects) {
          if (o.kind === "Secret") {
            // Only Cilium's generated Hubble TLS certificates; no chart renders a Secret from our values.
            assertOk(
              r.release.name === "cilium" && ["cilium-ca", "hubble-relay-client-certs", "hubble-server-certs"].includes(
                o.metadata.name,
              ),
              `${r.example}: ${r.release.name} renders Secret ${o.metadata.name}`,
            );
          }
          if (o.kind !== "Deployment" && o.kind !== "DaemonSet") continue;
          for (const c of podSpec(o).containers) {
            for (const e of c.env ?? []) {
              if (!/TOKEN|PASSWORD|PASSPHRASE|SECRET/.test(e.name) || e.name.endsWith("_FILE")) {
                continue;
              }
              assertEquals(e.value, undefined, `${r.example}: ${c.name} ${e.name} is a literal`);
              assertOk(
                ours.has(e.valueFrom?.secretKeyRef?.name),
                `${r.example}: ${c.name} ${e.name} from ${JSON.stringify(e.valueFrom)}`,
              );
            }
          }
        }
      }
    },
  ),
);
