/**
 * Kubernetes `Status` failures as the fake API server returns them (`reason` and `code` as a real
 * API server sets them, so clients map them the same way).
 *
 * @module
 */

/** A request failure that becomes a `Status` response. */
export class KubeStatusError extends Error {
  override name = "KubeStatusError";
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }

  /** The `Status` object sent as the response body. */
  toStatus(): Record<string, unknown> {
    return {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: this.message,
      reason: this.reason,
      details: this.details,
      code: this.code,
    };
  }
}

/** What an error message names: `deployments.apps`, `secrets`, … */
export interface Target {
  group: string;
  resource: string;
}

function qualified(t: Target): string {
  return t.group === "" ? t.resource : `${t.resource}.${t.group}`;
}

function detailsOf(t: Target, name: string): Record<string, unknown> {
  return t.group === "" ? { name, kind: t.resource } : { name, group: t.group, kind: t.resource };
}

export function notFound(t: Target, name: string): KubeStatusError {
  return new KubeStatusError(404, "NotFound", `${qualified(t)} "${name}" not found`, detailsOf(t, name));
}

export function alreadyExists(t: Target, name: string): KubeStatusError {
  return new KubeStatusError(409, "AlreadyExists", `${qualified(t)} "${name}" already exists`, detailsOf(t, name));
}

export function conflict(t: Target, name: string): KubeStatusError {
  return new KubeStatusError(
    409,
    "Conflict",
    `Operation cannot be fulfilled on ${qualified(t)} "${name}": ` +
      "the object has been modified; please apply your changes to the latest version and try again",
    detailsOf(t, name),
  );
}

export function invalid(t: Target & { kind: string }, name: string, message: string): KubeStatusError {
  const kind = t.group === "" ? t.kind : `${t.kind}.${t.group}`;
  return new KubeStatusError(422, "Invalid", `${kind} "${name}" is invalid: ${message}`, detailsOf(t, name));
}

export function badRequest(message: string): KubeStatusError {
  return new KubeStatusError(400, "BadRequest", message);
}
