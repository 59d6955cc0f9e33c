/**
 * Per-answer checks for `k8zner init` (prompts and flags), delegating to the config validator's
 * own field check ({@link checkFieldValue}) so an answer is accepted exactly when the same value in
 * k8zner.yaml would be. Each returns a message when the value is not acceptable, or `undefined`.
 * Cross-field rules (e.g. the shorter name limit with `backup`) are checked when the whole spec is
 * validated again before anything is written.
 *
 * @module
 */
import { parseCidr } from "../lib/cidr.ts";
import { checkFieldValue } from "./parse.ts";
import { LEGACY_SIZES, type Mode, MODES, type Region, REGIONS, SERVER_SIZES, type ServerSize } from "./spec.ts";

/** Cluster name, as `name` in the file. */
export function checkName(value: string): string | undefined {
  return checkFieldValue("name", value);
}

/** A domain such as `example.com`, as `domain` in the file. */
export function checkDomain(value: string): string | undefined {
  return checkFieldValue("domain", value);
}

/** An email address for certificate notices, as `cert_email`. */
export function checkEmail(value: string): string | undefined {
  return checkFieldValue("cert_email", value);
}

/** A host-name prefix such as `argo`, as `argo_subdomain` / `grafana_subdomain`. */
export function checkSubdomain(value: string, field: "argo_subdomain" | "grafana_subdomain"): string | undefined {
  return checkFieldValue(field, value);
}

/** Every entry of an allowlist, as `api_allowlist`; the empty list means "detect at apply time". */
export function checkAllowlist(cidrs: string[]): string | undefined {
  const problems = cidrs.map((c) => checkFieldValue("api_allowlist", [c])?.replace(/^api_allowlist\[\d+\]: /, ""))
    .filter((p) => p !== undefined);
  if (problems.length > 0) return problems.join("; ");
  return checkFieldValue("api_allowlist", cidrs)?.replace(/^api_allowlist\[\d+\]: /, "");
}

/** Writes each valid CIDR in its canonical form (a bare address becomes `/32` or `/128`). */
export function normalizeCidrs(cidrs: string[]): string[] {
  return cidrs.map((c) => {
    const r = parseCidr(c);
    return r.ok ? r.normalized : c;
  });
}

/** A parsed answer, or what is wrong with it. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string };

function oneOf<T extends string>(field: string, allowed: readonly T[], value: string): Parsed<T> {
  const problem = checkFieldValue(field, value);
  if (problem) return { ok: false, problem: `${problem}; allowed: ${allowed.join(", ")}` };
  return { ok: true, value: (LEGACY_SIZES[value] ?? value) as T };
}

/** Parses a region, as `region`. */
export function parseRegion(value: string): Parsed<Region> {
  return oneOf("region", REGIONS, value);
}

/** Parses a mode (`dev` or `ha`), as `mode`. */
export function parseMode(value: string): Parsed<Mode> {
  return oneOf("mode", MODES, value);
}

/** Parses a server size; retired names (`cx22`) are accepted and replaced (`cx23`) as the validator does. */
export function parseSize(value: string, field: "workers.size" | "control_plane.size"): Parsed<ServerSize> {
  return oneOf(field, SERVER_SIZES, value);
}

/** Parses a worker count given as text (a flag), as `workers.count`. */
export function parseWorkerCount(value: string): Parsed<number> {
  const count = /^\s*-?\d+\s*$/.test(value) ? Number(value) : value;
  const problem = checkFieldValue("workers.count", count);
  return problem ? { ok: false, problem } : { ok: true, value: count as number };
}
