/**
 * The version matrix: every pinned version k8zner installs, in one place. Each number says where
 * it was read and when (looked up 2026-11-26 in public release notes and dependency-bot PRs, since
 * the Helm repositories themselves are not reachable from the build machines). Bump here only,
 * together with the golden files (`UPDATE_GOLDEN=1`).
 *
 * @module
 */

/** Talos Linux release of node images and installer. Given by the project brief (issue 2, item 5). */
export const TALOS_VERSION = "v1.13.9";

/** Kubernetes version: the default of Talos v1.13.9 (issue 2, item 5). */
export const KUBERNETES_VERSION = "1.36.3";

/** A Helm chart pinned to one version. */
export interface ChartPin {
  repository: string;
  chart: string;
  version: string;
}

/** Helm charts of the addons. */
export const CHARTS = {
  /** cilium 1.19.3: latest 1.19.x patch seen (walnuts1018/infra PR #3416 "Update Helm release cilium to v1.19.3"); 1.19 is the current stable line (cilium releases page summary, 2026-07). */
  cilium: { repository: "https://helm.cilium.io", chart: "cilium", version: "1.19.3" },
  /** hcloud-cloud-controller-manager 1.33.0 (identiops/terraform-hcloud-k3s PR #121, 2026-06-12). */
  hcloudCcm: {
    repository: "https://charts.hetzner.cloud",
    chart: "hcloud-cloud-controller-manager",
    version: "1.33.0",
  },
  /** hcloud-csi 2.22.0 (identiops/terraform-hcloud-k3s PR #126, 2026-07-08; 2.21.0 added Kubernetes 1.36 support). */
  hcloudCsi: { repository: "https://charts.hetzner.cloud", chart: "hcloud-csi", version: "2.22.0" },
  /** metrics-server 3.14.0 (entigolabs/entigo-infralib PR #1641, 2026-08-26; built against Kubernetes 1.36.2). */
  metricsServer: {
    repository: "https://kubernetes-sigs.github.io/metrics-server",
    chart: "metrics-server",
    version: "3.14.0",
  },
  /** cert-manager v1.21.2 (Ashpex/homelab PR #54 "update helm release cert-manager to v1.21.2"; v1.21.0 notes in AndreiGavriliu/homelab PR #6878). */
  certManager: { repository: "https://charts.jetstack.io", chart: "cert-manager", version: "v1.21.2" },
  /** traefik 39.0.9 (cloudogu/gitops-playground PR #577, 2026-09-11; Traefik Proxy v3.6.x). */
  traefik: { repository: "https://traefik.github.io/charts", chart: "traefik", version: "39.0.9" },
  /** external-dns 1.22.0 for ExternalDNS v0.22.0 (kubernetes-sigs/external-dns PR #6650, 2026-08-21). */
  externalDns: {
    repository: "https://kubernetes-sigs.github.io/external-dns",
    chart: "external-dns",
    version: "1.22.0",
  },
  /** argo-cd 9.7.0 (AndreiGavriliu/homelab PR #6709, 2026-06-22). */
  argocd: { repository: "https://argoproj.github.io/argo-helm", chart: "argo-cd", version: "9.7.0" },
  /** kube-prometheus-stack 88.2.0 (AndreiGavriliu/homelab PR #7151, 2026-08-07; bundles prometheus-operator v0.93.0 per sapcc/helm-charts PR #12596). */
  kubePrometheusStack: {
    repository: "https://prometheus-community.github.io/helm-charts",
    chart: "kube-prometheus-stack",
    version: "88.2.0",
  },
} as const satisfies Record<string, ChartPin>;

/** Raw manifests applied before the charts. */
export const MANIFESTS = {
  /** Gateway API v1.5.1, standard channel (christianhuth/helm-charts PR #3107; the Traefik chart README points at v1.5.1). */
  gatewayApiCrds: {
    version: "v1.5.1",
    url: "https://github.com/kubernetes-sigs/gateway-api/releases/download/v1.5.1/standard-install.yaml",
  },
  /** prometheus-operator v0.93.0 CRDs, matching kube-prometheus-stack 88.2.0 (sapcc/helm-charts PR #12596, 2026-08-18). */
  prometheusOperatorCrds: {
    version: "v0.93.0",
    url: "https://github.com/prometheus-operator/prometheus-operator/releases/download/v0.93.0/stripped-down-crds.yaml",
  },
} as const;

/** Container images k8zner references directly. */
export const IMAGES = {
  /**
   * talos-backup has no stable release; v0.1.0-beta.3-10-gb9fd478 is the newest published image
   * (siderolabs/talos-backup issue #52, comment of 2026-06-24; the plain beta.3 tag is a year older).
   */
  talosBackup: "ghcr.io/siderolabs/talos-backup:v0.1.0-beta.3-10-gb9fd478",
  /** Talos installer for the pinned Talos version. */
  talosInstaller: `ghcr.io/siderolabs/installer:${TALOS_VERSION}`,
} as const;
