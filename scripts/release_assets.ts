/**
 * What the operator image carries besides the k8zner binary (issue 12): the pinned chart archives and
 * CRD bundles under `/charts`, and Helm at `/usr/local/bin/helm`. Each is fetched from its upstream
 * location by `deno task fetch-release-assets` and checked by SHA-256 before it is written.
 *
 * The release build is the only user, so this lives under scripts/, not src/: the operator finds the
 * archives by file name in `--charts-dir` and never needs their digests at run time.
 *
 * Two digests per asset, because most files in `../shared/charts` were rebuilt from the upstream tag
 * with `helm package` (SOURCES.md) rather than copied, and a rebuilt archive has other bytes (mtimes,
 * gzip header) than the one the chart repository serves:
 * - `sha256` is the file in `../shared/charts` (SOURCES.md); the tests and `--from` check it.
 * - `upstreamSha256` is what the download must have, when it is known to differ. `upstream` says how
 *   much is known, and `evidence` where from (the chart repository's own index, measured here, is
 *   stronger than a digest other public repositories pin for the same URL):
 *   - `identical`: the vendored file is the upstream file, one digest.
 *   - `differs`: upstream's digest is known and recorded; the content is the same tag, repackaged.
 *   - `unverified`: upstream's digest was not available here; the download is checked against the
 *     vendored digest, so a difference stops the release with both digests named. Confirm the
 *     upstream file's provenance, then record its digest as `upstreamSha256` with `differs`.
 * Nothing is taken on trust either way: a wrong `upstreamSha256` fails the release, it cannot let
 * other bytes in.
 *
 * @module
 */

/** How the vendored file relates to the bytes at the upstream URL. */
export type UpstreamMatch = "identical" | "differs" | "unverified";

/** One file of the image's `/charts`. */
export interface ChartAsset {
  /** File name in `/charts` and in `../shared/charts` (`<chart>-<version>.tgz` for charts). */
  file: string;
  /** Upstream location; several URLs are concatenated in order (a bundle made with `cat`). */
  urls: readonly string[];
  /** SHA-256 of the vendored file (`../shared/charts/SOURCES.md`). */
  sha256: string;
  upstream: UpstreamMatch;
  /** SHA-256 of the upstream download, only with `upstream: "differs"`. */
  upstreamSha256?: string;
  /** Where `upstream`/`upstreamSha256` come from, in one line. */
  evidence: string;
}

/** The digest a download from upstream must have. */
export function expectedUpstreamSha256(asset: ChartAsset): string {
  return asset.upstreamSha256 ?? asset.sha256;
}

const PROMETHEUS_OPERATOR_COMMIT = "f8fafd475f3d132e239432ae6172de60a6cb6516"; // tag v0.93.0
const PROMETHEUS_OPERATOR_CRDS = [
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
];

