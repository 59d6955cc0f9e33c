/**
 * Everything `apply` installs to hand the cluster over to the operator, rendered in one place: the
 * K8znerCluster CRD, namespace `k8zner-system`, service account, least-privilege RBAC, the two
 * credentials Secrets (cloud tokens; Talos secrets and talosconfig), and the Deployment running this same binary as `k8zner operator` on the
 * control planes. The operator work extends these objects rather than replacing them.
 *
 * Pure: no I/O, no clock, keys sorted. The credential values are inputs that end up only in the
 * Secret's `data`; nothing here logs them.
 *
 * @module
 */
import { LABEL_KEYS, MANAGED_BY } from "../lib/labels.ts";
import type { KubeObject } from "../kube/types.ts";
import { K8ZNER_CLUSTER_PLURAL, K8ZNER_GROUP, K8ZNER_NAMESPACE, renderK8znerClusterCrd } from "./k8zner_crd.ts";
import {
  backupSecretName,
  CLOUD_CREDENTIALS_SECRET_NAME,
  CREDENTIALS_CLOUDFLARE_KEY,
  TALOS_CREDENTIALS_SECRET_NAME,
} from "./k8zner_cluster.ts";
import { sortKeysDeep } from "./sort_keys.ts";

/** Name of the operator's ServiceAccount, ClusterRole, Role, bindings and Deployment. */
export const OPERATOR_NAME = "k8zner-operator";
/** Port of `/healthz` and `/readyz` (on the host: the pods use host networking). */
export const OPERATOR_HEALTH_PORT = 8081;
/** Port of `/metrics` (on the host). */
export const OPERATOR_METRICS_PORT = 8080;

/** Inputs of {@link renderOperatorManifests}. */
export interface OperatorManifestsInput {
  clusterName: string;
  /** Operator image reference, e.g. `operatorImage()` from operator_image.ts. */
  image: string;
  /** Operator replicas; at most one per control plane (host networking binds the same ports). */
  replicas: number;
  /** Hetzner Cloud API token (key `hcloud-token` of the cloud credentials Secret). */
  hcloudToken?: string;
  /** The Talos secrets bundle as YAML (key `talos-secrets` of the Talos credentials Secret). */
  talosSecretsYaml?: string;
  /** talosconfig YAML (key `talosconfig` of the Talos credentials Secret). */
  talosconfig?: string;
  /** Cloudflare API token for DNS and ACME (key `cf-api-token` of the cloud credentials Secret). */
  cloudflareApiToken?: string;
  /** Object Storage credentials and bucket for etcd backups: Secret `<cluster>-backup-s3`. */
  backup?: BackupSecretInput;
  /** Image pull policy. Default `IfNotPresent` (release tags are immutable). */
  imagePullPolicy?: "Always" | "IfNotPresent" | "Never";
}

/** What the backup Secret holds (keys `access-key`, `secret-key`, `endpoint`, `bucket`, `region`). */
export interface BackupSecretInput {
  accessKeyId: string;
  secretAccessKey: string;
  endpoint: string;
  bucket: string;
  region: string;
}

/** Keys of the backup Secret (the operator copies the two credentials into kube-system for talos-backup). */
export const BACKUP_SECRET_KEYS = {
  accessKey: "access-key",
  secretKey: "secret-key",
  endpoint: "endpoint",
  bucket: "bucket",
  region: "region",
} as const;

/**
 * Secret `<cluster>-backup-s3` in k8zner-system: the Object Storage keys and bucket of the etcd backups, which
 * the operator copies into kube-system for talos-backup. Rendered with the other hand-over Secrets.
 */
