/**
 * The `K8znerCluster` CustomResourceDefinition (`k8zner.io/v1alpha1`): the desired cluster in
 * `spec` (written by `k8zner apply`), what the operator observed in `status`.
 *
 * Follows the earlier implementation's CRD (inventory §5.1) with its known defects fixed: network
 * defaults match the CLI's plan (10.0.0.0/16, nodes 10.0.0.0/17, pods 10.0.128.0/17, services
 * 10.96.0.0/12), `certEmail` and `apiAllowlist` exist, printer columns are integers, and the
 * worker bounds match the config's.
 *
 * @module
 */
import type { KubeObject } from "../kube/types.ts";
import { API_LOAD_BALANCER_MODES, MAX_WORKERS, MIN_WORKERS, REGIONS, SERVER_SIZES } from "../config/spec.ts";
import { NETWORK_CIDR, NODE_CIDR, POD_CIDR, SERVICE_CIDR } from "../config/expand.ts";
import { DEFAULT_BACKUP_RETENTION_DAYS, MAX_BACKUP_RETENTION_DAYS } from "../config/fields.ts";

export const K8ZNER_GROUP = "k8zner.io";
export const K8ZNER_VERSION = "v1alpha1";
export const K8ZNER_API_VERSION = `${K8ZNER_GROUP}/${K8ZNER_VERSION}`;
export const K8ZNER_CLUSTER_KIND = "K8znerCluster";
export const K8ZNER_CLUSTER_PLURAL = "k8znerclusters";
/** Namespace of the operator and of every K8znerCluster object. */
export const K8ZNER_NAMESPACE = "k8zner-system";

/**
 * `status.phase`: the one-word summary `kubectl get k8z` shows. `Provisioning` until every phase of
 * the design is done, then `Running`; `Degraded` when the Degraded condition is True, `Healing` while
 * a replacement runs, `Paused` under `spec.paused`, `Deleting` once the object is being deleted.
 */
export const CLUSTER_PHASES = [
  "Provisioning",
  "Running",
  "Degraded",
  "Healing",
  "Paused",
  "Deleting",
  "Failed",
] as const;
export type ClusterPhase = typeof CLUSTER_PHASES[number];
/**
 * `status.provisioningPhase`: the phases of the design, in order; the operator runs one step per phase
 * and reports the first one not yet done (`Running` once all are).
 */
export const PROVISIONING_PHASES = ["Infrastructure", "Compute", "WaitForK8s", "CNI", "Addons", "Running"] as const;
export type ProvisioningPhase = typeof PROVISIONING_PHASES[number];
/** `spec.deletionPolicy`: what deleting the K8znerCluster does to the cloud resources. */
export const DELETION_POLICIES = ["Retain", "Delete"] as const;
export type DeletionPolicy = typeof DELETION_POLICIES[number];
/** Per-node phases in `status.controlPlanes.nodes[].phase`. */
export const NODE_PHASES = [
  "CreatingServer",
  "WaitingForIP",
  "WaitingForTalosAPI",
  "ApplyingTalosConfig",
  "RebootingWithConfig",
  "WaitingForK8s",
  "NodeInitializing",
  "Ready",
  "Unhealthy",
  "Draining",
  "RemovingFromEtcd",
  "DeletingServer",
  "Failed",
] as const;
/**
 * Addon phases in `status.addons[name].phase`: Pending (waits for an earlier release or phase), Installing,
 * Upgrading, Recovering (rolling back or reinstalling a release a dead Helm process left pending),
 * Installed (deployed with the wanted chart and values), Failed (the last Helm run failed; retried at retryAt).
 */
export const ADDON_PHASES = ["Pending", "Installing", "Upgrading", "Recovering", "Installed", "Failed"] as const;
/** One of {@link ADDON_PHASES}. */
export type AddonPhaseName = typeof ADDON_PHASES[number];

type Schema = Record<string, unknown>;

const str = (extra: Schema = {}): Schema => ({ type: "string", ...extra });
const bool = (extra: Schema = {}): Schema => ({ type: "boolean", ...extra });
const int = (extra: Schema = {}): Schema => ({ type: "integer", format: "int32", ...extra });
const time = (): Schema => ({ type: "string", format: "date-time" });
const obj = (properties: Record<string, Schema>, extra: Schema = {}): Schema => ({
  type: "object",
  properties,
  ...extra,
});
const cidr = (defaultValue: string): Schema =>
  str({ default: defaultValue, pattern: "^([0-9]{1,3}\\.){3}[0-9]{1,3}/[0-9]{1,2}$" });
const size = (): Schema => str({ enum: [...SERVER_SIZES], default: "cx23" });

