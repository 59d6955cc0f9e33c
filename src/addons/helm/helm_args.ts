/**
 * The Helm command lines k8zner runs (pure). Values never appear here: they go in a file
 * ({@link HelmRunOptions.values}).
 *
 * @module
 */
import type { ChartPin } from "../../config/versions.ts";
import { CHART_VERSION_LABEL, VALUES_HASH_LABEL } from "./release_state.ts";

/** Where the chart comes from: the archive in the image, or (archive absent) its repository. */
export type ChartSource = { archive: string } | { pin: ChartPin };

/** Revisions Helm keeps per release. */
export const HISTORY_MAX = 5;

function chartArgs(source: ChartSource): string[] {
  return "archive" in source
    ? [source.archive]
    : [source.pin.chart, "--repo", source.pin.repository, "--version", source.pin.version];
}

/** `helm upgrade --install …` of one release, with our labels on the revision. */
export function upgradeInstallArgs(input: {
  release: string;
  namespace: string;
  source: ChartSource;
  timeoutSeconds: number;
  chartVersion: string;
  valuesHash: string;
  /** `--server-side=false`: see `AddonRelease.clientSideApply`. */
  clientSideApply?: boolean;
}): string[] {
  return [
    "upgrade",
    "--install",
    input.release,
    ...chartArgs(input.source),
    "--namespace",
    input.namespace,
    "--create-namespace",
    "--wait",
    "--timeout",
    `${input.timeoutSeconds}s`,
    "--history-max",
    String(HISTORY_MAX),
    "--labels",
    `${CHART_VERSION_LABEL}=${input.chartVersion},${VALUES_HASH_LABEL}=${input.valuesHash}`,
    ...(input.clientSideApply ? ["--server-side=false"] : []),
  ];
}

/** `helm rollback <release> <revision>`: back to the last good revision after an interrupted operation. */
export function rollbackArgs(input: {
  release: string;
  namespace: string;
  revision: number;
  timeoutSeconds: number;
}): string[] {
  return [
    "rollback",
    input.release,
    String(input.revision),
    "--namespace",
    input.namespace,
    "--wait",
    "--timeout",
    `${input.timeoutSeconds}s`,
    "--history-max",
    String(HISTORY_MAX),
  ];
}

/** `helm uninstall <release>`: only for a release that never had a good revision. */
export function uninstallArgs(input: { release: string; namespace: string; timeoutSeconds: number }): string[] {
  return [
    "uninstall",
    input.release,
    "--namespace",
    input.namespace,
    "--wait",
    "--timeout",
    `${input.timeoutSeconds}s`,
  ];
}
