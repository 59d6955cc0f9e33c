/**
 * The talos-backup addon in the Addons phase (with `backup: true`): copies the Object Storage keys from
 * the hand-over Secret `<cluster>-backup-s3` into `kube-system/talos-backup-s3-secrets`, applies the Talos
 * `ServiceAccount` once Talos serves its CRD (it registers `serviceaccounts.talos.dev` when
 * `kubernetesTalosAPIAccess` is enabled, which our control-plane machine config does), then the CronJob.
 * Each object is read first and applied only when it differs, so a converged pass costs six GETs and
 * no write. Reported as `status.addons["talos-backup"]`, like a release.
 *
 * @module
 */
import type { AddonPhaseName } from "../../../addons/k8zner_crd.ts";
import { K8ZNER_NAMESPACE } from "../../../addons/k8zner_crd.ts";
import { backupSecretName, type K8znerClusterSpec } from "../../../addons/k8zner_cluster.ts";
import { BACKUP_SECRET_KEYS } from "../../../addons/operator_manifests.ts";
import {
  renderTalosBackupCronJob,
  renderTalosBackupS3Secret,
  renderTalosServiceAccount,
  TALOS_BACKUP_NAME,
  TALOS_BACKUP_NAMESPACE,
  TALOS_BACKUP_S3_SECRET,
  TALOS_BACKUP_SERVICE_ACCOUNT,
  TALOS_SERVICE_ACCOUNT_API_VERSION,
  TALOS_SERVICE_ACCOUNT_CRD,
} from "../../../addons/talos_backup.ts";
import { isContainedIn } from "../../../cluster/handover/diff.ts";
import type { KubeObject } from "../../../kube/mod.ts";
import type { ReconcileContext } from "../context.ts";
import type { AddonStatusEntry, ReleaseOutcome } from "./reconcile_release.ts";

/** Field manager of the applies. */
export const TALOS_BACKUP_FIELD_MANAGER = "k8zner-operator";
/** How soon to look again while Talos has not registered its ServiceAccount CRD or the Secret is missing. */
export const TALOS_BACKUP_WAIT_MS = 15_000;

function decoded(secret: KubeObject | undefined, key: string): string | undefined {
  const value = (secret?.data as Record<string, string> | undefined)?.[key];
  if (typeof value !== "string") return undefined;
  return new TextDecoder().decode(Uint8Array.from(atob(value), (c) => c.charCodeAt(0)));
}

function renderTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/**
 * Applies `rendered` unless the live object already has every rendered field; returns whether it applied and
 * the object as the server has it.
 */
async function applyIfChanged(
  ctx: ReconcileContext,
  rendered: KubeObject,
): Promise<{ applied: boolean; live: KubeObject | undefined }> {
  const { name, namespace } = rendered.metadata;
  const live = await ctx.kube.get(rendered.apiVersion, rendered.kind, name, namespace);
  const wanted = { metadata: { labels: rendered.metadata.labels }, ...withoutMeta(rendered) };
  if (live && isContainedIn(wanted, live)) return { applied: false, live };
  const [written] = await ctx.kube.applyServerSide([rendered], TALOS_BACKUP_FIELD_MANAGER);
  ctx.log.info("talos-backup object applied", { object: `${rendered.kind} ${namespace}/${name}` });
  return { applied: true, live: written };
}

function withoutMeta(object: KubeObject): Record<string, unknown> {
  const { apiVersion: _a, kind: _k, metadata: _m, ...rest } = object;
  return rest;
}

const REMOVED_KEY = "talos-backup:removed";

/**
 * With backups turned off, the CronJob, the Talos ServiceAccount and the key copy in kube-system go (the
 * bucket and its snapshots stay: ADR 0008). Looked at once per operator process, so clusters that never had
 * backups pay one GET after a restart, not one per pass.
 */
async function removeTalosBackup(ctx: ReconcileContext): Promise<void> {
  if (ctx.memory.has(REMOVED_KEY)) return;
  const cron = await ctx.kube.get("batch/v1", "CronJob", TALOS_BACKUP_NAME, TALOS_BACKUP_NAMESPACE);
  if (cron) {
    await ctx.kube.delete("batch/v1", "CronJob", TALOS_BACKUP_NAME, TALOS_BACKUP_NAMESPACE);
    if (await ctx.kube.get("apiextensions.k8s.io/v1", "CustomResourceDefinition", TALOS_SERVICE_ACCOUNT_CRD)) {
      // Talos deletes the Secret it wrote with it (owner reference).
      await ctx.kube.delete(
        TALOS_SERVICE_ACCOUNT_API_VERSION,
        "ServiceAccount",
        TALOS_BACKUP_SERVICE_ACCOUNT,
        TALOS_BACKUP_NAMESPACE,
      );
    }
    await ctx.kube.delete("v1", "Secret", TALOS_BACKUP_S3_SECRET, TALOS_BACKUP_NAMESPACE);
    ctx.log.info("talos-backup removed: backups are off", {
      cronJob: `${TALOS_BACKUP_NAMESPACE}/${TALOS_BACKUP_NAME}`,
    });
    await ctx.events.record(
      ctx.cluster,
      "Normal",
      "TalosBackupRemoved",
      "Delete",
      `Removed the talos-backup CronJob: backups are off (bucket ${ctx.desired.addons.talosBackup.bucket} and its snapshots are kept)`,
    );
  }
  ctx.memory.set(REMOVED_KEY, true);
}