const specSchema: Schema = obj({
  region: str({ enum: [...REGIONS], description: "Hetzner location of every server." }),
  mode: str({ enum: ["dev", "ha"], description: "dev: one control plane; ha: three." }),
  controlPlanes: obj({ count: int({ enum: [1, 3, 5], default: 1 }), size: size() }, { required: ["count"] }),
  workers: obj({ count: int({ minimum: MIN_WORKERS, maximum: MAX_WORKERS }), size: size() }, {
    required: ["count"],
  }),
  talos: obj({
    version: str({ pattern: "^v\\d+\\.\\d+\\.\\d+$" }),
    schematicID: str({ pattern: "^[0-9a-f]{64}$" }),
    extensions: { type: "array", items: str() },
  }, { required: ["version"] }),
  kubernetes: obj({ version: str({ pattern: "^\\d+\\.\\d+\\.\\d+$" }) }, { required: ["version"] }),
  network: obj({
    ipv4CIDR: cidr(NETWORK_CIDR),
    nodeIPv4CIDR: cidr(NODE_CIDR),
    podCIDR: cidr(POD_CIDR),
    serviceCIDR: cidr(SERVICE_CIDR),
  }),
  addons: obj({
    metricsServer: bool({ default: true }),
    certManager: bool({ default: true }),
    traefik: bool({ default: true }),
    externalDns: bool({ default: false }),
    argocd: bool({ default: true }),
    monitoring: bool({ default: false }),
    argoSubdomain: str({ default: "argo" }),
    grafanaSubdomain: str({ default: "grafana" }),
  }),
  domain: str({ maxLength: 253 }),
  certEmail: str({ description: "ACME account e-mail; admin@<domain> when empty." }),
  apiAllowlist: {
    type: "array",
    items: str(),
    description: "CIDRs the Hetzner firewall lets reach the Kubernetes API (6443) and the Talos API (50000) on " +
      "the nodes' public IPs. Hetzner firewalls do not apply to load balancers: with apiLoadBalancer public, " +
      "6443 on the load balancer stays open to the internet, protected by credentials only.",
  },
  apiLoadBalancer: str({
    enum: [...API_LOAD_BALANCER_MODES],
    default: "public",
    description: "public: the API load balancer has a public IPv4 and is the cluster endpoint; private: it has none.",
  }),
  backup: obj({
    enabled: bool({ default: false }),
    schedule: str({ default: "0 * * * *" }),
    retentionDays: int({
      minimum: 1,
      maximum: MAX_BACKUP_RETENTION_DAYS,
      default: DEFAULT_BACKUP_RETENTION_DAYS,
      description: "Days each etcd snapshot is kept (a lifecycle rule on the bucket, set by k8zner apply).",
    }),
    s3SecretRef: obj({ name: str() }, { required: ["name"] }),
  }),
  healthCheck: obj({
    // How long a Node may be NotReady before healing replaces it (the operator's default when absent too).
    nodeNotReadyThreshold: str({ default: "5m", pattern: "^([0-9]+(ms|s|m|h))+$" }),
    etcdUnhealthyThreshold: str({ default: "2m", pattern: "^([0-9]+(ms|s|m|h))+$" }),
    // How long a scale-down keeps retrying an eviction a PodDisruptionBudget refuses before DrainBlocked.
    drainTimeout: str({ default: "2m", pattern: "^([0-9]+(ms|s|m|h))+$" }),
    // How long a rolling upgrade waits for a shut health gate before UpgradeBlocked.
    upgradeGateTimeout: str({ default: "10m", pattern: "^([0-9]+(ms|s|m|h))+$" }),
  }),
  paused: bool({
    default: false,
    description: "While true the operator takes no action; it still observes and writes the status.",
  }),
  deletionPolicy: str({
    enum: [...DELETION_POLICIES],
    default: "Retain",
    description: "Retain: deleting this object leaves the Hetzner resources alone. Delete: the operator " +
      "deletes every resource labelled for the cluster first (as k8zner destroy does).",
  }),
  credentialsRef: obj({ name: str({ minLength: 1 }) }, {
    required: ["name"],
    description: "Secret in the same namespace with key hcloud-token (and cf-api-token when DNS is managed).",
  }),
  talosCredentialsRef: obj({ name: str({ minLength: 1 }) }, {
    required: ["name"],
    description: "Secret in the same namespace with keys talos-secrets and talosconfig.",
  }),
  bootstrap: obj({
    completed: bool(),
    completedAt: time(),
    bootstrapNode: str(),
    bootstrapNodeID: { type: "integer", format: "int64" },
    publicIP: str(),
  }),
}, {
  required: ["region", "controlPlanes", "workers", "talos", "kubernetes", "credentialsRef"],
});

const nodeSchema: Schema = obj({
  name: str(),
  serverID: { type: "integer", format: "int64" },
  privateIP: str(),
  publicIP: str(),
  phase: str({ enum: [...NODE_PHASES] }),
  phaseReason: str(),
  phaseTransitionTime: time(),
  healthy: bool(),
  unhealthyReason: str(),
  unhealthySince: time(),
  lastHealthCheck: time(),
}, { required: ["name"] });

const poolStatus: Schema = obj({
  desired: int({ minimum: 0 }),
  ready: int({ minimum: 0 }),
  unhealthy: int({ minimum: 0 }),
  nodes: { type: "array", items: nodeSchema },
});

