/**
 * k8zner.yaml: the spec, its validation, JSON Schema, YAML rendering and expansion into the
 * desired state. Other folders import from here.
 *
 * @module
 */
export * from "./spec.ts";
export {
  checkFieldValue,
  type FieldPosition,
  parseConfig,
  type ParseOptions,
  type ParseResult,
  REQUIRED_ENV,
} from "./parse.ts";
export { ConfigError, type ConfigProblem, formatProblem, formatProblems } from "./problems.ts";
export { renderSpecYaml } from "./render.ts";
export { CIDR_FORMAT, configJsonSchema, isK8znerCidr } from "./schema.ts";
export {
  API_LB_PRIVATE_IP,
  CONTROL_PLANE_SUBNET,
  type ExpandOptions,
  expandSpec,
  KUBE_API_PORT,
  LOAD_BALANCER_SUBNET,
  NETWORK_CIDR,
  NODE_CIDR,
  POD_CIDR,
  SERVICE_CIDR,
  TALOS_API_PORT,
  WORKER_SUBNET,
  workerPlacementGroup,
} from "./expand.ts";
export type * from "./desired_state.ts";
export {
  type ChartPin,
  CHARTS,
  IMAGES,
  KUBERNETES_MINORS_BY_TALOS_MINOR,
  KUBERNETES_VERSION,
  type ManifestPin,
  MANIFESTS,
  PROMETHEUS_OPERATOR_CRD_PLURALS,
  SUPPORTED_KUBERNETES_VERSIONS,
  SUPPORTED_TALOS_VERSIONS,
  TALOS_VERSION,
} from "./versions.ts";
export {
  BACKUP_BUCKET_SUFFIX,
  DEFAULT_BACKUP_RETENTION_DAYS,
  MAX_BACKUP_RETENTION_DAYS,
  MAX_NAME_LENGTH,
  MAX_NAME_LENGTH_WITH_BACKUP,
} from "./fields.ts";
export { clusterLabels, clusterSelector, LABEL_KEYS, MANAGED_BY, roleLabels, roleSelector } from "../lib/labels.ts";
export {
  checkVersionChange,
  compareVersions,
  type CurrentVersions,
  explainPair,
  minorOf,
  resolveVersions,
  runsOn,
  type VersionField,
  type VersionProblem,
} from "./version_rules.ts";
