/**
 * The addons installed as Helm releases, in install order, each with its pinned chart and its values
 * rendered from the desired state. The Helm runner installs what this lists; release names are the keys
 * of `status.addons` and what `helm list -A` shows.
 *
 * Install order: Cilium alone in the CNI phase (nothing on the pod network can start before it), then the
 * CCM (initialises Nodes, needs only the host network), the CSI driver, metrics-server. The Gateway API
 * CRDs ({@link GATEWAY_API_CRDS_FILE}) are applied by server-side apply before any chart.
 *
 * @module
 */
import { type ChartPin, type DesiredState, MANIFESTS } from "../config/mod.ts";
import { renderCiliumValues } from "./values/cilium.ts";
import { renderHcloudCcmValues } from "./values/hcloud_ccm.ts";
import { HCLOUD_CSI_RELEASE, renderHcloudCsiValues } from "./values/hcloud_csi.ts";
import { METRICS_SERVER_RELEASE, renderMetricsServerValues } from "./values/metrics_server.ts";

/** The reconcile phase that installs a release. */
export type AddonPhase = "CNI" | "Addons";

/** One Helm release k8zner installs. */
export interface AddonRelease {
  /** Helm release name, and the key in `status.addons`. */
  name: string;
  namespace: string;
  /** From src/config/versions.ts `CHARTS` (through the desired state). */
  chart: ChartPin;
  phase: AddonPhase;
  /** Pure, from the desired state; never a secret (tokens and passphrases are read from Secrets). */
  values: Record<string, unknown>;
  /** `helm --timeout`, in seconds. */
  timeoutSeconds: number;
}

/** The Gateway API standard-channel CRD bundle, beside the chart archives. */
export const GATEWAY_API_CRDS_FILE: "gateway-api-standard-crds.yaml" = MANIFESTS.gatewayApiCrds.file;

/**
 * How long Helm may wait for a release to be ready. Cilium pulls its agent, Envoy, operator and Hubble
 * Relay images on every node and then turns each node Ready; the others are one small image each.
 */
const CILIUM_TIMEOUT_SECONDS = 600;
const ADDON_TIMEOUT_SECONDS = 300;

/** The enabled releases of issue 12, in install order (cilium, hcloud-cloud-controller-manager, hcloud-csi, metrics-server). */
export function addonReleases(desired: DesiredState): AddonRelease[] {
  const { cilium, hcloudCcm, hcloudCsi, metricsServer } = desired.addons;
  const releases: (AddonRelease & { enabled: boolean })[] = [
    {
      name: "cilium",
      enabled: cilium.enabled,
      namespace: cilium.namespace,
      chart: cilium.chart,
      phase: "CNI",
      values: renderCiliumValues(desired),
      timeoutSeconds: CILIUM_TIMEOUT_SECONDS,
    },
    {
      name: "hcloud-cloud-controller-manager",
      enabled: hcloudCcm.enabled,
      namespace: hcloudCcm.namespace,
      chart: hcloudCcm.chart,
      phase: "Addons",
      values: renderHcloudCcmValues(desired),
      timeoutSeconds: ADDON_TIMEOUT_SECONDS,
    },
    {
      name: HCLOUD_CSI_RELEASE,
      enabled: hcloudCsi.enabled,
      namespace: hcloudCsi.namespace,
      chart: hcloudCsi.chart,
      phase: "Addons",
      values: renderHcloudCsiValues(desired),
      timeoutSeconds: ADDON_TIMEOUT_SECONDS,
    },
    {
      name: METRICS_SERVER_RELEASE,
      enabled: metricsServer.enabled,
      namespace: metricsServer.namespace,
      chart: metricsServer.chart,
      phase: "Addons",
      values: renderMetricsServerValues(desired),
      timeoutSeconds: ADDON_TIMEOUT_SECONDS,
    },
  ];
  return releases.filter((r) => r.enabled).map(({ enabled: _, ...release }) => release);
}

/** `<chart>-<version>.tgz`: the archive's file name in the charts directory (what `helm package` writes). */
export function chartArchive(pin: ChartPin): string {
  return `${pin.chart}-${pin.version}.tgz`;
}
