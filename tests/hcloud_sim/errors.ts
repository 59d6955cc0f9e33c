/**
 * Hetzner-shaped API errors raised by simulator handlers: the router turns them into
 * `{"error":{"code","message","details"}}` with the status Hetzner uses for the code.
 *
 * @module
 */

/** One invalid field, as in `details.fields[]`. */
export interface FieldError {
  name: string;
  messages: string[];
}

/** An error the simulator answers with (status + Hetzner error code). */
export class SimError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: Record<string, unknown> | null;

  constructor(status: number, code: string, message: string, details: Record<string, unknown> | null = null) {
    super(message);
    this.name = "SimError";
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

/** 404 `not_found` for a resource kind and id. */
export function notFound(kind: string, id?: string | number): SimError {
  return new SimError(404, "not_found", id === undefined ? `${kind} not found` : `${kind} with ID '${id}' not found`);
}

/** 422 `invalid_input` naming each field, message in Hetzner's form. */
export function invalidInput(fields: FieldError[]): SimError {
  const first = fields[0]!;
  return new SimError(422, "invalid_input", `invalid input in field '${first.name}': ${first.messages.join(", ")}`, {
    fields,
  });
}

/** Shortcut for one invalid field. */
export function invalidField(name: string, message: string): SimError {
  return invalidInput([{ name, messages: [message] }]);
}

/** 409 `uniqueness_error` for fields that must be unique. */
export function uniquenessError(message: string, fields: string[]): SimError {
  return new SimError(409, "uniqueness_error", message, { fields: fields.map((name) => ({ name })) });
}

/** 423 `locked`: an action is already running on the resource. */
export function lockedError(kind: string, id: number): SimError {
  return new SimError(423, "locked", `${kind} ${id} is locked: there is already an action running`);
}

/** 422 with an operation-specific code (e.g. `server_already_attached`). */
export function unprocessable(code: string, message: string): SimError {
  return new SimError(422, code, message);
}