/** Chart archives and CRD bundles, in the order of `src/config/versions.ts`. */
export const CHART_ASSETS: readonly ChartAsset[] = [
  {
    file: "cilium-1.19.3.tgz",
    urls: ["https://helm.cilium.io/cilium-1.19.3.tgz"],
    sha256: "c8e05df9eabf9019e62f5103e1f35814b4f1b43916f88519e5ae4e36c69aa42b",
    upstream: "identical",
    evidence: "SOURCES.md: the released archive, equal to the digest in cilium/charts index.yaml (measured)",
  },
  {
    // charts.hetzner.cloud is GitHub Pages of hetznercloud/helm-charts, which keeps the archives in Git LFS.
    file: "hcloud-cloud-controller-manager-1.33.0.tgz",
    urls: ["https://charts.hetzner.cloud/hcloud-cloud-controller-manager-1.33.0.tgz"],
    sha256: "7503103d31af2ff57c330fa32a1414d746f7a6453bf128b1275174a0dd8f8b3a",
    upstream: "differs",
    upstreamSha256: "b63437902639ffb24f38aa0847c69c30370dc41c3aef82c44ccb080127f9b3e6",
    evidence: "hetznercloud/helm-charts index.yaml digest = LFS oid of the archive (5340 bytes; measured 2026-12-06)",
  },
  {
    file: "hcloud-csi-2.22.0.tgz",
    urls: ["https://charts.hetzner.cloud/hcloud-csi-2.22.0.tgz"],
    sha256: "40d2414ab98db03de060c6d9e9f5b8d54bb32e6610206f4a495d2959d5aba26d",
    upstream: "differs",
    upstreamSha256: "b8eb8ded7db70737251360dc0e1915542eb91ba2e0ebadefaa2ebb3af82b8345",
    evidence: "hetznercloud/helm-charts index.yaml digest = LFS oid of the archive (15062 bytes; measured 2026-12-06)",
  },
  {
    file: "metrics-server-3.13.1.tgz",
    urls: [
      "https://github.com/kubernetes-sigs/metrics-server/releases/download/metrics-server-helm-chart-3.13.1/metrics-server-3.13.1.tgz",
    ],
    sha256: "597ae2557a1ab5a4dc888fdc4315c6d962dfa7258766f3ec9ba902d581b60e08",
    upstream: "differs",
    upstreamSha256: "084e6edb680cf4e2acc30bd496568c53fdf663cbacf6e17876b25785c35b7a13",
    evidence:
      "pinned for this chart by public repositories (one Dockerfile runs sha256sum -c on helm pull's archive); " +
      "not downloaded here; the vendored file was packaged from the tag",
  },
  {
    file: "cert-manager-v1.21.1.tgz",
    urls: ["https://charts.jetstack.io/charts/cert-manager-v1.21.1.tgz"],
    sha256: "a8cd66ff9f8a185ad95acc56ce933d740a3957902e7c3054016f9b9779f6006e",
    upstream: "differs",
    upstreamSha256: "c27101f3f3e2349fb4a9e704316105bf7b52ad73b8c8257d3498ef7f2f6a4adc",
    evidence:
      "pinned for this URL by a public repository's manifest and test; not downloaded here; the vendored file " +
      "was packaged from tag v1.21.1 as make/manifests.mk does",
  },
  {
    file: "traefik-39.0.9.tgz",
    urls: ["https://traefik.github.io/charts/traefik/traefik-39.0.9.tgz"],
    sha256: "d7c31a6b3d9c8ee9721e22e4bca2122d6119d12efb889cd3ed0e94b9558b8f07",
    upstream: "unverified",
    evidence: "SOURCES.md: packaged from tag v39.0.9; the chart repository's archive was not compared",
  },
  {
    file: "external-dns-1.21.1.tgz",
    urls: [
      "https://github.com/kubernetes-sigs/external-dns/releases/download/external-dns-helm-chart-1.21.1/external-dns-1.21.1.tgz",
    ],
    sha256: "c51403321603d958898fe252b0992ec5aaef0af8cc6c7bc91f04be3101a6e1a7",
    upstream: "differs",
    upstreamSha256: "5dd033a4b872bf641860695705ee460031d0bc695f114bf8926fee6736814e19",
    evidence: "pinned for this URL by one public repository's chart catalog; not downloaded here; the vendored file " +
      "was packaged from the tag",
  },
  {
    file: "argo-cd-9.7.0.tgz",
    urls: ["https://github.com/argoproj/argo-helm/releases/download/argo-cd-9.7.0/argo-cd-9.7.0.tgz"],
    sha256: "c6eebf8d203f9a8f4d4f4e6e869cc3bb4a9d902a6c059aac2cccc2e41c445b01",
    upstream: "unverified",
    evidence: "SOURCES.md: packaged from tag argo-cd-9.7.0 with redis-ha placed by hand; not compared",
  },
  {
    file: "kube-prometheus-stack-88.2.0.tgz",
    urls: [
      "https://github.com/prometheus-community/helm-charts/releases/download/kube-prometheus-stack-88.2.0/kube-prometheus-stack-88.2.0.tgz",
    ],
    sha256: "325ff8fa9087547fa8379fa9fb189918b5cf6710b3af2b702448c6735b9e9137",
    upstream: "unverified",
    evidence: "SOURCES.md: packaged from tag kube-prometheus-stack-88.2.0 with subcharts placed by hand; not compared",
  },
  {
    file: "gateway-api-standard-crds.yaml",
    urls: ["https://github.com/kubernetes-sigs/gateway-api/releases/download/v1.5.1/standard-install.yaml"],
    sha256: "751002b3b91a87f7ae3bd2517c79a47a8d7ed6702901808a1cf9bd97d284f9b8",
    upstream: "identical",
    evidence: "a public repository pins this URL to the same sha256; not downloaded here (SOURCES.md: the vendored " +
      "file is hack/build-install-yaml.sh at v1.5.1 run by hand)",
  },
  {
    // The full CRDs (with descriptions), exactly `cat` of the files at the tag's commit in C-locale order.
    file: "prometheus-operator-crds.yaml",
    urls: PROMETHEUS_OPERATOR_CRDS.map((name) =>
      `https://raw.githubusercontent.com/prometheus-operator/prometheus-operator/${PROMETHEUS_OPERATOR_COMMIT}/` +
      `example/prometheus-operator-crd/monitoring.coreos.com_${name}.yaml`
    ),
    sha256: "1cdd6ee90f61d298c2ccdf2d4b2c5dbb640f45b454e293d7c3fd5186f7181d62",
    upstream: "identical",
    evidence: "the ten files at v0.93.0 (git show) concatenated give this digest (measured 2026-12-06)",
  },
];

/** Helm as the image carries it: one file out of the upstream release tarball. */
export interface HelmAsset {
  version: string;
  url: string;
  /** Path of the binary inside the tarball. */
  entry: string;
  /** SHA-256 of the extracted binary. The tarball's own digest is not known here, so it is not pinned. */
  sha256: string;
}

/**
 * Helm v4.1.4 for linux/amd64 (the operator runs on the control planes, which are always amd64). The
 * binary's digest is the one of SOURCES.md and `tests/tools/layer_binaries.ts`: the npm layer package
 * it comes from is built by extracting `linux-amd64/helm` from this very tarball (cdklabs'
 * awscdk-asset-kubectl `layer/Dockerfile`), so the extracted file must match it. get.helm.sh also
 * publishes `<tarball>.sha256sum`, which was not reachable here, so the tarball itself is not pinned.
 */
export const HELM_ASSET: HelmAsset = {
  version: "v4.1.4",
  url: "https://get.helm.sh/helm-v4.1.4-linux-amd64.tar.gz",
  entry: "linux-amd64/helm",
  sha256: "210d576a6dc04b7864af4b5d9a5af58860bbc03d19174ffeddbd29d01d1b59a9",
};

/** Where the fetch task writes, relative to the checkout; `Dockerfile.operator` copies from here. */
export const OPERATOR_IMAGE_DIR = "dist/operator-image";
/** Paths inside the image; the operator's `--charts-dir` and `--helm-binary` defaults. */
export const IMAGE_CHARTS_DIR = "/charts";
export const IMAGE_HELM_PATH = "/usr/local/bin/helm";
