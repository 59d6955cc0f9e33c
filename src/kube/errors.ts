/**
 * One error type for every failed Kubernetes API call, carrying the HTTP status and the `reason`
 * of the server's `Status` (`NotFound`, `AlreadyExists`, `Conflict`, `Invalid`, …).
 *
 * @module
 */

/** A failed Kubernetes API call. `status` is 0 when no HTTP response arrived. */
export class KubeError extends Error {
  override name = "KubeError";
  constructor(
    /** HTTP status code, or 0 for network failures and timeouts. */
    readonly status: number,
    /** The `reason` of the server's `Status` (e.g. `NotFound`), or `NetworkError`/`Timeout`. */
    readonly reason: string,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, options);
  }
}

/** True when `err` is a {@link KubeError}, and (when given) its reason is one of `reasons`. */
export function isKubeError(err: unknown, ...reasons: string[]): err is KubeError {
  return err instanceof KubeError && (reasons.length === 0 || reasons.includes(err.reason));
}

const REASON_BY_STATUS: Record<number, string> = {
  400: "BadRequest",
  401: "Unauthorized",
  403: "Forbidden",
  404: "NotFound",
  405: "MethodNotAllowed",
  409: "Conflict",
  410: "Expired",
  415: "UnsupportedMediaType",
  422: "Invalid",
  429: "TooManyRequests",
  500: "InternalError",
  503: "ServiceUnavailable",
  504: "Timeout",
};

/**
 * Converts what @kubernetes/client-node throws (an `ApiException` with a `Status` body, or a
 * network error) into a {@link KubeError}. `what` names the call for the message.
 */
export function toKubeError(err: unknown, what: string): KubeError {
  if (err instanceof KubeError) return err;
  const code = typeof err === "object" && err !== null && "code" in err ? (err as { code: unknown }).code : undefined;
  if (typeof code === "number" && code >= 100) {
    let body = (err as { body?: unknown }).body;
    if (typeof body === "string") {
      try {
        body = JSON.parse(body);
      } catch {
        // not JSON: keep the text
      }
    }
    const status = typeof body === "object" && body !== null ? body as Record<string, unknown> : {};
    const reason = typeof status.reason === "string" && status.reason !== ""
      ? status.reason
      : REASON_BY_STATUS[code] ?? "Unknown";
    const detail = typeof status.message === "string"
      ? status.message
      : typeof body === "string"
      ? body
      : `HTTP ${code}`;
    return new KubeError(code, reason, `Cannot ${what}: ${detail}`, { cause: err });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new KubeError(0, "NetworkError", `Cannot ${what}: ${message}`, { cause: err });
}
