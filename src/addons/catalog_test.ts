import { assertEquals, assertOk } from "../../tests/assert.ts";
import { expandSpec, type Spec } from "../config/mod.ts";
import { addonReleases, chartArchive, GATEWAY_API_CRDS_FILE, PROMETHEUS_OPERATOR_CRDS_FILE } from "./catalog.ts";
import { CLOUDFLARE_SECRET_NAME, CLOUDFLARE_TOKEN_KEY, CSI_ENCRYPTION_SECRET, HCLOUD_SECRET } from "./cloud_secrets.ts";

const GOLDEN = new URL("../../tests/golden/addon_releases.json", import.meta.url);
const dev: Spec = { name: "dev", region: "fsn1", mode: "dev", workers: { count: 1, size: "cx23" } };
const ha: Spec = { name: "prod", region: "nbg1", mode: "ha", workers: { count: 3, size: "cx33" } };
/** Everything on: a domain (external-dns, ingresses) and monitoring. */
const full: Spec = { ...ha, name: "full", domain: "example.org", monitoring: true, backup: true };

Deno.test("addonReleases() lists cilium (CNI), then the CCM, CSI, metrics-server, cert-manager, traefik, external-dns, argo-cd and kube-prometheus-stack (Addons)", () => {
  const releases = addonReleases(expandSpec(full));
  assertEquals(releases.map((r) => [r.name, r.phase, r.namespace, chartArchive(r.chart)]), [
    ["cilium", "CNI", "kube-system", "cilium-1.19.3.tgz"],
    ["hcloud-cloud-controller-manager", "Addons", "kube-system", "hcloud-cloud-controller-manager-1.33.0.tgz"],
    ["hcloud-csi", "Addons", "kube-system", "hcloud-csi-2.22.0.tgz"],
    ["metrics-server", "Addons", "kube-system", "metrics-server-3.13.1.tgz"],
    ["cert-manager", "Addons", "cert-manager", "cert-manager-v1.21.1.tgz"],
    ["traefik", "Addons", "traefik", "traefik-39.0.9.tgz"],
    ["external-dns", "Addons", "external-dns", "external-dns-1.21.1.tgz"],
    ["argo-cd", "Addons", "argocd", "argo-cd-9.7.0.tgz"],
    ["kube-prometheus-stack", "Addons", "monitoring", "kube-prometheus-stack-88.2.0.tgz"],
  ]);
  assertOk(releases.every((r) => r.timeoutSeconds >= 300), "every release gets at least five minutes");
  const timeout = (name: string) => releases.find((r) => r.name === name)!.timeoutSeconds;
  // Helm waits for the load balancer's address, ten workloads, a 50 Gi volume: more than the small ones.
  assertOk(timeout("traefik") >= 600 && timeout("argo-cd") >= 600, "traefik and argo-cd get ten minutes");
  assertOk(timeout("kube-prometheus-stack") >= 900, "kube-prometheus-stack gets fifteen minutes");
  assertEquals(GATEWAY_API_CRDS_FILE, "gateway-api-standard-crds.yaml");
  assertEquals(PROMETHEUS_OPERATOR_CRDS_FILE, "prometheus-operator-crds.yaml");
});

Deno.test("addonReleases() installs external-dns only with a domain and kube-prometheus-stack only with monitoring", () => {
  const names = (spec: Spec) => addonReleases(expandSpec(spec)).map((r) => r.name);
  const core = ["cilium", "hcloud-cloud-controller-manager", "hcloud-csi", "metrics-server", "cert-manager", "traefik"];
  assertEquals(names(dev), [...core, "argo-cd"]);
  assertEquals(names({ ...dev, domain: "example.org" }), [...core, "external-dns", "argo-cd"]);
  assertEquals(names({ ...dev, monitoring: true }), [...core, "argo-cd", "kube-prometheus-stack"]);
});

