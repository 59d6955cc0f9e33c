/**
 * The fake API server checked against the real Helm v4.1.4 (and kubectl 1.35.2) with the real addon
 * charts of `../shared/charts`: install by server-side apply, upgrade, rollback, uninstall, list and
 * values, and a chart the real API server would refuse. One fake API for the whole file (steps run
 * in order on it): each Helm process costs about half a second.
 */
import { assertEquals, assertIncludes, assertMatch, assertOk } from "../assert.ts";
import { helmRequirement } from "./helm_binary.ts";
import { kubectlRequirement } from "./kubectl_binary.ts";
import { type FakeKubeApi, type KubeObj, startFakeKubeApi } from "./mod.ts";
import { requires, sharedFile } from "../requirements.ts";
import { KUBERNETES_OPENAPI } from "../fake_contracts.ts";

const HELM = await helmRequirement();
const KUBECTL = await kubectlRequirement();
const CILIUM = sharedFile("charts/cilium-1.19.3.tgz");
const CCM = sharedFile("charts/hcloud-cloud-controller-manager-1.33.0.tgz");
const CSI = sharedFile("charts/hcloud-csi-2.22.0.tgz");
const METRICS = sharedFile("charts/metrics-server-3.13.1.tgz");
const GATEWAY_CRDS = sharedFile("charts/gateway-api-standard-crds.yaml");

const CILIUM_VALUES = "k8sServiceHost=127.0.0.1,k8sServicePort=7445,kubeProxyReplacement=true,ipam.mode=kubernetes";

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs Helm or kubectl against `api` with a kubeconfig and empty Helm homes under `dir`. */
async function clientsFor(api: FakeKubeApi, dir: string) {
  const kubeconfig = `${dir}/kubeconfig`;
  await Deno.writeTextFile(kubeconfig, api.kubeconfigYaml());
  const env = {
    KUBECONFIG: kubeconfig,
    HOME: dir,
    HELM_CACHE_HOME: `${dir}/helm-cache`,
    HELM_CONFIG_HOME: `${dir}/helm-config`,
    HELM_DATA_HOME: `${dir}/helm-data`,
  };
  const run = async (binary: string, args: string[]): Promise<Run> => {
    const out = await new Deno.Command(binary, { args, env, stdin: "null" }).output();
    const decode = (b: Uint8Array) => new TextDecoder().decode(b);
    return { code: out.code, stdout: decode(out.stdout), stderr: decode(out.stderr) };
  };
  return {
    helm: (...args: string[]) => run(HELM.path, args),
    kubectl: (...args: string[]) => run(KUBECTL.path, [...args, `--cache-dir=${dir}/kube-cache`]),
  };
}

interface Release {
  name: string;
  namespace: string;
  revision: string;
  status: string;
  chart: string;
}

function generationOf(obj: KubeObj | undefined): number | undefined {
  return (obj?.metadata as { generation?: number } | undefined)?.generation;
}

function agentEnv(ds: KubeObj | undefined): Record<string, string> {
  const containers = (ds?.spec as { template: { spec: { containers: KubeObj[] } } }).template.spec.containers;
  const agent = containers.find((c) => c.name === "cilium-agent");
  return Object.fromEntries(
    ((agent?.env ?? []) as { name: string; value?: string }[]).map((e) => [e.name, e.value ?? ""]),
  );
}

/** A chart with one Deployment whose container carries a misspelt field (`imagePullPolicyy`). */
async function writeTypoChart(dir: string): Promise<string> {
  const chart = `${dir}/typo`;
  await Deno.mkdir(`${chart}/templates`, { recursive: true });
  await Deno.writeTextFile(`${chart}/Chart.yaml`, "apiVersion: v2\nname: typo\nversion: 0.1.0\n");
  await Deno.writeTextFile(
    `${chart}/templates/deployment.yaml`,
    `apiVersion: apps/v1
kind: Deployment
metadata: {name: typo}
spec:
  selector: {matchLabels: {app: typo}}
  template:
    metadata: {labels: {app: typo}}
    spec:
      containers:
      - name: app
        image: registry.example/app:1
        imagePullPolicyy: Always
`,
  );
  return chart;
}

