/**
 * gRPC status codes and the errors the Talos API client throws: {@linkcode TalosError} for a failed call
 * and {@linkcode NodeError} for one node's failure inside an otherwise successful multi-node reply.
 *
 * @module
 */

/** The gRPC status codes (https://grpc.github.io/grpc/core/md_doc_statuscodes.html). */
export const GrpcCode = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

/** The name of a gRPC status code, e.g. `"UNAVAILABLE"`. */
export type GrpcCodeName = keyof typeof GrpcCode;

const NAMES = new Map<number, GrpcCodeName>(
  Object.entries(GrpcCode).map(([name, code]) => [code, name as GrpcCodeName]),
);

/** The name of a numeric status code; codes outside the table are `UNKNOWN` (as gRPC prescribes). */
export function grpcCodeName(code: number): GrpcCodeName {
  return NAMES.get(code) ?? "UNKNOWN";
}

/** Where a failed call went, for error messages. */
export interface CallSite {
  /** Full method path, e.g. `/machine.MachineService/Version`. */
  method?: string;
  /** `host:port` the call was sent to. */
  endpoint?: string;
}

/** A Talos API call that ended with a non-OK gRPC status (from the server, or locally: deadline, abort, connection). */
export class TalosError extends Error {
  override name = "TalosError";
  /** Numeric gRPC status code. */
  readonly code: number;
  /** Name of the status code, e.g. `"PERMISSION_DENIED"`. */
  readonly codeName: GrpcCodeName;
  /** The status message as sent by the server (or produced locally), without our prefix. */
  readonly details: string;
  readonly method: string | undefined;
  readonly endpoint: string | undefined;

  constructor(code: number, details: string, site: CallSite = {}, options: { cause?: unknown } = {}) {
    const codeName = grpcCodeName(code);
    const what = site.method ? ` ${shortMethod(site.method)}` : "";
    const where = site.endpoint ? ` on ${site.endpoint}` : "";
    super(`Cannot call Talos API${what}${where}: ${codeName}: ${details}`, { cause: options.cause });
    this.code = code;
    this.codeName = codeName;
    this.details = details;
    this.method = site.method;
    this.endpoint = site.endpoint;
  }
}

/** One node's failure inside a successful multi-node reply (`metadata.error` set by apid). */
export class NodeError extends Error {
  override name = "NodeError";
  /** The node as named in the `nodes` metadata. */
  readonly node: string;
  override readonly cause: TalosError;
  /** When thrown for a multi-node reply: what the other nodes answered. */
  results: unknown[] = [];
  constructor(node: string, cause: TalosError) {
    super(`Talos node "${node}" failed: ${cause.codeName}: ${cause.details}`, { cause });
    this.node = node;
    this.cause = cause;
  }
}

/**
 * Several nodes failed inside one reply. `results` holds what the other nodes answered, so a caller may
 * go on with the healthy part.
 */
export class NodeErrors extends AggregateError {
  override name = "NodeErrors";
  declare readonly errors: NodeError[];
  readonly results: unknown[];
  constructor(errors: NodeError[], results: unknown[]) {
    super(errors, `${errors.length} Talos nodes failed: ${errors.map((e) => e.node).join(", ")}`);
    this.results = results;
  }
}

/**
 * True when `err` is a {@linkcode TalosError} (directly, or as the cause of a {@linkcode NodeError}, or every error of
 * {@linkcode NodeErrors}) whose code is one of `codes` (any code when none are given).
 */
export function isTalosError(err: unknown, ...codes: GrpcCodeName[]): err is TalosError | NodeError | NodeErrors {
  if (err instanceof NodeErrors) return err.errors.every((e) => isTalosError(e, ...codes));
  const talos = err instanceof NodeError ? err.cause : err;
  if (!(talos instanceof TalosError)) return false;
  return codes.length === 0 || codes.includes(talos.codeName);
}

function shortMethod(method: string): string {
  return method.slice(method.lastIndexOf("/") + 1);
}