/** `metav1.Condition`, field for field. */
const conditionSchema: Schema = obj({
  type: str({ maxLength: 316 }),
  status: str({ enum: ["True", "False", "Unknown"] }),
  observedGeneration: { type: "integer", format: "int64", minimum: 0 },
  lastTransitionTime: time(),
  reason: str({ maxLength: 1024, minLength: 1 }),
  message: str({ maxLength: 32768 }),
}, { required: ["type", "status", "lastTransitionTime", "reason", "message"] });

const statusSchema: Schema = obj({
  phase: str({ enum: [...CLUSTER_PHASES] }),
  provisioningPhase: str({ enum: [...PROVISIONING_PHASES] }),
  observedGeneration: { type: "integer", format: "int64" },
  lastReconcileTime: time(),
  phaseStartedAt: time(),
  controlPlaneEndpoint: str(),
  controlPlanes: poolStatus,
  workers: poolStatus,
  conditions: {
    type: "array",
    items: conditionSchema,
    "x-kubernetes-list-type": "map",
    "x-kubernetes-list-map-keys": ["type"],
  },
  addons: {
    type: "object",
    description: "Helm releases by release name, as the operator last saw and acted on them.",
    additionalProperties: obj({
      phase: str({ enum: [...ADDON_PHASES] }),
      chartVersion: str({ description: "Chart version the release is (being) installed from." }),
      valuesHash: str({ description: "Hash of the values the release is (being) installed with." }),
      attempts: int({ minimum: 0, description: "Helm runs for this chart version and values so far." }),
      lastError: str({ description: "The last lines of Helm's stderr of the last failed run (kept after recovery)." }),
      retryAt: time(),
      message: str(),
      lastTransitionTime: time(),
      installOrder: int(),
    }),
  },
  infrastructure: obj({
    networkID: { type: "integer", format: "int64" },
    firewallID: { type: "integer", format: "int64" },
    loadBalancerID: { type: "integer", format: "int64" },
    loadBalancerIP: str(),
    loadBalancerPrivateIP: str(),
    placementGroupIDs: { type: "array", items: { type: "integer", format: "int64" } },
    snapshotID: { type: "integer", format: "int64" },
    networkReady: bool(),
    firewallReady: bool(),
    loadBalancerReady: bool(),
  }),
  upgrade: obj({
    talos: str({ description: "Talos version the nodes roll to." }),
    kubernetes: str({ description: "Kubernetes version the nodes roll to." }),
    pendingSteps: int({ minimum: 0, description: "Rollout steps left (0 once every node runs both versions)." }),
    step: str({ description: "The step running or waiting for its gates (empty when none)." }),
    node: str({ description: "The node of that step (empty when none)." }),
  }),
  imageSnapshot: obj({
    snapshotID: { type: "integer", format: "int64" },
    version: str(),
    schematicID: str(),
    createdAt: time(),
  }),
  connectivity: obj({
    kubeAPIReady: bool(),
    metricsAPIReady: bool(),
    endpoints: {
      type: "array",
      items: obj({ host: str(), dnsReady: bool(), tlsReady: bool(), httpReady: bool(), message: str() }),
    },
    lastCheck: time(),
  }),
  phaseHistory: {
    type: "array",
    items: obj({ phase: str(), startedAt: time(), endedAt: time(), duration: str(), error: str() }),
  },
  lastErrors: {
    type: "array",
    maxItems: 10,
    items: obj({ time: time(), phase: str(), component: str(), message: str() }),
  },
});

/** The openAPIV3Schema of a K8znerCluster (spec and status). */
export const K8ZNER_CLUSTER_SCHEMA: Schema = obj({
  apiVersion: str(),
  kind: str(),
  metadata: { type: "object" },
  spec: specSchema,
  status: statusSchema,
}, { required: ["spec"] });

/** Renders the K8znerCluster CRD. Pure. */
export function renderK8znerClusterCrd(labels: Record<string, string> = {}): KubeObject {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${K8ZNER_CLUSTER_PLURAL}.${K8ZNER_GROUP}`, labels },
    spec: {
      group: K8ZNER_GROUP,
      scope: "Namespaced",
      names: {
        kind: K8ZNER_CLUSTER_KIND,
        listKind: `${K8ZNER_CLUSTER_KIND}List`,
        plural: K8ZNER_CLUSTER_PLURAL,
        singular: "k8znercluster",
        shortNames: ["k8z"],
        categories: ["k8zner"],
      },
      versions: [{
        name: K8ZNER_VERSION,
        served: true,
        storage: true,
        subresources: { status: {} },
        additionalPrinterColumns: [
          { name: "Phase", type: "string", jsonPath: ".status.phase" },
          { name: "CPs", type: "integer", jsonPath: ".status.controlPlanes.ready" },
          { name: "Workers", type: "integer", jsonPath: ".status.workers.ready" },
          { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
        ],
        schema: { openAPIV3Schema: K8ZNER_CLUSTER_SCHEMA },
      }],
    },
  };
}
