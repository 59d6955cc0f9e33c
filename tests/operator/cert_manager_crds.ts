/**
 * cert-manager as the pinned chart installs it (`crds.enabled: true`), rendered by the real Helm from
 * `../shared/charts`: tests put its CRDs into the fake Kubernetes API, which then validates ClusterIssuers
 * against cert-manager's own schema (unknown fields refused, as with `fieldValidation=Strict`), and its
 * webhook configuration and Service, which make the API refuse cert-manager objects until the webhook has
 * a ready endpoint. Rendered once per test process.
 *
 * @module
 */
import { parseAllDocuments } from "yaml";
import { chartArchive } from "../../src/addons/catalog.ts";
import { CHARTS } from "../../src/config/versions.ts";
import type { KubeObject } from "../../src/kube/mod.ts";
import { helmRequirement } from "../kube_fake/helm_binary.ts";
import { type Requirement, sharedFile } from "../requirements.ts";

/** The chart archive. */
export const CERT_MANAGER_CHART: Requirement = sharedFile(`charts/${chartArchive(CHARTS.certManager)}`);
/** What {@link certManagerCrds} needs (for `requiring`). */
export const CERT_MANAGER_CRDS_NEEDS: Promise<Requirement[]> = helmRequirement().then((helm) => [
  helm,
  CERT_MANAGER_CHART,
]);

let rendered: Promise<KubeObject[]> | undefined;

/** The chart's CRDs (clusterissuers.cert-manager.io among them). */
export async function certManagerCrds(): Promise<KubeObject[]> {
  const crds = (await certManagerManifests()).filter((o) => o.kind === "CustomResourceDefinition");
  if (!crds.some((c) => c.metadata.name === "clusterissuers.cert-manager.io")) {
    throw new Error("the cert-manager chart rendered no clusterissuers.cert-manager.io CRD");
  }
  return crds;
}

/** Every object the chart renders as release `cert-manager` in namespace `cert-manager` (CRDs included). */
export function certManagerManifests(): Promise<KubeObject[]> {
  return rendered ??= (async () => {
    const [helm] = await CERT_MANAGER_CRDS_NEEDS;
    const home = await Deno.makeTempDir({ prefix: "k8zner-cert-manager-crds-" });
    try {
      const out = await new Deno.Command(helm!.path, {
        args: [
          "template",
          "cert-manager",
          CERT_MANAGER_CHART.path,
          "--namespace",
          "cert-manager",
          "--include-crds",
          "--set",
          "crds.enabled=true",
        ],
        // Nothing from the developer's own Helm (repositories, plugins).
        env: { HOME: home, HELM_CACHE_HOME: home, HELM_CONFIG_HOME: home, HELM_DATA_HOME: home },
        clearEnv: true,
        stdout: "piped",
        stderr: "piped",
      }).output();
      if (out.code !== 0) throw new Error(`helm template cert-manager failed: ${new TextDecoder().decode(out.stderr)}`);
      return parseAllDocuments(new TextDecoder().decode(out.stdout))
        .map((d) => d.toJS() as KubeObject | null)
        .filter((o): o is KubeObject => o !== null);
    } finally {
      await Deno.remove(home, { recursive: true });
    }
  })();
}