/**
 * Reconciles talos-backup; undefined when backups are off. Never throws for a missing prerequisite: the
 * outcome says what it waits for.
 */
export async function reconcileTalosBackup(
  ctx: ReconcileContext,
  installOrder: number,
): Promise<ReleaseOutcome | undefined> {
  if (!ctx.desired.addons.talosBackup.enabled) {
    await removeTalosBackup(ctx);
    return undefined;
  }
  ctx.memory.delete(REMOVED_KEY);
  const previous = (ctx.cluster.status as { addons?: Record<string, Partial<AddonStatusEntry>> } | undefined)
    ?.addons?.[TALOS_BACKUP_NAME];
  const entry = (phase: AddonPhaseName, message: string): AddonStatusEntry => ({
    phase,
    chartVersion: ctx.desired.addons.talosBackup.image.split(":").at(-1) ?? "",
    valuesHash: "",
    attempts: 0,
    lastError: "",
    retryAt: "",
    message,
    installOrder,
    lastTransitionTime: previous?.phase === phase && previous.lastTransitionTime
      ? previous.lastTransitionTime
      : renderTime(ctx.now()),
  });
  const waiting = (message: string): ReleaseOutcome => ({
    name: TALOS_BACKUP_NAME,
    ready: false,
    entry: entry("Pending", message),
    requeueAfterMs: TALOS_BACKUP_WAIT_MS,
  });

  const spec = ctx.cluster.spec as K8znerClusterSpec | undefined;
  const secretName = spec?.backup?.s3SecretRef?.name ?? backupSecretName(ctx.desired.cluster.name);
  const handover = await ctx.kube.get("v1", "Secret", secretName, K8ZNER_NAMESPACE);
  const accessKeyId = decoded(handover, BACKUP_SECRET_KEYS.accessKey);
  const secretAccessKey = decoded(handover, BACKUP_SECRET_KEYS.secretKey);
  if (!accessKeyId || !secretAccessKey) {
    return waiting(
      `waits for Secret ${K8ZNER_NAMESPACE}/${secretName} with the Object Storage keys (k8zner apply writes it)`,
    );
  }
  const endpoint = decoded(handover, BACKUP_SECRET_KEYS.endpoint) || ctx.desired.addons.talosBackup.endpoint;
  const applied: string[] = [];
  if ((await applyIfChanged(ctx, renderTalosBackupS3Secret({ accessKeyId, secretAccessKey }))).applied) {
    applied.push("Secret");
  }
  const crd = await ctx.kube.get("apiextensions.k8s.io/v1", "CustomResourceDefinition", TALOS_SERVICE_ACCOUNT_CRD);
  if (!crd) {
    return waiting(
      `waits for Talos to serve ${TALOS_SERVICE_ACCOUNT_CRD} (kubernetesTalosAPIAccess in the control planes' machine config)`,
    );
  }
  const sa = await applyIfChanged(ctx, renderTalosServiceAccount());
  if (sa.applied) applied.push("ServiceAccount");
  if ((await applyIfChanged(ctx, renderTalosBackupCronJob(ctx.desired, endpoint))).applied) applied.push("CronJob");
  if (applied.length > 0) {
    await ctx.events.record(
      ctx.cluster,
      "Normal",
      "TalosBackupApplied",
      "Apply",
      `Applied talos-backup (${
        applied.join(", ")
      }): etcd snapshots ${ctx.desired.addons.talosBackup.schedule} to bucket ${ctx.desired.addons.talosBackup.bucket}`,
    );
  }
  // Talos answers the ServiceAccount with a Secret of its name, or says in its status why it will not.
  const refused = (sa.live?.status as { failureReason?: string } | undefined)?.failureReason;
  if (refused) {
    return {
      name: TALOS_BACKUP_NAME,
      ready: false,
      entry: {
        ...entry("Failed", `Talos refuses ServiceAccount ${TALOS_BACKUP_NAMESPACE}/${TALOS_BACKUP_SERVICE_ACCOUNT}`),
        lastError: refused,
      },
      requeueAfterMs: TALOS_BACKUP_WAIT_MS,
    };
  }
  if (!(await ctx.kube.get("v1", "Secret", TALOS_BACKUP_SERVICE_ACCOUNT, TALOS_BACKUP_NAMESPACE))) {
    return waiting(
      `waits for Talos to write Secret ${TALOS_BACKUP_NAMESPACE}/${TALOS_BACKUP_SERVICE_ACCOUNT} (its talosconfig)`,
    );
  }
  const plan = ctx.desired.addons.talosBackup;
  return {
    name: TALOS_BACKUP_NAME,
    ready: true,
    entry: entry(
      "Installed",
      `CronJob ${plan.namespace}/${TALOS_BACKUP_NAME} (${plan.schedule}) uploads compressed etcd snapshots to ${plan.bucket}/${plan.prefix}/`,
    ),
  };
}

/** The releases' outcomes with talos-backup's appended (installed after them; unchanged when backups are off). */
export async function withTalosBackup(
  ctx: ReconcileContext,
  outcomes: readonly ReleaseOutcome[],
): Promise<ReleaseOutcome[]> {
  const order = Math.max(0, ...outcomes.map((o) => o.entry.installOrder)) + 1;
  const backup = await reconcileTalosBackup(ctx, order);
  return backup === undefined ? [...outcomes] : [...outcomes, backup];
}
