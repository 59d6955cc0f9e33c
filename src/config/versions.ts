/**
 * The version matrix: every pinned version k8zner installs, in one place. Each number says where
 * it comes from. Charts and CRD bundles follow the archives in `../shared/charts` (see its `SOURCES.md`),
 * the files the operator image ships and the tests render with the real Helm. Bump here only, together
 * with those archives and the golden files (`UPDATE_GOLDEN=1`).
 *
 * @module
 */

/** Talos Linux release of node images and installer. Given by the project brief (issue 2, item 5). */
export const TALOS_VERSION = "v1.13.9";

/** Kubernetes version: the default of Talos v1.13.9 (issue 2, item 5). */
export const KUBERNETES_VERSION = "1.36.3";

/*
 * The versions this CLI installs and upgrades to (issue 15): a config may pin any of them with
 * `talos_version` / `kubernetes_version`; anything else is refused. The newest of each list is the default
 * above. Talos supports each Kubernetes minor listed for its own minor (Talos support matrix).
 */

/** Talos versions this CLI can install and upgrade to, oldest first; the last is TALOS_VERSION. */
export const SUPPORTED_TALOS_VERSIONS = ["v1.12.6", "v1.13.9"] as const;
/** Kubernetes versions, oldest first; the last is KUBERNETES_VERSION. Each Talos minor runs the Kubernetes minors listed. */
export const SUPPORTED_KUBERNETES_VERSIONS = ["1.35.2", "1.36.3"] as const;
/** Kubernetes minors each Talos minor runs, keyed by Talos minor without the "v". */
export const KUBERNETES_MINORS_BY_TALOS_MINOR: Record<string, string[]> = {
  "1.12": ["1.35"],
  "1.13": ["1.35", "1.36"],
};

/** A Helm chart pinned to one version. */
export interface ChartPin {
  repository: string;
  chart: string;
  version: string;
  /** SHA-256 (hex) of the packaged archive `<chart>-<version>.tgz`: the operator image ships it, a fetch is checked against it. */
  sha256: string;
}

/**
 * Helm charts of the addons. Each version is the archive in `../shared/charts` (provenance in its
 * `SOURCES.md`: upstream repository, tag and commit); the operator image ships those same archives, and
 * `tests/addons/chart_pins_test.ts` checks each file's sha256 and Chart.yaml against the pin.
 */
export const CHARTS = {
  /** cilium 1.19.3: SOURCES.md, the released archive from cilium/charts; `sha256` as listed there. */
  cilium: {
    repository: "https://helm.cilium.io",
    chart: "cilium",
    version: "1.19.3",
    sha256: "c8e05df9eabf9019e62f5103e1f35814b4f1b43916f88519e5ae4e36c69aa42b",
  },
  /** hcloud-cloud-controller-manager 1.33.0: SOURCES.md, tag v1.33.0; `sha256` as listed there. */
  hcloudCcm: {
    repository: "https://charts.hetzner.cloud",
    chart: "hcloud-cloud-controller-manager",
    version: "1.33.0",
    sha256: "7503103d31af2ff57c330fa32a1414d746f7a6453bf128b1275174a0dd8f8b3a",
  },
  /** hcloud-csi 2.22.0: SOURCES.md, tag v2.22.0; `sha256` as listed there. */
  hcloudCsi: {
    repository: "https://charts.hetzner.cloud",
    chart: "hcloud-csi",
    version: "2.22.0",
    sha256: "40d2414ab98db03de060c6d9e9f5b8d54bb32e6610206f4a495d2959d5aba26d",
  },
  /** metrics-server 3.13.1: SOURCES.md, tag metrics-server-helm-chart-3.13.1 (no 3.14.0 exists there); `sha256` as listed there. */
  metricsServer: {
    repository: "https://kubernetes-sigs.github.io/metrics-server",
    chart: "metrics-server",
    version: "3.13.1",
    sha256: "597ae2557a1ab5a4dc888fdc4315c6d962dfa7258766f3ec9ba902d581b60e08",
  },
  /** cert-manager v1.21.1: SOURCES.md, tag v1.21.1 (no v1.21.2 tag exists there); `sha256` as listed there. */
  certManager: {
    repository: "https://charts.jetstack.io",
    chart: "cert-manager",
    version: "v1.21.1",
    sha256: "a8cd66ff9f8a185ad95acc56ce933d740a3957902e7c3054016f9b9779f6006e",
  },
  /** traefik 39.0.9: SOURCES.md, tag v39.0.9; `sha256` as listed there. */
  traefik: {
    repository: "https://traefik.github.io/charts",
    chart: "traefik",
    version: "39.0.9",
    sha256: "d7c31a6b3d9c8ee9721e22e4bca2122d6119d12efb889cd3ed0e94b9558b8f07",
  },
  /** external-dns 1.21.1: SOURCES.md, tag external-dns-helm-chart-1.21.1 (no 1.22.0 exists there); `sha256` as listed there. */
  externalDns: {
    repository: "https://kubernetes-sigs.github.io/external-dns",
    chart: "external-dns",
    version: "1.21.1",
    sha256: "c51403321603d958898fe252b0992ec5aaef0af8cc6c7bc91f04be3101a6e1a7",
  },
  /** argo-cd 9.7.0: SOURCES.md, tag argo-cd-9.7.0 (redis-ha 4.34.11 inside); `sha256` as listed there. */
  argocd: {
    repository: "https://argoproj.github.io/argo-helm",
    chart: "argo-cd",
    version: "9.7.0",
    sha256: "c6eebf8d203f9a8f4d4f4e6e869cc3bb4a9d902a6c059aac2cccc2e41c445b01",
  },
  /** kube-prometheus-stack 88.2.0: SOURCES.md, tag kube-prometheus-stack-88.2.0 (prometheus-operator v0.93.0); `sha256` as listed there. */
  kubePrometheusStack: {
    repository: "https://prometheus-community.github.io/helm-charts",
    chart: "kube-prometheus-stack",
    version: "88.2.0",
    sha256: "325ff8fa9087547fa8379fa9fb189918b5cf6710b3af2b702448c6735b9e9137",
  },
} as const satisfies Record<string, ChartPin>;

