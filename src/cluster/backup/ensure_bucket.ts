/**
 * The etcd backup bucket on Hetzner Object Storage, ensured at `apply` (ADR 0008): HeadBucket, and
 * CreateBucket (with the location as LocationConstraint) only when it is missing, so repeated applies
 * create it exactly once; then the retention rule, written only when it differs. k8zner never deletes
 * the bucket: it holds the only copy of the cluster's history.
 *
 * Hetzner Object Storage does not support bucket tagging, so ownership is recorded as a small object
 * `k8zner-owner.json` (`{"cluster": …, "managedBy": "k8zner"}`) written when k8zner creates the bucket;
 * it lies outside the snapshot prefix, so the retention rule never removes it.
 *
 * @module
 */
import { REQUIRED_ENV } from "../../config/parse.ts";
import { UserFacingError } from "../../lib/errors.ts";
import { MANAGED_BY } from "../../lib/labels.ts";
import {
  CREDENTIAL_ERROR_CODES,
  findRetentionRule,
  isS3Error,
  renderLifecycle,
  type RetentionRule,
  type S3Client,
} from "../../s3/mod.ts";

/** The object recording that k8zner created the bucket for a cluster. */
export const OWNER_MARKER_KEY = "k8zner-owner.json";

/** What the step needs to know (from `desired.addons.talosBackup`). */
export interface BackupBucketPlan {
  clusterName: string;
  bucket: string;
  /** The location, also the LocationConstraint. */
  region: string;
  /** Snapshot prefix without the trailing slash, e.g. `etcd-backups`. */
  prefix: string;
  retentionDays: number;
}

/** What {@link ensureBackupBucket} found and did. */
export interface BackupBucketResult {
  bucket: string;
  created: boolean;
  /** `k8zner` when the owner marker names this cluster; `unknown` for a bucket someone else made. */
  owner: "k8zner" | "unknown";
  /** Whether the retention rule had to be written. */
  retention: "set" | "unchanged";
}

/** Renders the owner marker (pure, stable). */
export function renderOwnerMarker(clusterName: string): string {
  return JSON.stringify({ cluster: clusterName, managedBy: MANAGED_BY }) + "\n";
}

/** The retention rule of a plan. */
export function retentionRuleOf(plan: BackupBucketPlan): RetentionRule {
  return { prefix: `${plan.prefix}/`, days: plan.retentionDays };
}

/**
 * Says plainly that the credentials are wrong, naming the variables to fix; a bucket the credentials
 * cannot see belongs to another account. Other failures pass through unchanged.
 */
async function explainForbidden(s3: S3Client, plan: BackupBucketPlan, err: unknown): Promise<never> {
  if (isS3Error(err, ...CREDENTIAL_ERROR_CODES)) throw credentialsError(err.code, err);
  if (!isS3Error(err) || err.status !== 403) throw err;
  // HEAD errors have no body: a listing tells a bad signature from a bucket of another account.
  try {
    await s3.listBuckets();
  } catch (listErr) {
    if (isS3Error(listErr, ...CREDENTIAL_ERROR_CODES)) throw credentialsError(listErr.code, listErr);
    throw listErr;
  }
  throw takenError(plan, err);
}

function takenError(plan: BackupBucketPlan, cause: unknown): UserFacingError {
  return new UserFacingError(
    `Cannot use bucket "${plan.bucket}": it exists but belongs to another Hetzner account or project`,
    { cause, hint: "Bucket names are shared by all Object Storage users; rename the cluster or free the name." },
  );
}

function credentialsError(code: string, cause: unknown): UserFacingError {
  const [access, secret] = REQUIRED_ENV.backup;
  return new UserFacingError(`Hetzner Object Storage refused the credentials (${code})`, {
    cause,
    hint: `Check ${access} and ${secret}: an access key and its secret key of this project's Object Storage ` +
      `(Cloud Console > Security > S3 credentials)`,
  });
}

/** Ensures the bucket, its owner marker (when k8zner creates it) and the retention rule. */
export async function ensureBackupBucket(s3: S3Client, plan: BackupBucketPlan): Promise<BackupBucketResult> {
  let exists: boolean;
  try {
    exists = await s3.headBucket(plan.bucket);
  } catch (err) {
    return await explainForbidden(s3, plan, err);
  }
  let created = false;
  if (!exists) {
    try {
      created = (await s3.createBucket(plan.bucket, plan.region)) === "created";
    } catch (err) {
      if (isS3Error(err, "BucketAlreadyExists")) throw takenError(plan, err);
      return await explainForbidden(s3, plan, err);
    }
    // Also after `already-owned`: a run that created the bucket and died before writing the marker.
    await s3.putObject(plan.bucket, OWNER_MARKER_KEY, renderOwnerMarker(plan.clusterName), "application/json");
  }
  const marker = created ? renderOwnerMarker(plan.clusterName) : await s3.getObject(plan.bucket, OWNER_MARKER_KEY);
  const owner = marker === renderOwnerMarker(plan.clusterName) ? "k8zner" : "unknown";
  const wanted = retentionRuleOf(plan);
  const current = await s3.getBucketLifecycle(plan.bucket);
  const live = current === undefined ? undefined : findRetentionRule(current);
  if (live?.prefix === wanted.prefix && live.days === wanted.days) {
    return { bucket: plan.bucket, created, owner, retention: "unchanged" };
  }
  await s3.putBucketLifecycle(plan.bucket, renderLifecycle(wanted, current));
  return { bucket: plan.bucket, created, owner, retention: "set" };
}
