/**
 * The one error type of the Cloudflare client: the HTTP status, Cloudflare's first error code and
 * message from the response envelope, and the request (method and path, never a header).
 *
 * @module
 */

/** A request Cloudflare refused or could not answer. Its message never contains the API token. */
export class CloudflareError extends Error {
  override name = "CloudflareError";
  /** HTTP status; 0 when no response arrived (network failure). */
  readonly status: number;
  /** Cloudflare's error code (`errors[0].code`), e.g. 10000 for an authentication error. */
  readonly code: number | undefined;
  /** `GET /zones/{id}/dns_records`, with ids but without query or headers. */
  readonly request: string;
  /** The wait a 429's `Retry-After` asked for, in ms. */
  readonly retryAfterMs: number | undefined;
  constructor(
    status: number,
    code: number | undefined,
    message: string,
    request: string,
    options: ErrorOptions & { retryAfterMs?: number } = {},
  ) {
    super(message, { cause: options.cause });
    this.status = status;
    this.code = code;
    this.request = request;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** True when `err` is a {@link CloudflareError}, and (when given) has one of `statuses`. */
export function isCloudflareError(err: unknown, ...statuses: number[]): err is CloudflareError {
  return err instanceof CloudflareError && (statuses.length === 0 || statuses.includes(err.status));
}

/** True when the error means the token was refused or lacks a permission (401/403, or code 10000). */
export function isCloudflareAuthError(err: unknown): boolean {
  return isCloudflareError(err) && (err.status === 401 || err.status === 403 || err.code === 10000);
}
