/**
 * Says why a `fetch` got no HTTP response. Deno's fetch throws `TypeError: fetch failed` and hides
 * the reason in `err.cause` ("tcp connect error: Connection refused (os error 111)", "dns error: …");
 * the user needs that reason, and the retry policy needs to know whether waiting can help.
 *
 * @module
 */

/** What kind of failure prevented a response. */
export type NetworkFailureKind = "refused" | "dns" | "tls" | "blocked" | "reset" | "timeout" | "unknown";

/** A classified network failure: the kind and a short reason for the user. */
export interface NetworkFailure {
  kind: NetworkFailureKind;
  /** Lower-case, e.g. `connection refused`; never contains the request's headers. */
  reason: string;
}

/** The messages of `err` and its causes, outermost first (at most 10 deep). */
function causeMessages(err: unknown): string[] {
  const messages: string[] = [];
  let current: unknown = err;
  for (let depth = 0; current !== undefined && current !== null && depth < 10; depth++) {
    if (current instanceof Error) {
      messages.push(`${current.name}: ${current.message}`);
      const code = (current as { code?: unknown }).code;
      if (typeof code === "string") messages.push(code);
      current = current.cause;
    } else {
      messages.push(String(current));
      current = undefined;
    }
  }
  return messages;
}

const RULES: readonly { kind: NetworkFailureKind; pattern: RegExp; reason: (m: RegExpMatchArray) => string }[] = [
  // Deno refuses the fetch spec's "bad ports" (9, 25, 6000, …) before connecting.
  {
    kind: "blocked",
    pattern: /requests to port (\d+) are blocked/i,
    reason: (m) => `port ${m[1]} is blocked by the runtime (a "bad port" of the fetch standard)`,
  },
  { kind: "refused", pattern: /connection refused|ECONNREFUSED|os error 111\b/i, reason: () => "connection refused" },
  {
    kind: "dns",
    pattern: /dns error|failed to lookup address|ENOTFOUND|EAI_AGAIN|name or service not known|nodename nor servname/i,
    reason: () => "host name not found (DNS lookup failed)",
  },
  { kind: "timeout", pattern: /TimeoutError|timed out|ETIMEDOUT|os error 110\b/i, reason: () => "timed out" },
  // Before "tls": a peer that hangs up mid-handshake (a rebooting node) is a closed connection, not a bad certificate.
  {
    kind: "reset",
    pattern:
      /connection reset|ECONNRESET|os error 104\b|broken pipe|EPIPE|connection closed|error reading a body|socket disconnected|socket hang up/i,
    reason: () => "connection reset or closed before the response was complete",
  },
  {
    kind: "tls",
    pattern: /certificate|\btls\b|\bssl\b|handshake|corrupt message|InvalidContentType/i,
    reason: () => "TLS handshake failed (wrong scheme or untrusted certificate?)",
  },
];

/**
 * Classifies why a request got no response, looking through the whole `cause` chain. Unknown
 * failures keep the innermost message as the reason.
 */
export function classifyNetworkError(err: unknown): NetworkFailure {
  const messages = causeMessages(err);
  for (const rule of RULES) {
    for (const message of messages) {
      const match = message.match(rule.pattern);
      if (match) return { kind: rule.kind, reason: rule.reason(match) };
    }
  }
  const innermost = messages.filter((m) => !/^\w+$/.test(m)).at(-1) ?? "unknown network error";
  return { kind: "unknown", reason: innermost.replace(/^(TypeError|Error): /, "") };
}
