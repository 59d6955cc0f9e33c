/**
 * The S3 client for Hetzner Object Storage (ADR 0008).
 *
 * @module
 */
export {
  type BucketAddressing,
  createS3Client,
  DEFAULT_S3_RETRY,
  type S3Client,
  type S3ClientOptions,
  type S3ObjectSummary,
  type S3RetryOptions,
} from "./client.ts";
export { codeForStatus, CREDENTIAL_ERROR_CODES, isS3Error, S3Error } from "./errors.ts";
export { findRetentionRule, renderLifecycle, RETENTION_RULE_ID, type RetentionRule } from "./lifecycle.ts";
