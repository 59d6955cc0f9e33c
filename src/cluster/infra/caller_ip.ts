/**
 * `detectCallerIp()`: the public IPv4 address this machine reaches the internet from, used as the
 * firewall's only source when `api_allowlist` is empty.
 *
 * @module
 */
import { parseIpv4 } from "../../lib/cidr.ts";
import { UserFacingError } from "../../lib/errors.ts";

/** Where the address is asked by default (answers with the address as plain text). */
export const DEFAULT_CALLER_IP_URL = "https://ipv4.icanhazip.com";

/** Options of {@link detectCallerIp}. */
export interface DetectCallerIpOptions {
  /** Milliseconds before giving up; default 10 000. */
  timeoutMs?: number;
}

const HINT = "Set api_allowlist in k8zner.yaml to the addresses (CIDRs) allowed to reach the Kubernetes and " +
  "Talos APIs, or point K8ZNER_IP_URL at a service that answers with your public IPv4.";

/**
 * Asks `url` for the caller's public IPv4 and returns it (e.g. `203.0.113.7`). Throws a
 * UserFacingError asking for `api_allowlist` when the service fails or answers anything else.
 */
export async function detectCallerIp(
  fetchFn: typeof fetch,
  url: string = DEFAULT_CALLER_IP_URL,
  options: DetectCallerIpOptions = {},
): Promise<string> {
  const fail = (reason: string, cause?: unknown) =>
    new UserFacingError(`Cannot detect your public IPv4 address from ${url}: ${reason}`, { hint: HINT, cause });
  let text: string;
  try {
    const response = await fetchFn(url, {
      headers: { Accept: "text/plain" },
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
    text = await response.text();
    if (!response.ok) throw fail(`HTTP ${response.status}`);
  } catch (err) {
    if (err instanceof UserFacingError) throw err;
    throw fail(err instanceof Error ? err.message : String(err), err);
  }
  const answer = text.trim();
  if (parseIpv4(answer) === undefined) {
    throw fail(`the answer is not an IPv4 address: "${answer.slice(0, 60)}"`);
  }
  return answer;
}