Deno.test("addonReleases() leaves out a disabled release", () => {
  const desired = expandSpec(dev);
  const disabled = {
    ...desired,
    addons: { ...desired.addons, metricsServer: { ...desired.addons.metricsServer, enabled: false } },
  };
  assertEquals(addonReleases(disabled).map((r) => r.name), [
    "cilium",
    "hcloud-cloud-controller-manager",
    "hcloud-csi",
    "cert-manager",
    "traefik",
    "argo-cd",
  ]);
});

Deno.test("addonReleases() values follow the cluster: replicas by control-plane count, the name on volumes", () => {
  const [cilium, , csi, metrics] = addonReleases(expandSpec(dev));
  const [haCilium, , haCsi] = addonReleases(expandSpec(ha));
  const operatorReplicas = (r: typeof cilium) => (r!.values.operator as { replicas: number }).replicas;
  assertEquals([operatorReplicas(cilium), operatorReplicas(haCilium)], [1, 2]);
  const controller = (r: typeof csi) => r!.values.controller as Record<string, unknown>;
  assertEquals([controller(csi).replicaCount, controller(haCsi).replicaCount], [1, 2]);
  assertEquals(controller(haCsi).volumeExtraLabels, { "k8zner.io/cluster": "prod" });
  assertEquals(metrics!.values.replicas, 2);
});

Deno.test("addonReleases() is deterministic and matches tests/golden/addon_releases.json (UPDATE_GOLDEN=1 rewrites it)", async () => {
  const render = () =>
    JSON.stringify(
      { dev: addonReleases(expandSpec(dev)), ha: addonReleases(expandSpec(ha)), full: addonReleases(expandSpec(full)) },
      null,
      2,
    ) + "\n";
  const rendered = render();
  assertEquals(render(), rendered);
  if (Deno.env.get("UPDATE_GOLDEN") === "1") await Deno.writeTextFile(GOLDEN, rendered);
  assertEquals(rendered, await Deno.readTextFile(GOLDEN));
});

/** Every value under a key that names a credential, with its path. */
function credentialFields(value: unknown, path = ""): [string, unknown][] {
  if (typeof value !== "object" || value === null) return [];
  return Object.entries(value).flatMap(([key, v]) => {
    const here = `${path}.${key}`;
    return /token|passphrase|password|secret/i.test(key) ? [[here, v] as [string, unknown]] : credentialFields(v, here);
  });
}

/** The strings a credential field may hold: where our Secrets are, never what is in them. */
const REFERENCES = new Set([
  HCLOUD_SECRET.name,
  HCLOUD_SECRET.namespace,
  CSI_ENCRYPTION_SECRET.name,
  CSI_ENCRYPTION_SECRET.namespace,
  CLOUDFLARE_SECRET_NAME,
  CLOUDFLARE_TOKEN_KEY,
  // Grafana's ingress TLS Secret, filled by cert-manager.
  "grafana-tls",
  "token",
  "network",
  "",
]);

function leaves(value: unknown): unknown[] {
  if (typeof value !== "object" || value === null) return [value];
  return Object.values(value).flatMap(leaves);
}

Deno.test("no values carry a credential: token and passphrase fields only name our Secrets", () => {
  for (const spec of [dev, ha, full]) {
    for (const release of addonReleases(expandSpec(spec))) {
      const fields = credentialFields(release.values);
      for (const [path, value] of fields) {
        for (const leaf of leaves(value)) {
          assertOk(
            typeof leaf === "string" && REFERENCES.has(leaf),
            `${release.name}${path} holds ${JSON.stringify(leaf)}`,
          );
        }
      }
      // Those that call a cloud API with a token; the others get none (their admin passwords stay in
      // the Secrets their charts generate).
      if (["hcloud-cloud-controller-manager", "hcloud-csi", "external-dns"].includes(release.name)) {
        assertOk(fields.length > 0, `${release.name} names where its credentials come from`);
      }
    }
  }
});

Deno.test("only Traefik installs with Helm's client-side apply (its crds/ carries Gateway API CRDs the operator owns)", () => {
  const releases = addonReleases(expandSpec(full));
  assertEquals(releases.filter((r) => r.clientSideApply).map((r) => r.name), ["traefik"]);
});
