/**
 * talos-backup (siderolabs/talos-backup): an hourly CronJob in kube-system that asks the Talos API for an
 * etcd snapshot, compresses it and uploads it to the cluster's bucket. Rendered here as pure functions:
 * the Secret with the Object Storage keys, the Talos `ServiceAccount` (talos.dev/v1alpha1) whose Secret
 * Talos fills with a talosconfig limited to `os:etcd:backup` (the machine config allows that role for
 * kube-system, `kubernetesTalosAPIAccess`), and the CronJob. Values follow inventory §6.3, with a
 * restricted pod security context.
 *
 * @module
 */
import type { DesiredState } from "../config/desired_state.ts";
import type { KubeObject } from "../kube/types.ts";
import { MANAGED_BY } from "../lib/labels.ts";
import { sortKeysDeep } from "./sort_keys.ts";

/** Name of the CronJob, its Talos ServiceAccount's Secret and the S3 Secret, all in kube-system. */
export const TALOS_BACKUP_NAME = "talos-backup";
export const TALOS_BACKUP_NAMESPACE = "kube-system";
/** The Talos ServiceAccount; Talos writes a Secret of the same name with key `config` (a talosconfig). */
export const TALOS_BACKUP_SERVICE_ACCOUNT = "talos-backup-secrets";
export const TALOS_BACKUP_S3_SECRET = "talos-backup-s3-secrets";
/** The Talos role the snapshot needs, and nothing more. */
export const TALOS_BACKUP_ROLES = ["os:etcd:backup"] as const;
/** The CRD Talos registers when `kubernetesTalosAPIAccess` is enabled. */
export const TALOS_SERVICE_ACCOUNT_CRD = "serviceaccounts.talos.dev";
export const TALOS_SERVICE_ACCOUNT_API_VERSION = "talos.dev/v1alpha1";
/** Where talos-backup reads its talosconfig (the Talos ServiceAccount's Secret is mounted here). */
export const TALOS_SECRETS_MOUNT = "/var/run/secrets/talos.dev";

function labels(): Record<string, string> {
  return {
    "app.kubernetes.io/name": TALOS_BACKUP_NAME,
    "app.kubernetes.io/managed-by": MANAGED_BY,
  };
}

function base64(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

/** The Object Storage keys talos-backup reads (`access_key`, `secret_key`). */
export function renderTalosBackupS3Secret(keys: { accessKeyId: string; secretAccessKey: string }): KubeObject {
  return sortKeysDeep({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: TALOS_BACKUP_S3_SECRET, namespace: TALOS_BACKUP_NAMESPACE, labels: labels() },
    type: "Opaque",
    data: { access_key: base64(keys.accessKeyId), secret_key: base64(keys.secretAccessKey) },
  });
}

/** The Talos ServiceAccount with the one role a snapshot needs. */
export function renderTalosServiceAccount(): KubeObject {
  return sortKeysDeep({
    apiVersion: TALOS_SERVICE_ACCOUNT_API_VERSION,
    kind: "ServiceAccount",
    metadata: { name: TALOS_BACKUP_SERVICE_ACCOUNT, namespace: TALOS_BACKUP_NAMESPACE, labels: labels() },
    spec: { roles: [...TALOS_BACKUP_ROLES] },
  });
}

/** The CronJob, for the desired state's `talosBackup` and the S3 endpoint apply used. */
export function renderTalosBackupCronJob(desired: DesiredState, endpoint: string): KubeObject {
  const plan = desired.addons.talosBackup;
  const env: Record<string, string> = {
    AWS_REGION: plan.region,
    CUSTOM_S3_ENDPOINT: endpoint,
    BUCKET: plan.bucket,
    CLUSTER_NAME: desired.cluster.name,
    S3_PREFIX: plan.prefix,
    // Read by the talos-backup builds the earlier implementation used; newer ones (minio-go) choose by themselves.
    USE_PATH_STYLE: "false",
    ENABLE_COMPRESSION: String(plan.compression),
    // Snapshots are not age-encrypted: the bucket is private and Object Storage encrypts at rest.
    DISABLE_ENCRYPTION: "true",
  };
  const secretEnv = (name: string, key: string) => ({
    name,
    valueFrom: { secretKeyRef: { name: TALOS_BACKUP_S3_SECRET, key } },
  });
  const podSpec = {
    restartPolicy: "OnFailure",
    securityContext: {
      runAsNonRoot: true,
      runAsUser: 1000,
      runAsGroup: 1000,
      fsGroup: 1000,
      seccompProfile: { type: "RuntimeDefault" },
    },
    tolerations: [
      { key: "node-role.kubernetes.io/control-plane", operator: "Exists", effect: "NoSchedule" },
      { key: "node.cloudprovider.kubernetes.io/uninitialized", operator: "Exists", effect: "NoSchedule" },
    ],
    containers: [{
      name: TALOS_BACKUP_NAME,
      image: plan.image,
      imagePullPolicy: "IfNotPresent",
      command: ["/talos-backup"],
      // The snapshot is written to the working directory before upload: the root filesystem is read-only.
      workingDir: "/tmp",
      env: [
        secretEnv("AWS_ACCESS_KEY_ID", "access_key"),
        secretEnv("AWS_SECRET_ACCESS_KEY", "secret_key"),
        ...Object.entries(env).map(([name, value]) => ({ name, value })),
      ],
      resources: { requests: { cpu: "250m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
      securityContext: {
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
        capabilities: { drop: ["ALL"] },
        seccompProfile: { type: "RuntimeDefault" },
      },
      volumeMounts: [
        { name: "talos-secrets", mountPath: TALOS_SECRETS_MOUNT, readOnly: true },
        { name: "tmp", mountPath: "/tmp" },
      ],
    }],
    volumes: [
      { name: "talos-secrets", secret: { secretName: TALOS_BACKUP_SERVICE_ACCOUNT } },
      { name: "tmp", emptyDir: {} },
    ],
  };
  return sortKeysDeep({
    apiVersion: "batch/v1",
    kind: "CronJob",
    metadata: { name: TALOS_BACKUP_NAME, namespace: TALOS_BACKUP_NAMESPACE, labels: labels() },
    spec: {
      schedule: plan.schedule,
      // One snapshot at a time: a slow upload must not overlap the next hour's.
      concurrencyPolicy: "Forbid",
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 3,
      jobTemplate: {
        metadata: { labels: labels() },
        spec: { backoffLimit: 3, template: { metadata: { labels: labels() }, spec: podSpec } },
      },
    },
  });
}
