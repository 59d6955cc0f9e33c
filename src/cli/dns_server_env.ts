/**
 * `K8ZNER_DNS_SERVER=<ip>[:<port>]`: the name server `k8zner doctor` asks instead of the system's
 * resolver for its endpoint checks (and connects to the address it gives). For a split-horizon DNS, a
 * resolver that still caches an old answer, or the local cloud's DNS server. IPv6 as `[::1]:5353`.
 *
 * @module
 */
import { UsageError } from "../lib/errors.ts";
import type { NameServer } from "./doctor_probes.ts";

/** The environment variable. */
export const DNS_SERVER_ENV = "K8ZNER_DNS_SERVER";

/** Parses the variable's value; undefined when unset or blank. Throws {@link UsageError} (exit 2) naming it. */
export function parseDnsServer(value: string | undefined): NameServer | undefined {
  const raw = value?.trim() ?? "";
  if (raw === "") return undefined;
  const m = /^\[([0-9a-fA-F:.]+)\](?::(\d+))?$/.exec(raw) ?? /^(\d{1,3}(?:\.\d{1,3}){3})(?::(\d+))?$/.exec(raw);
  const ipAddr = m?.[1];
  const port = m?.[2] === undefined ? 53 : Number(m[2]);
  const ipv4Ok = ipAddr === undefined || ipAddr.includes(":") || ipAddr.split(".").every((o) => Number(o) <= 255);
  if (ipAddr === undefined || !ipv4Ok || !(port >= 1 && port <= 65535)) {
    throw new UsageError(`Cannot use ${DNS_SERVER_ENV} "${raw}": not an IP address with an optional port`, {
      hint:
        `e.g. ${DNS_SERVER_ENV}=192.0.2.53, ${DNS_SERVER_ENV}=127.0.0.1:5353 or ${DNS_SERVER_ENV}=[2001:db8::53]:53; ` +
        "unset it to use the system resolver",
    });
  }
  return { ipAddr, port };
}
