/**
 * The errors of the Hetzner Cloud client: one `HcloudError` for every failed API call and one
 * `ActionError` for an action that finished with `status: "error"`.
 *
 * @module
 */
import type { NetworkFailure } from "../lib/network_error.ts";

/**
 * A failed Hetzner Cloud API call. `code` is the API's error code (`not_found`, `invalid_input`,
 * `locked`, …, see https://docs.hetzner.cloud/#errors), or `network_error` when no HTTP response
 * arrived. `status` is the HTTP status (0 for a network error).
 */
export class HcloudError extends Error {
  override name = "HcloudError";
  /** The API error code, e.g. `uniqueness_error`; `network_error` when no response arrived. */
  readonly code: string;
  /** The API's own message, without the request context that `message` adds. */
  readonly apiMessage: string;
  /** The API's `error.details` (e.g. `{fields: [{name, messages}]}` for `invalid_input`), or null. */
  readonly details: unknown;
  /** HTTP status of the response, 0 when the request never got one. */
  readonly status: number;
  /** The `X-Correlation-Id` response header, quoted to Hetzner support when reporting a problem. */
  readonly correlationId: string | undefined;
  /** `METHOD /path` of the failed request (no host, no token). */
  readonly request: string;
  /** What the user can do about it, for the CLI's `hint:` line. */
  readonly hint: string | undefined;
  /** Why no response arrived (status 0 only): decides how long retrying is worth it. */
  readonly network: NetworkFailure | undefined;

  constructor(init: {
    code: string;
    message: string;
    details?: unknown;
    status: number;
    correlationId?: string | undefined;
    request: string;
    cause?: unknown;
    network?: NetworkFailure;
  }) {
    // A network failure's message already names the URL; repeating the request adds only noise.
    const suffix = init.network
      ? ""
      : ` (${init.code}, ${init.status === 0 ? init.request : `HTTP ${init.status} on ${init.request}`})`;
    super(`${init.message}${suffix}`, { cause: init.cause });
    this.code = init.code;
    this.apiMessage = init.message;
    this.details = init.details ?? null;
    this.status = init.status;
    this.correlationId = init.correlationId;
    this.request = init.request;
    this.hint = hintForCode(init.code);
    this.network = init.network;
  }
}

function hintForCode(code: string): string | undefined {
  switch (code) {
    case "unauthorized":
      return "Check HCLOUD_TOKEN: it must be a valid API token of the Hetzner Cloud project (Console > Security > API tokens).";
    case "token_readonly":
      return "The API token is read-only; create a Read & Write token for this project.";
    case "rate_limit_exceeded":
      return "The project's API rate limit (3600 requests/hour) is used up; wait a few minutes and retry.";
    case "network_error":
      return "Check the network connection and HCLOUD_ENDPOINT.";
    default:
      return undefined;
  }
}

/**
 * True when `err` is an `HcloudError`, and, when codes are given, its code is one of them:
 * `isHcloudError(err, "not_found")`.
 */
export function isHcloudError(err: unknown, ...codes: string[]): err is HcloudError {
  if (!(err instanceof HcloudError)) return false;
  return codes.length === 0 || codes.includes(err.code);
}

/**
 * An action that failed (`status: "error"`) or vanished while being waited for. `code` is the
 * action's `error.code` (e.g. `action_failed`), or `not_found` when the API no longer knows the id.
 */
export class ActionError extends Error {
  override name = "ActionError";
  readonly actionId: number;
  /** The action's command, e.g. `create_server`; `unknown` when the action was not found. */
  readonly command: string;
  readonly code: string;
  readonly apiMessage: string;

  constructor(init: { actionId: number; command: string; code: string; message: string }) {
    super(`Action ${init.actionId} (${init.command}) failed: ${init.message} (${init.code})`);
    this.actionId = init.actionId;
    this.command = init.command;
    this.code = init.code;
    this.apiMessage = init.message;
  }
}
