/**
 * The one error of the S3 client: a failed call to an S3-compatible API (Hetzner Object Storage), with
 * the S3 error code from the XML body (`NoSuchBucket`, `SignatureDoesNotMatch`, …) or, for HEAD
 * requests whose errors have no body, one derived from the status (`Forbidden`, `NotFound`).
 *
 * The message never holds credentials: the server's `StringToSign`/`AWSAccessKeyId` elements are not
 * copied, only `Code` and `Message`.
 *
 * @module
 */
import type { NetworkFailure } from "../lib/network_error.ts";

/** Codes that mean the credentials themselves are wrong (not a missing permission on one bucket). */
export const CREDENTIAL_ERROR_CODES: readonly string[] = ["SignatureDoesNotMatch", "InvalidAccessKeyId"];

/** A failed S3 call. `status` is 0 when no HTTP response arrived (`code` is then `NetworkError`). */
export class S3Error extends Error {
  override name = "S3Error";
  readonly code: string;
  readonly status: number;
  /** `METHOD /bucket?op` without host, query values or headers. */
  readonly request: string;
  /** The server's own message, without the request context `message` adds. */
  readonly apiMessage: string;
  readonly network: NetworkFailure | undefined;

  constructor(
    init: {
      code: string;
      status: number;
      request: string;
      message: string;
      network?: NetworkFailure;
      cause?: unknown;
    },
  ) {
    const where = init.status === 0 ? init.request : `HTTP ${init.status} on ${init.request}`;
    super(`${init.message} (${init.code}, ${where})`, { cause: init.cause });
    this.code = init.code;
    this.status = init.status;
    this.request = init.request;
    this.apiMessage = init.message;
    this.network = init.network;
  }
}

/** True when `err` is an {@link S3Error} and, when codes are given, its code is one of them. */
export function isS3Error(err: unknown, ...codes: string[]): err is S3Error {
  return err instanceof S3Error && (codes.length === 0 || codes.includes(err.code));
}

/** The code a body-less error response (HEAD) stands for. */
export function codeForStatus(status: number): string {
  switch (status) {
    case 301:
      return "PermanentRedirect";
    case 400:
      return "BadRequest";
    case 403:
      return "Forbidden";
    case 404:
      return "NotFound";
    case 409:
      return "Conflict";
    case 503:
      return "SlowDown";
    default:
      return status >= 500 ? "InternalError" : `HTTP${status}`;
  }
}
