/**
 * Per-answer checks for `k8zner init` (prompts and flags). Each returns a message when the value is
 * not acceptable, or `undefined`. Allowed values come from `spec.ts`; the whole spec is validated
 * again by the config validator before anything is written, so these exist to reject a bad answer
 * at the prompt that asked for it.
 *
 * @module
 */
import { parseCidr } from "../lib/cidr.ts";
import {
  LEGACY_SIZES,
  MAX_WORKERS,
  MIN_WORKERS,
  type Mode,
  MODES,
  type Region,
  REGIONS,
  SERVER_SIZES,
  type ServerSize,
} from "./spec.ts";

const NAME = /^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/;
// Same pattern as the earlier implementation's domain check (inventory §2.1).
const DOMAIN = /^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)*\.[a-zA-Z]{2,}$/;
const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

/** DNS-safe cluster name: 1-63 of `a-z0-9-`, starting with a letter, not ending with `-`, no `--`. */
export function checkName(value: string): string | undefined {
  if (value === "") return "a name is required";
  if (value.length > 63) return `at most 63 characters (got ${value.length})`;
  if (!NAME.test(value) || value.includes("--")) {
    return "lower-case letters, digits and single dashes; start with a letter, end with a letter or digit";
  }
  return undefined;
}

/** A domain such as `example.com`, at most 253 characters. */
export function checkDomain(value: string): string | undefined {
  if (value.length > 253 || !DOMAIN.test(value)) return `not a domain name (e.g. example.com): "${value}"`;
  return undefined;
}

/** An email address for certificate notices. */
export function checkEmail(value: string): string | undefined {
  return EMAIL.test(value) ? undefined : `not an email address: "${value}"`;
}

/** A single DNS label such as `argo`. */
export function checkSubdomain(value: string): string | undefined {
  return LABEL.test(value) ? undefined : `one DNS label of a-z, 0-9 and dashes (e.g. argo): "${value}"`;
}

/** One IPv4 or IPv6 CIDR (a bare address means one host), parsed strictly by `lib/cidr.ts`. */
export function checkCidr(value: string): string | undefined {
  const r = parseCidr(value);
  if (r.ok) return undefined;
  return `"${value}" is not a CIDR: ${r.reason}${r.suggestion ? ` (did you mean ${r.suggestion}?)` : ""}`;
}

/** Writes each valid CIDR in its canonical form (a bare address becomes `/32` or `/128`). */
export function normalizeCidrs(cidrs: string[]): string[] {
  return cidrs.map((c) => {
    const r = parseCidr(c);
    return r.ok ? r.normalized : c;
  });
}

/** Every entry of an allowlist must be a CIDR; the empty list means "detect at apply time". */
export function checkAllowlist(cidrs: string[]): string | undefined {
  const problems = cidrs.map(checkCidr).filter((p) => p !== undefined);
  return problems.length > 0 ? problems.join("; ") : undefined;
}

/** A parsed answer, or what is wrong with it. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string };

function oneOf<T extends string>(allowed: readonly T[], value: string): Parsed<T> {
  return (allowed as readonly string[]).includes(value)
    ? { ok: true, value: value as T }
    : { ok: false, problem: `must be one of ${allowed.join(", ")}` };
}

/** Parses a region (one of {@link REGIONS}). */
export function parseRegion(value: string): Parsed<Region> {
  return oneOf(REGIONS, value);
}

/** Parses a mode (`dev` or `ha`). */
export function parseMode(value: string): Parsed<Mode> {
  return oneOf(MODES, value);
}

/** Parses a server size, accepting retired names (`cx22` -> `cx23`) as the validator does. */
export function parseSize(value: string): Parsed<ServerSize> {
  const lower = value.toLowerCase();
  const replaced = LEGACY_SIZES[lower];
  if (replaced) return { ok: true, value: replaced };
  return oneOf(SERVER_SIZES, lower);
}

/** Parses a worker count: a whole number within MIN_WORKERS..MAX_WORKERS. */
export function parseWorkerCount(value: string): Parsed<number> {
  const count = /^\d+$/.test(value.trim()) ? Number(value.trim()) : NaN;
  if (!(count >= MIN_WORKERS && count <= MAX_WORKERS)) {
    return { ok: false, problem: `must be a whole number from ${MIN_WORKERS} to ${MAX_WORKERS}` };
  }
  return { ok: true, value: count };
}
