/**
 * What the operator image carries besides the k8zner binary (issue 12): the pinned chart archives and
 * CRD bundles under `/charts`, and Helm at `/usr/local/bin/helm`. Each is fetched from its upstream
 * location by `deno task fetch-release-assets` and checked by SHA-256 before it is written.
 *
 * The release build is the only user, so this lives under scripts/, not src/: the operator finds the
 * archives by file name in `--charts-dir` and never needs their digests at run time.
 *
 * File names and versions come from `src/config/versions.ts` (`CHARTS`, `MANIFESTS`), so every pinned
 * chart has an entry by construction (a missing one is a type error); this file adds where upstream
 * serves each one. Two digests per asset, because most files in `../shared/charts` were rebuilt from
 * the upstream tag with `helm package` (SOURCES.md) rather than copied, and a rebuilt archive has
 * other bytes (mtimes, gzip header) than the one the chart repository serves:
 * - `sha256` is the pin's, the file in `../shared/charts`; the tests and `--from` check it.
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

import { CHARTS, MANIFESTS, PROMETHEUS_OPERATOR_CRD_PLURALS } from "../src/config/versions.ts";
import { chartArchive } from "../src/addons/catalog.ts";

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

/** Where upstream serves one pinned file, and what is known about its bytes. */
type UpstreamSource = Pick<ChartAsset, "urls" | "upstream" | "upstreamSha256" | "evidence">;

/** Upstream of each chart of `CHARTS`: the chart repository's archive of exactly that version. */
const CHART_UPSTREAM: { [K in keyof typeof CHARTS]: UpstreamSource } = {
  cilium: {
    urls: ["https://helm.cilium.io/cilium-1.19.3.tgz"],
    upstream: "identical",
    evidence: "SOURCES.md: the released archive, equal to the digest in cilium/charts index.yaml (measured)",
  },
  // charts.hetzner.cloud is GitHub Pages of hetznercloud/helm-charts, which keeps the archives in Git LFS.
  hcloudCcm: {
    urls: ["https://charts.hetzner.cloud/hcloud-cloud-controller-manager-1.33.0.tgz"],
    upstream: "differs",
    upstreamSha256: "b63437902639ffb24f38aa0847c69c30370dc41c3aef82c44ccb080127f9b3e6",
    evidence: "hetznercloud/helm-charts index.yaml digest = LFS oid of the archive (5340 bytes; measured 2026-12-06)",
  },
  hcloudCsi: {
    urls: ["https://charts.hetzner.cloud/hcloud-csi-2.22.0.tgz"],
    upstream: "differs",
    upstreamSha256: "b8eb8ded7db70737251360dc0e1915542eb91ba2e0ebadefaa2ebb3af82b8345",
    evidence: "hetznercloud/helm-charts index.yaml digest = LFS oid of the archive (15062 bytes; measured 2026-12-06)",
  },
  metricsServer: {
    urls: [
      "https://github.com/kubernetes-sigs/metrics-server/releases/download/metrics-server-helm-chart-3.13.1/metrics-server-3.13.1.tgz",
    ],
    upstream: "differs",
    upstreamSha256: "084e6edb680cf4e2acc30bd496568c53fdf663cbacf6e17876b25785c35b7a13",
    evidence:
      "pinned for this chart by public repositories (one Dockerfile runs sha256sum -c on helm pull's archive); " +
      "not downloaded here; the vendored file was packaged from the tag",
  },
  certManager: {
    urls: ["https://charts.jetstack.io/charts/cert-manager-v1.21.1.tgz"],
    upstream: "differs",
    upstreamSha256: "c27101f3f3e2349fb4a9e704316105bf7b52ad73b8c8257d3498ef7f2f6a4adc",
    evidence:
      "pinned for this URL by a public repository's manifest and test; not downloaded here; the vendored file " +
      "was packaged from tag v1.21.1 as make/manifests.mk does",
  },
  traefik: {
    urls: ["https://traefik.github.io/charts/traefik/traefik-39.0.9.tgz"],
    upstream: "unverified",
    evidence: "SOURCES.md: packaged from tag v39.0.9; no digest of the chart repository's archive was available",
  },
  externalDns: {
    urls: [
      "https://github.com/kubernetes-sigs/external-dns/releases/download/external-dns-helm-chart-1.21.1/external-dns-1.21.1.tgz",
    ],
    upstream: "differs",
    upstreamSha256: "5dd033a4b872bf641860695705ee460031d0bc695f114bf8926fee6736814e19",
    evidence: "pinned for this URL by one public repository's chart catalog; not downloaded here; the vendored file " +
      "was packaged from the tag",
  },
  argocd: {
    urls: ["https://github.com/argoproj/argo-helm/releases/download/argo-cd-9.7.0/argo-cd-9.7.0.tgz"],
    upstream: "unverified",
    evidence: "SOURCES.md: packaged from tag argo-cd-9.7.0 with redis-ha placed by hand; no upstream digest available",
  },
  kubePrometheusStack: {
    urls: [
      "https://github.com/prometheus-community/helm-charts/releases/download/kube-prometheus-stack-88.2.0/kube-prometheus-stack-88.2.0.tgz",
    ],
    upstream: "unverified",
    evidence: "SOURCES.md: packaged from tag kube-prometheus-stack-88.2.0 with subcharts placed by hand; no upstream " +
      "digest available",
  },
};

/** Upstream of each bundle of `MANIFESTS`. */
const MANIFEST_UPSTREAM: { [K in keyof typeof MANIFESTS]: UpstreamSource } = {
  gatewayApiCrds: {
    urls: [MANIFESTS.gatewayApiCrds.url],
    upstream: "identical",
    evidence: "a public repository pins this URL to the same sha256; not downloaded here (SOURCES.md: the vendored " +
      "file is hack/build-install-yaml.sh at v1.5.1 run by hand)",
  },
  // The full CRDs (with descriptions): exactly `cat` of the files at the tag in C-locale order.
  prometheusOperatorCrds: {
    urls: PROMETHEUS_OPERATOR_CRD_PLURALS.map((name) =>
      `${MANIFESTS.prometheusOperatorCrds.url}monitoring.coreos.com_${name}.yaml`
    ),
    upstream: "identical",
    evidence: "the ten files at v0.93.0 (git show) concatenated give this digest (measured 2026-12-06)",
  },
};

/** Chart archives and CRD bundles, in the order of `src/config/versions.ts`. */
export const CHART_ASSETS: readonly ChartAsset[] = [
  ...(Object.keys(CHARTS) as (keyof typeof CHARTS)[]).map((key) => ({
    file: chartArchive(CHARTS[key]),
    sha256: CHARTS[key].sha256,
    ...CHART_UPSTREAM[key],
  })),
  ...(Object.keys(MANIFESTS) as (keyof typeof MANIFESTS)[]).map((key) => ({
    file: MANIFESTS[key].file,
    sha256: MANIFESTS[key].sha256,
    ...MANIFEST_UPSTREAM[key],
  })),
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