/** A raw manifest bundle pinned to one version: `file` is its name beside the chart archives. */
export interface ManifestPin {
  version: string;
  url: string;
  file: string;
  /** SHA-256 (hex) of `file`. */
  sha256: string;
}

/**
 * The ten CRDs of prometheus-operator v0.93.0 by plural, in the C-locale order of their files, which
 * {@link MANIFESTS}' `prometheusOperatorCrds` concatenates (group `monitoring.coreos.com`).
 */
export const PROMETHEUS_OPERATOR_CRD_PLURALS = [
  "alertmanagerconfigs",
  "alertmanagers",
  "podmonitors",
  "probes",
  "prometheusagents",
  "prometheuses",
  "prometheusrules",
  "scrapeconfigs",
  "servicemonitors",
  "thanosrulers",
] as const;

/** Raw manifests applied before the charts; the files sit beside the chart archives in `../shared/charts`. */
export const MANIFESTS = {
  /**
   * Gateway API v1.5.1, standard channel: SOURCES.md, `gateway-api-standard-crds.yaml` built with the release's
   * `hack/build-install-yaml.sh` at tag v1.5.1 (the release asset `standard-install.yaml`; SOURCES.md notes it
   * was not byte-compared with that asset); `sha256` as listed there.
   */
  gatewayApiCrds: {
    version: "v1.5.1",
    file: "gateway-api-standard-crds.yaml",
    sha256: "751002b3b91a87f7ae3bd2517c79a47a8d7ed6702901808a1cf9bd97d284f9b8",
    url: "https://github.com/kubernetes-sigs/gateway-api/releases/download/v1.5.1/standard-install.yaml",
  },
  /**
   * prometheus-operator v0.93.0 CRDs, matching kube-prometheus-stack 88.2.0: SOURCES.md,
   * `prometheus-operator-crds.yaml` = the `*.yaml` files of `example/prometheus-operator-crd/` at tag v0.93.0
   * concatenated in C-locale order: the full CRDs with descriptions. The release assets have no such file (only
   * `bundle.yaml`, which adds the operator, and `stripped-down-crds.yaml`, without descriptions), so `url` is
   * that directory; `sha256` is the concatenation's, as listed in SOURCES.md.
   */
  prometheusOperatorCrds: {
    version: "v0.93.0",
    file: "prometheus-operator-crds.yaml",
    sha256: "1cdd6ee90f61d298c2ccdf2d4b2c5dbb640f45b454e293d7c3fd5186f7181d62",
    url:
      "https://raw.githubusercontent.com/prometheus-operator/prometheus-operator/v0.93.0/example/prometheus-operator-crd/",
  },
} as const satisfies Record<string, ManifestPin>;

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
