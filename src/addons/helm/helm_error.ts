/**
 * What of a failed Helm run goes into `status.addons[name].lastError` and Events: the last lines of its
 * stderr, with anything that looks like a credential blanked out. Helm does not print values on
 * failure, but an error quoting a rendered manifest or a URL with a token must not reach the status.
 *
 * @module
 */

/** Lines of stderr kept. */
export const ERROR_LINES = 5;
/** Characters kept at most. */
export const ERROR_CHARS = 1000;

const SECRET_PATTERNS: RegExp[] = [
  // Bearer/Basic credentials, token=…, password: …
  /\b(bearer|basic)\s+[^\s"']+/gi,
  /\b(token|password|passphrase|secret|apikey|api-key|api_key)(["']?\s*[:=]\s*["']?)[^\s"',}]+/gi,
  // JWTs (service account tokens).
  /\beyJ[\w-]{10,}\.[\w-]{10,}\.[\w-]*/g,
  // Long opaque strings: Hetzner tokens (64 alphanumerics), passphrases (64 hex), base64 blobs. Names
  // with hyphens (deployment/hcloud-cloud-controller-manager) are not opaque and stay readable.
  /\b[A-Za-z0-9]{32,}\b/g,
  /[A-Za-z0-9+/]{40,}={0,2}/g,
];

/** Blanks out anything token-like in `text`. */
export function scrubSecrets(text: string): string {
  let out = text;
  out = out.replace(SECRET_PATTERNS[0]!, (_m, scheme: string) => `${scheme} [redacted]`);
  out = out.replace(SECRET_PATTERNS[1]!, (_m, key: string, sep: string) => `${key}${sep}[redacted]`);
  out = out.replace(SECRET_PATTERNS[2]!, "[redacted]");
  out = out.replace(SECRET_PATTERNS[3]!, "[redacted]");
  out = out.replace(SECRET_PATTERNS[4]!, "[redacted]");
  return out;
}

/** The last {@link ERROR_LINES} non-empty lines of a Helm stderr, scrubbed; a fallback naming the exit code when empty. */
export function helmErrorSummary(stderr: string, code: number): string {
  const lines = stderr.split("\n").map((l) => l.trimEnd()).filter((l) => l.trim() !== "");
  const tail = scrubSecrets(lines.slice(-ERROR_LINES).join("\n"));
  const text = tail === "" ? `helm exited with code ${code} and printed nothing` : tail;
  return text.length > ERROR_CHARS ? "..." + text.slice(text.length - ERROR_CHARS + 3) : text;
}
