/**
 * The addons installed as Helm releases, in install order, each with its pinned chart and its values
 * rendered from the desired state. The Helm runner installs what this lists; release names are the keys
 * of `status.addons` and what `helm list -A` shows.
 *
 * Install order: Cilium alone in the CNI phase (nothing on the pod network can start before it), then the
 * CCM (initialises Nodes, needs only the host network), the CSI driver, metrics-server, cert-manager,
 * Traefik, external-dns (only with a domain), Argo CD and kube-prometheus-stack (only with monitoring). The
 * Gateway API CRDs ({@link GATEWAY_API_CRDS_FILE}) are applied by server-side apply before any chart, the
 * Prometheus operator CRDs ({@link PROMETHEUS_OPERATOR_CRDS_FILE}) before the Addons phase's charts.
 *
 * @module
 */
import { type ChartPin, type DesiredState, MANIFESTS } from "../config/mod.ts";
import { ARGOCD_RELEASE, renderArgocdValues } from "./values/argocd.ts";
import { CERT_MANAGER_RELEASE, renderCertManagerValues } from "./values/cert_manager.ts";
import { renderCiliumValues } from "./values/cilium.ts";
import { EXTERNAL_DNS_RELEASE, renderExternalDnsValues } from "./values/external_dns.ts";
import { renderHcloudCcmValues } from "./values/hcloud_ccm.ts";
import { HCLOUD_CSI_RELEASE, renderHcloudCsiValues } from "./values/hcloud_csi.ts";
import { KUBE_PROMETHEUS_STACK_RELEASE, renderKubePrometheusStackValues } from "./values/kube_prometheus_stack.ts";
import { METRICS_SERVER_RELEASE, renderMetricsServerValues } from "./values/metrics_server.ts";
import { renderTraefikValues, TRAEFIK_RELEASE } from "./values/traefik.ts";

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
  /**
   * Helm's client-side apply (`--server-side=false`) for a chart whose `crds/` holds CRDs k8zner applies
   * itself. Helm 4 server-side applies `crds/` on install, so Traefik's Gateway API v1.4.0 CRDs would
   * conflict with the v1.5.1 bundle the operator owns (409 on `.spec.versions`); a client-side create
   * gets AlreadyExists for those and Helm skips them, while Traefik's own CRDs are still created.
   */
  clientSideApply?: true;
}

/** The Gateway API standard-channel CRD bundle, beside the chart archives. */
export const GATEWAY_API_CRDS_FILE: "gateway-api-standard-crds.yaml" = MANIFESTS.gatewayApiCrds.file;

/** The Prometheus operator CRD bundle (v0.93.0, kube-prometheus-stack's operator), beside the chart archives. */
export const PROMETHEUS_OPERATOR_CRDS_FILE: "prometheus-operator-crds.yaml" = MANIFESTS.prometheusOperatorCrds.file;

/**
 * How long Helm may wait for a release to be ready. Cilium pulls its agent, Envoy, operator and Hubble
 * Relay images on every node and then turns each node Ready; most others are a few small images.
 * Traefik is ready only once the CCM has created its load balancer (Helm waits for the Service's
 * address); Argo CD starts seven to ten workloads (redis-ha's three Redis in turn); kube-prometheus-stack
 * runs its webhook certificate Jobs, pulls about ten images and waits for Prometheus's 50 Gi volume.
 */
const CILIUM_TIMEOUT_SECONDS = 600;
const ADDON_TIMEOUT_SECONDS = 300;
const TRAEFIK_TIMEOUT_SECONDS = 600;
const ARGOCD_TIMEOUT_SECONDS = 600;
const KUBE_PROMETHEUS_STACK_TIMEOUT_SECONDS = 900;

/**
 * The enabled releases in install order: cilium (CNI), then hcloud-cloud-controller-manager, hcloud-csi,
 * metrics-server, cert-manager, traefik, external-dns, argo-cd, kube-prometheus-stack (Addons).
 */
export function addonReleases(desired: DesiredState): AddonRelease[] {
  const { cilium, hcloudCcm, hcloudCsi, metricsServer, certManager, traefik, externalDns, argocd } = desired.addons;
  const stack = desired.addons.kubePrometheusStack;
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
    {
      name: CERT_MANAGER_RELEASE,
      enabled: certManager.enabled,
      namespace: certManager.namespace,
      chart: certManager.chart,
      phase: "Addons",
      values: renderCertManagerValues(desired),
      timeoutSeconds: ADDON_TIMEOUT_SECONDS,
    },
    {
      name: TRAEFIK_RELEASE,
      enabled: traefik.enabled,
      namespace: traefik.namespace,
      chart: traefik.chart,
      phase: "Addons",
      values: renderTraefikValues(desired),
      timeoutSeconds: TRAEFIK_TIMEOUT_SECONDS,
      clientSideApply: true,
    },
    {
      name: EXTERNAL_DNS_RELEASE,
      enabled: externalDns.enabled,
      namespace: externalDns.namespace,
      chart: externalDns.chart,
      phase: "Addons",
      values: renderExternalDnsValues(desired),
      timeoutSeconds: ADDON_TIMEOUT_SECONDS,
    },
    {
      name: ARGOCD_RELEASE,
      enabled: argocd.enabled,
      namespace: argocd.namespace,
      chart: argocd.chart,
      phase: "Addons",
      values: renderArgocdValues(desired),
      timeoutSeconds: ARGOCD_TIMEOUT_SECONDS,
    },
    {
      name: KUBE_PROMETHEUS_STACK_RELEASE,
      enabled: stack.enabled,
      namespace: stack.namespace,
      chart: stack.chart,
      phase: "Addons",
      values: renderKubePrometheusStackValues(desired),
      timeoutSeconds: KUBE_PROMETHEUS_STACK_TIMEOUT_SECONDS,
    },
  ];
  return releases.filter((r) => r.enabled).map(({ enabled: _, ...release }) => release);
}

/** `<chart>-<version>.tgz`: the archive's file name in the charts directory (what `helm package` writes). */
export function chartArchive(pin: ChartPin): string {
  return `${pin.chart}-${pin.version}.tgz`;
}