export function renderBackupSecret(clusterName: string, backup: BackupSecretInput): KubeObject {
  const K = BACKUP_SECRET_KEYS;
  return sortKeysDeep({
    apiVersion: "v1",
    kind: "Secret",
    metadata: {
      name: backupSecretName(clusterName),
      namespace: K8ZNER_NAMESPACE,
      labels: { ...operatorLabels(clusterName), "k8zner.io/purpose": "backup" },
    },
    type: "Opaque",
    data: {
      [K.accessKey]: base64(backup.accessKeyId),
      [K.secretKey]: base64(backup.secretAccessKey),
      [K.endpoint]: base64(backup.endpoint),
      [K.bucket]: base64(backup.bucket),
      [K.region]: base64(backup.region),
    },
  });
}

function base64(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

/** Labels on every object of the operator installation. */
export function operatorLabels(clusterName: string): Record<string, string> {
  return {
    "app.kubernetes.io/name": OPERATOR_NAME,
    "app.kubernetes.io/part-of": "k8zner",
    "app.kubernetes.io/managed-by": MANAGED_BY,
    [LABEL_KEYS.cluster]: clusterName,
  };
}

/**
 * Cluster-wide rights (inventory §5.2 narrowed): K8znerClusters without create/delete, nodes for
 * scaling and healing, pods and evictions for drains, read-only health checks of addon workloads.
 */
function clusterRoleRules(): Record<string, unknown>[] {
  return [
    {
      apiGroups: [K8ZNER_GROUP],
      resources: [K8ZNER_CLUSTER_PLURAL],
      verbs: ["get", "list", "watch", "update", "patch"],
    },
    { apiGroups: [K8ZNER_GROUP], resources: [`${K8ZNER_CLUSTER_PLURAL}/status`], verbs: ["get", "update", "patch"] },
    { apiGroups: [K8ZNER_GROUP], resources: [`${K8ZNER_CLUSTER_PLURAL}/finalizers`], verbs: ["update"] },
    { apiGroups: [""], resources: ["nodes"], verbs: ["get", "list", "watch", "update", "patch", "delete"] },
    { apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch", "delete"] },
    { apiGroups: [""], resources: ["pods/eviction"], verbs: ["create"] },
    { apiGroups: ["apps"], resources: ["deployments", "daemonsets", "statefulsets"], verbs: ["get", "list", "watch"] },
    { apiGroups: ["batch"], resources: ["cronjobs"], verbs: ["get", "list", "watch"] },
    { apiGroups: ["networking.k8s.io"], resources: ["ingresses"], verbs: ["get", "list", "watch"] },
    { apiGroups: ["apiregistration.k8s.io"], resources: ["apiservices"], verbs: ["get", "list", "watch"] },
  ];
}

/** Name of the ClusterRole (and binding) Helm installs the addons with. */
export const HELM_ROLE_NAME = `${OPERATOR_NAME}-helm`;

/**
 * What Helm, run by the operator with its service account (ADR 0007), needs to install the addon charts:
 * every kind they contain, cluster-wide RBAC objects included. RBAC lets nobody create a role granting
 * rights they do not hold themselves, and Cilium's and the CCM's ClusterRoles grant wide rights, so
 * nothing narrower works: this is cluster-admin, kept in a role of its own so the operator's own rules
 * above stay least-privilege and readable. The operator already holds the cluster's Talos and Hetzner
 * credentials, which are worth more.
 */
function helmClusterRoleRules(): Record<string, unknown>[] {
  return [
    { apiGroups: ["*"], resources: ["*"], verbs: ["*"] },
    { nonResourceURLs: ["*"], verbs: ["*"] },
  ];
}

/**
 * Rights only inside k8zner-system: its credentials, its leader-election lease, its events. Secrets by
 * name and `get` only: `list`/`watch` would hand over every Secret in the namespace (RBAC cannot narrow
 * them by name), and whoever reads these two is root on the cluster and on the Hetzner project.
 */
function namespaceRoleRules(): Record<string, unknown>[] {
  return [
    {
      apiGroups: [""],
      resources: ["secrets"],
      resourceNames: [CLOUD_CREDENTIALS_SECRET_NAME, TALOS_CREDENTIALS_SECRET_NAME],
      verbs: ["get"],
    },
    { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["get", "create", "update"] },
    { apiGroups: [""], resources: ["events"], verbs: ["create", "patch"] },
    { apiGroups: ["events.k8s.io"], resources: ["events"], verbs: ["create", "patch"] },
  ];
}

function renderDeployment(input: OperatorManifestsInput, labels: Record<string, string>): KubeObject {
  const selector = { "app.kubernetes.io/name": OPERATOR_NAME };
  const controlPlaneTaint = (key: string) => ({ key, operator: "Exists", effect: "NoSchedule" });
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: OPERATOR_NAME, namespace: K8ZNER_NAMESPACE, labels },
    spec: {
      replicas: input.replicas,
      selector: { matchLabels: selector },
      // Host networking binds the probe and metrics ports on the node: a surge pod could never
      // start next to the old one on a single control plane, so replace in place.
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } },
      template: {
        metadata: { labels },
        spec: {
          serviceAccountName: OPERATOR_NAME,
          // The operator installs the CNI, so it must run before pod networking exists.
          hostNetwork: true,
          dnsPolicy: "Default",
          priorityClassName: "system-cluster-critical",
          nodeSelector: { "node-role.kubernetes.io/control-plane": "" },
          tolerations: [
            controlPlaneTaint("node-role.kubernetes.io/control-plane"),
            controlPlaneTaint("node.cloudprovider.kubernetes.io/uninitialized"),
            controlPlaneTaint("node.kubernetes.io/not-ready"),
            controlPlaneTaint("node.cilium.io/agent-not-ready"),
          ],
          affinity: {
            podAntiAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: [{
                labelSelector: { matchLabels: selector },
                topologyKey: "kubernetes.io/hostname",
              }],
            },
          },
          securityContext: {
            runAsNonRoot: true,
            runAsUser: 65532,
            runAsGroup: 65532,
            fsGroup: 65532,
            seccompProfile: { type: "RuntimeDefault" },
          },
          containers: [{
            name: "operator",
            image: input.image,
            imagePullPolicy: input.imagePullPolicy ?? "IfNotPresent",
            command: ["/k8zner", "operator"],
            // Host networking: a wildcard bind would expose the endpoints on the node's public IP.
            // Bind the pod IP, which is the node's InternalIP (the private network address), where
            // the kubelet probes and the metrics Service's endpoints point.
            args: [
              `--health-probe-bind-address=$(POD_IP):${OPERATOR_HEALTH_PORT}`,
              `--metrics-bind-address=$(POD_IP):${OPERATOR_METRICS_PORT}`,
            ],
            env: [
              { name: "K8ZNER_CLUSTER", value: input.clusterName },
              { name: "POD_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
              { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
              { name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
              {
                name: "HCLOUD_TOKEN",
                valueFrom: { secretKeyRef: { name: CLOUD_CREDENTIALS_SECRET_NAME, key: "hcloud-token" } },
              },
              // With host networking and before kube-proxy/Cilium, the service IP is unreachable:
              // talk to the API server on this control plane directly.
              { name: "KUBERNETES_SERVICE_HOST", value: "localhost" },
              { name: "KUBERNETES_SERVICE_PORT", value: "6443" },
              { name: "TMPDIR", value: "/tmp" },
            ],
            ports: [
              { name: "health", containerPort: OPERATOR_HEALTH_PORT, protocol: "TCP" },
              { name: "metrics", containerPort: OPERATOR_METRICS_PORT, protocol: "TCP" },
            ],
            livenessProbe: {
              httpGet: { path: "/healthz", port: "health" },
              initialDelaySeconds: 15,
              periodSeconds: 20,
              failureThreshold: 3,
            },
            readinessProbe: {
              httpGet: { path: "/readyz", port: "health" },
              initialDelaySeconds: 5,
              periodSeconds: 10,
            },
            resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "512Mi" } },
            securityContext: {
              allowPrivilegeEscalation: false,
              readOnlyRootFilesystem: true,
              runAsNonRoot: true,
              capabilities: { drop: ["ALL"] },
            },
            volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
          }],
          volumes: [{ name: "tmp", emptyDir: { sizeLimit: "256Mi" } }],
        },
      },
    },
  };
}

