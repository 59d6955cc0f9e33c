/**
 * The Helm engine of the operator (ADR 0007): the Helm process runner, release state read from Helm's
 * storage Secrets, the pure decision of what to do with a release, its command lines, values hash,
 * retry timing and error summaries.
 *
 * @module
 */
export {
  createHelmExec,
  type HelmExec,
  type HelmExecOptions,
  type HelmResult,
  type HelmRunOptions,
} from "./helm_exec.ts";
export {
  CHART_VERSION_LABEL,
  helmReleaseSelector,
  type HelmStatus,
  releaseHistories,
  type ReleaseRevision,
  VALUES_HASH_LABEL,
} from "./release_state.ts";
export { planRelease, type ReleasePlan, type ReleaseTarget } from "./release_plan.ts";
export { type ChartSource, HISTORY_MAX, rollbackArgs, uninstallArgs, upgradeInstallArgs } from "./helm_args.ts";
export { canonicalValues, VALUES_HASH_LENGTH, valuesHash } from "./values_hash.ts";
export { nextBackoff, RELEASE_BACKOFF_MS, type ReleaseBackoff, waitMs } from "./backoff.ts";
export { ERROR_LINES, helmErrorSummary, scrubSecrets } from "./helm_error.ts";
