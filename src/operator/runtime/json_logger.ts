/**
 * Structured logs for operator mode: one JSON object per line (`time`, `level`, `msg`, then the
 * key/values), which `kubectl logs` and every log shipper read as-is. Values under keys that name
 * credentials are replaced, so a careless `log.info("applied", { token })` cannot leak one.
 *
 * @module
 */

/** Log levels, least to most severe. */
export type LogLevel = "debug" | "info" | "warn" | "error";

const ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/** Key/values attached to a line. */
export type LogFields = Record<string, unknown>;

/** A structured logger; `with()` returns one that adds fields to every line. */
export interface JsonLogger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  with(fields: LogFields): JsonLogger;
}

/** Options of {@link createJsonLogger}. */
export interface JsonLoggerOptions {
  /** Receives each line without its newline (the composition root writes it to stdout). */
  write: (line: string) => void;
  /** Lines below this level are dropped. Default `info`. */
  level?: LogLevel;
  now?: () => Date;
}

/** Keys whose values are never logged. */
const SECRET_KEY = /token|password|passwd|secret|private.?key|credential|machine.?config|talosconfig|kubeconfig|^key$/i;

function clean(value: unknown, depth: number, key?: string): unknown {
  if (key !== undefined && SECRET_KEY.test(key) && value !== undefined && value !== null) return "[redacted]";
  if (value instanceof Error) {
    const out: Record<string, unknown> = { name: value.name, message: value.message };
    if (value.cause !== undefined && depth < 4) out.cause = clean(value.cause, depth + 1);
    return out;
  }
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Date) return value.toISOString();
  if (typeof value !== "object" || value === null) return value;
  if (depth >= 6) return "[too deep]";
  if (Array.isArray(value)) return value.map((v) => clean(v, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, clean(v, depth + 1, k)]));
}

/** Creates a JSON-lines logger. */
export function createJsonLogger(options: JsonLoggerOptions, base: LogFields = {}): JsonLogger {
  const min = ORDER[options.level ?? "info"];
  const now = options.now ?? (() => new Date());
  const emit = (level: LogLevel, msg: string, fields: LogFields = {}) => {
    if (ORDER[level] < min) return;
    const extra = clean({ ...base, ...fields }, 0) as LogFields;
    // time, level and msg come first and cannot be overwritten by fields.
    const { time: _t, level: _l, msg: _m, ...rest } = extra;
    options.write(JSON.stringify({ time: now().toISOString(), level, msg, ...rest }));
  };
  return {
    debug: (msg, fields) => emit("debug", msg, fields),
    info: (msg, fields) => emit("info", msg, fields),
    warn: (msg, fields) => emit("warn", msg, fields),
    error: (msg, fields) => emit("error", msg, fields),
    with: (fields) => createJsonLogger(options, { ...base, ...fields }),
  };
}
