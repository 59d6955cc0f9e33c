/**
 * Debug trace of Hetzner API exchanges. `HCLOUD_DEBUG=1` prints each exchange to stderr;
 * `HCLOUD_DEBUG_FILE=path` appends one JSON object per exchange
 * (`{"ts","method","url","status","durationMs","request","response"}`). Secrets are redacted
 * before an entry is built: the token, `user_data`, `root_password`, and private keys.
 *
 * @module
 */

/** One request/response exchange. Bodies are parsed JSON, or null when there was none. */
export interface TraceEntry {
  ts: string;
  method: string;
  url: string;
  /** HTTP status; 0 when no response arrived. */
  status: number;
  durationMs: number;
  request: unknown;
  response: unknown;
  /** Why no response arrived (network error, timeout); absent otherwise. */
  error?: string;
}

/** Receives every exchange; injected into the client. */
export type TraceWriter = (entry: TraceEntry) => void | Promise<void>;

/** The placeholder that replaces a secret. */
export const REDACTED = "[REDACTED]";

const SECRET_KEYS = new Set(["user_data", "root_password", "private_key", "password", "token", "secret"]);
const PRIVATE_KEY_RE = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g;

/**
 * Returns a copy of `value` with secrets replaced by `[REDACTED]`, recursively: values of the keys
 * `user_data`, `root_password`, `private_key`, `password`, `token`, `secret`; PEM private keys
 * inside any string; and every occurrence of the given secret strings (the API token).
 */
export function redactSecrets(value: unknown, secrets: readonly string[] = []): unknown {
  const live = secrets.filter((s) => s.length >= 4);
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") return redactString(v, live);
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === "object") {
      const out: Record<string, unknown> = {};
      for (const [k, inner] of Object.entries(v)) {
        out[k] = SECRET_KEYS.has(k.toLowerCase()) && inner !== null && inner !== undefined ? REDACTED : walk(inner);
      }
      return out;
    }
    return v;
  };
  return walk(value);
}

/** Redacts PEM private keys and the given secret strings inside one string. */
export function redactString(text: string, secrets: readonly string[] = []): string {
  let out = text.replace(PRIVATE_KEY_RE, REDACTED);
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join(REDACTED);
  return out;
}

/** The JSON line `HCLOUD_DEBUG_FILE` receives for one exchange (keys in a fixed order). */
export function renderTraceLine(entry: TraceEntry): string {
  const ordered: Record<string, unknown> = {
    ts: entry.ts,
    method: entry.method,
    url: entry.url,
    status: entry.status,
    durationMs: entry.durationMs,
    request: entry.request,
    response: entry.response,
  };
  if (entry.error !== undefined) ordered.error = entry.error;
  return JSON.stringify(ordered);
}

/** The human-readable block `HCLOUD_DEBUG=1` prints to stderr for one exchange. */
export function renderTraceHuman(entry: TraceEntry): string {
  const lines = [`--> ${entry.method} ${entry.url}`];
  if (entry.request !== null) lines.push(JSON.stringify(entry.request, null, 2));
  const outcome = entry.status === 0 ? `failed: ${entry.error ?? "no response"}` : String(entry.status);
  lines.push(`<-- ${outcome} (${entry.durationMs} ms)`);
  if (entry.response !== null) lines.push(JSON.stringify(entry.response, null, 2));
  return lines.join("\n");
}

/** Where the trace goes; the CLI passes the real stderr and file append. */
export interface TraceSinks {
  err(text: string): void;
  appendLine(path: string, line: string): void | Promise<void>;
}

/**
 * Builds the trace writer the environment asks for: `HCLOUD_DEBUG` (any value but "", "0",
 * "false") prints to stderr, `HCLOUD_DEBUG_FILE` appends JSON lines. Undefined when neither is set.
 */
export function createTraceWriter(
  env: (name: string) => string | undefined,
  sinks: TraceSinks,
): TraceWriter | undefined {
  const debug = env("HCLOUD_DEBUG");
  const toStderr = debug !== undefined && !["", "0", "false"].includes(debug.trim().toLowerCase());
  const file = env("HCLOUD_DEBUG_FILE");
  const toFile = file !== undefined && file.trim() !== "";
  if (!toStderr && !toFile) return undefined;
  return async (entry) => {
    if (toStderr) sinks.err(renderTraceHuman(entry));
    if (toFile) await sinks.appendLine(file!, renderTraceLine(entry) + "\n");
  };
}
