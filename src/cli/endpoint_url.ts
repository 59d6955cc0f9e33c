/**
 * The rule for URLs the environment can redirect the CLI to (`HCLOUD_ENDPOINT`, `K8ZNER_IP_URL`):
 * https, or plain http only to this machine. The Hetzner token travels in every API request and the
 * caller-IP answer decides who may reach the cluster's APIs, so neither may cross a network in the
 * clear; loopback stays allowed for the local simulator and tests.
 *
 * @module
 */
import { UsageError } from "../lib/errors.ts";

/** True for `localhost`, any 127.0.0.0/8 address and `[::1]`. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  if (host === "localhost" || host === "[::1]") return true;
  const octets = host.split(".");
  return octets.length === 4 && octets[0] === "127" && octets.every((o) => /^\d{1,3}$/.test(o) && Number(o) <= 255);
}

/**
 * Checks the URL in environment variable `name` and returns it.
 *
 * @throws {UsageError} (exit 2) naming the variable when the value is not an http(s) URL, or is
 * plain http to a host other than loopback.
 */
export function checkEndpointUrl(name: string, value: string): string {
  let url: URL | undefined;
  try {
    url = /^https?:\/\/\S+$/.test(value) ? new URL(value) : undefined;
  } catch {
    url = undefined;
  }
  if (url === undefined) {
    throw new UsageError(`Cannot use ${name} "${value}": not an http(s) URL`, {
      hint: `Unset ${name} for the default, or set an https URL (plain http only to 127.0.0.1, localhost or [::1])`,
    });
  }
  if (url.protocol === "http:" && !isLoopbackHost(url.hostname)) {
    throw new UsageError(
      `Cannot use ${name} "${value}": plain http is allowed only to a loopback host (localhost, 127.0.0.0/8, [::1])`,
      { hint: `Use https:// for ${url.hostname}` },
    );
  }
  return value;
}