/**
 * Renders the operator installation in apply order: CRD, Namespace, ServiceAccount, ClusterRole,
 * ClusterRoleBinding, Role, RoleBinding, the cloud and the Talos credentials Secrets (each when any
 * of its credentials is given), metrics Service, Deployment.
 *
 * @throws {RangeError} when `replicas` is not an integer from 1 to 5 or `image` is empty.
 */
export function renderOperatorManifests(input: OperatorManifestsInput): KubeObject[] {
  if (!Number.isInteger(input.replicas) || input.replicas < 1 || input.replicas > 5) {
    throw new RangeError(`Cannot render the operator with replicas ${input.replicas}: allowed are 1 to 5`);
  }
  if (input.image.trim() === "") throw new RangeError("Cannot render the operator without an image reference");
  const labels = operatorLabels(input.clusterName);
  const ns = K8ZNER_NAMESPACE;
  const subject = [{ kind: "ServiceAccount", name: OPERATOR_NAME, namespace: ns }];
  const objects: KubeObject[] = [
    renderK8znerClusterCrd(labels),
    {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: {
        name: ns,
        labels: {
          ...labels,
          // Host networking is outside the baseline and restricted Pod Security levels.
          "pod-security.kubernetes.io/enforce": "privileged",
        },
      },
    },
    { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: OPERATOR_NAME, namespace: ns, labels } },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: { name: OPERATOR_NAME, labels },
      rules: clusterRoleRules(),
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name: OPERATOR_NAME, labels },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: OPERATOR_NAME },
      subjects: subject,
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: { name: HELM_ROLE_NAME, labels },
      rules: helmClusterRoleRules(),
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name: HELM_ROLE_NAME, labels },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: HELM_ROLE_NAME },
      subjects: subject,
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "Role",
      metadata: { name: OPERATOR_NAME, namespace: ns, labels },
      rules: namespaceRoleRules(),
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: { name: OPERATOR_NAME, namespace: ns, labels },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: OPERATOR_NAME },
      subjects: subject,
    },
  ];
  const cloud: Record<string, string> = {};
  if (input.hcloudToken !== undefined) cloud["hcloud-token"] = base64(input.hcloudToken);
  if (input.cloudflareApiToken !== undefined) cloud[CREDENTIALS_CLOUDFLARE_KEY] = base64(input.cloudflareApiToken);
  const talos: Record<string, string> = {};
  if (input.talosSecretsYaml !== undefined) talos["talos-secrets"] = base64(input.talosSecretsYaml);
  if (input.talosconfig !== undefined) talos["talosconfig"] = base64(input.talosconfig);
  for (
    const [name, data] of [[CLOUD_CREDENTIALS_SECRET_NAME, cloud], [TALOS_CREDENTIALS_SECRET_NAME, talos]] as const
  ) {
    if (Object.keys(data).length === 0) continue;
    objects.push({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name, namespace: ns, labels },
      type: "Opaque",
      data,
    });
  }
  if (input.backup !== undefined) objects.push(renderBackupSecret(input.clusterName, input.backup));
  objects.push(
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: `${OPERATOR_NAME}-metrics`, namespace: ns, labels },
      spec: {
        type: "ClusterIP",
        selector: { "app.kubernetes.io/name": OPERATOR_NAME },
        ports: [{ name: "metrics", port: OPERATOR_METRICS_PORT, targetPort: "metrics", protocol: "TCP" }],
      },
    },
    renderDeployment(input, labels),
  );
  return objects.map(sortKeysDeep);
}