Deno.test(requires([HELM, KUBECTL, KUBERNETES_OPENAPI, CILIUM, CCM, CSI, METRICS, GATEWAY_CRDS], {
  name: "the real Helm installs, upgrades, rolls back and uninstalls the addon charts on the fake API",
  fn: async (t) => {
    const api = await startFakeKubeApi();
    const dir = await Deno.makeTempDir();
    try {
      const { helm, kubectl } = await clientsFor(api, dir);
      const install = (release: string, chart: string, ...extra: string[]) =>
        helm("upgrade", "--install", release, chart, "-n", "kube-system", "--create-namespace", ...extra);
      const releases = async (): Promise<Release[]> => {
        const list = await helm("list", "-A", "-o", "json");
        assertEquals(list.code, 0, list.stderr);
        return JSON.parse(list.stdout) as Release[];
      };
      const ciliumDs = () => api.store.getObject("apps/v1", "DaemonSet", "cilium", "kube-system");

      await t.step(
        "kubectl server-side applies the Gateway API CRDs with validation on, then checks a GatewayClass",
        async () => {
          const applied = await kubectl("apply", "--server-side", "-f", GATEWAY_CRDS.path);
          assertEquals(applied.code, 0, applied.stderr);
          const crds = api.store.listObjects("apiextensions.k8s.io/v1", "CustomResourceDefinition")
            .map((c) => String((c.metadata as { name: string }).name));
          assertEquals(crds.filter((n) => n.endsWith(".gateway.networking.k8s.io")).length, 8);
          assertOk(
            api.store.getObject(
              "admissionregistration.k8s.io/v1",
              "ValidatingAdmissionPolicy",
              "safe-upgrades.gateway.networking.k8s.io",
            ),
          );
          // A custom resource is checked against its CRD's schema: an unknown field is refused, as a real server refuses it.
          const gatewayClass = (extra: string) =>
            `apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: cilium}\n` +
            `spec: {controllerName: io.cilium/gateway-controller${extra}}\n`;
          await Deno.writeTextFile(`${dir}/typo.yaml`, gatewayClass(", controllerNmae: x"));
          const typo = await kubectl("apply", "--server-side", "-f", `${dir}/typo.yaml`);
          assertEquals(typo.code, 1);
          assertIncludes(typo.stderr, ".spec.controllerNmae: field not declared in schema");
          await Deno.writeTextFile(`${dir}/class.yaml`, gatewayClass(""));
          const good = await kubectl("apply", "--server-side", "-f", `${dir}/class.yaml`);
          assertEquals(good.code, 0, good.stderr);
          assertEquals(
            api.store.listObjects("gateway.networking.k8s.io/v1", "GatewayClass").map((g) => g.spec),
            [{ controllerName: "io.cilium/gateway-controller" }],
          );
        },
      );

      await t.step(
        "helm upgrade --install deploys the four charts (server-side apply, field manager helm)",
        async () => {
          const results = [
            await install(
              "cilium",
              CILIUM.path,
              "--set",
              CILIUM_VALUES,
              "--labels",
              "k8zner.io/chart-version=1.19.3",
              "--history-max",
              "5",
            ),
            await install(
              "hcloud-cloud-controller-manager",
              CCM.path,
              "--set",
              "kind=DaemonSet,networking.enabled=true",
            ),
            await install("hcloud-csi", CSI.path),
            await install("metrics-server", METRICS.path),
          ];
          for (const r of results) assertEquals(r.code, 0, r.stderr);
          const listed = (await releases()).map((r) => [r.name, r.namespace, r.revision, r.status, r.chart]);
          assertEquals(listed, [
            ["cilium", "kube-system", "1", "deployed", "cilium-1.19.3"],
            [
              "hcloud-cloud-controller-manager",
              "kube-system",
              "1",
              "deployed",
              "hcloud-cloud-controller-manager-1.33.0",
            ],
            ["hcloud-csi", "kube-system", "1", "deployed", "hcloud-csi-2.22.0"],
            ["metrics-server", "kube-system", "1", "deployed", "metrics-server-3.13.1"],
          ]);
          const ds = ciliumDs();
          assertEquals(generationOf(ds), 1);
          const env = agentEnv(ds);
          assertEquals([env.KUBERNETES_SERVICE_HOST, env.KUBERNETES_SERVICE_PORT], ["127.0.0.1", "7445"]);
          const managers = (ds!.metadata as { managedFields: { manager: string; operation: string }[] }).managedFields;
          assertEquals(managers.map((m) => [m.manager, m.operation]), [["helm", "Apply"]]);
          assertOk(api.store.getObject("apps/v1", "DaemonSet", "hcloud-cloud-controller-manager", "kube-system"));
          assertOk(api.store.getObject("storage.k8s.io/v1", "CSIDriver", "csi.hetzner.cloud"));
          assertOk(api.store.getObject("apiregistration.k8s.io/v1", "APIService", "v1beta1.metrics.k8s.io"));
          const secret = api.store.getObject("v1", "Secret", "sh.helm.release.v1.cilium.v1", "kube-system");
          const labels = (secret?.metadata as { labels: Record<string, string> }).labels;
          assertEquals([labels.owner, labels.status, labels["k8zner.io/chart-version"]], [
            "helm",
            "deployed",
            "1.19.3",
          ]);
        },
      );

      await t.step("helm get values returns what was set", async () => {
        const values = await helm("get", "values", "cilium", "-n", "kube-system", "-o", "json");
        assertEquals(values.code, 0, values.stderr);
        assertEquals(JSON.parse(values.stdout), {
          ipam: { mode: "kubernetes" },
          k8sServiceHost: "127.0.0.1",
          k8sServicePort: 7445,
          kubeProxyReplacement: true,
        });
      });

      await t.step("a changed value upgrades to revision 2 and bumps the DaemonSet's generation", async () => {
        const upgraded = await install("cilium", CILIUM.path, "--set", `${CILIUM_VALUES},k8sServicePort=7446`);
        assertEquals(upgraded.code, 0, upgraded.stderr);
        const cilium = (await releases()).find((r) => r.name === "cilium")!;
        assertEquals([cilium.revision, cilium.status], ["2", "deployed"]);
        const ds = ciliumDs();
        assertEquals([generationOf(ds), agentEnv(ds).KUBERNETES_SERVICE_PORT], [2, "7446"]);
        const status = await helm("status", "cilium", "-n", "kube-system");
        assertEquals(status.code, 0, status.stderr);
        assertMatch(status.stdout, /STATUS: deployed\nREVISION: 2\n/);
      });

      await t.step("helm rollback restores revision 1 as revision 3, keeping --history-max", async () => {
        const rolled = await helm("rollback", "cilium", "1", "-n", "kube-system", "--history-max", "2");
        assertEquals(rolled.code, 0, rolled.stderr);
        const ds = ciliumDs();
        assertEquals([generationOf(ds), agentEnv(ds).KUBERNETES_SERVICE_PORT], [3, "7445"]);
        const history = api.store.listObjects("v1", "Secret", "kube-system")
          .map((s) => (s.metadata as { labels?: Record<string, string> }).labels ?? {})
          .filter((l) => l.owner === "helm" && l.name === "cilium")
          .map((l) => [l.version, l.status]);
        assertEquals(history, [["2", "superseded"], ["3", "deployed"]]);
      });

      await t.step("helm uninstall deletes the release's objects and its history", async () => {
        const removed = await helm("uninstall", "metrics-server", "-n", "kube-system");
        assertEquals(removed.code, 0, removed.stderr);
        assertEquals(api.store.getObject("apps/v1", "Deployment", "metrics-server", "kube-system"), undefined);
        assertEquals(
          api.store.getObject("apiregistration.k8s.io/v1", "APIService", "v1beta1.metrics.k8s.io"),
          undefined,
        );
        assertEquals((await releases()).map((r) => r.name), [
          "cilium",
          "hcloud-cloud-controller-manager",
          "hcloud-csi",
        ]);
      });

      await t.step("a chart with an unknown field is refused as a real API server refuses it", async () => {
        const refused = await install("typo", await writeTypoChart(dir));
        assertEquals(refused.code, 1);
        assertIncludes(refused.stderr, "imagePullPolicyy");
        assertEquals(api.store.getObject("apps/v1", "Deployment", "typo", "kube-system"), undefined);
        const typo = (await releases()).find((r) => r.name === "typo");
        assertEquals(typo?.status, "failed");
      });
    } finally {
      await api.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
}));
