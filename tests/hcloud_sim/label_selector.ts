/**
 * Hetzner label selectors (Kubernetes syntax): `k=v`, `k==v`, `k!=v`, `k in (a,b)`,
 * `k notin (a,b)`, `k` (exists), `!k` (absent), comma = AND. Also validates label maps.
 *
 * @module
 */
import { invalidField, type SimError } from "./errors.ts";

/** One parsed requirement of a selector. */
export type Requirement =
  | { key: string; op: "eq" | "ne"; value: string }
  | { key: string; op: "in" | "notin"; values: string[] }
  | { key: string; op: "exists" | "absent" };

const NAME = /^[a-zA-Z0-9]([a-zA-Z0-9._-]{0,61}[a-zA-Z0-9])?$/;
const PREFIX = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;
const VALUE = /^([a-zA-Z0-9]([a-zA-Z0-9._-]{0,61}[a-zA-Z0-9])?)?$/;

/** Whether `key` is a valid label key (optional DNS prefix + `/` + name of at most 63 chars). */
export function isValidLabelKey(key: string): boolean {
  const slash = key.lastIndexOf("/");
  if (slash < 0) return NAME.test(key);
  const prefix = key.slice(0, slash);
  return prefix.length > 0 && prefix.length <= 253 && PREFIX.test(prefix) && NAME.test(key.slice(slash + 1));
}

/** Whether `value` is a valid label value (empty, or at most 63 chars, alphanumeric at both ends). */
export function isValidLabelValue(value: string): boolean {
  return VALUE.test(value);
}

/** Parses a selector; throws `invalid_input` on `label_selector` when malformed. */
export function parseLabelSelector(selector: string): Requirement[] {
  const requirements: Requirement[] = [];
  let rest = selector.trim();
  if (rest === "") return requirements;
  const fail = (why: string): SimError =>
    invalidField("label_selector", `invalid label selector "${selector}": ${why}`);
  while (rest.length > 0) {
    let m: RegExpMatchArray | null;
    if ((m = rest.match(/^!\s*([^\s,=!()]+)\s*(,|$)/))) {
      requirements.push({ key: m[1]!, op: "absent" });
    } else if ((m = rest.match(/^([^\s,=!()]+)\s+(in|notin)\s*\(([^)]*)\)\s*(,|$)/))) {
      const values = m[3]!.split(",").map((v) => v.trim());
      if (values.some((v) => !isValidLabelValue(v)) || values.every((v) => v === "")) throw fail("bad value list");
      requirements.push({ key: m[1]!, op: m[2] as "in" | "notin", values });
    } else if ((m = rest.match(/^([^\s,=!()]+)\s*(==|=|!=)\s*([^\s,=!()]*)\s*(,|$)/))) {
      if (!isValidLabelValue(m[3]!)) throw fail(`bad value "${m[3]}"`);
      requirements.push({ key: m[1]!, op: m[2] === "!=" ? "ne" : "eq", value: m[3]! });
    } else if ((m = rest.match(/^([^\s,=!()]+)\s*(,|$)/))) {
      requirements.push({ key: m[1]!, op: "exists" });
    } else {
      throw fail(`cannot parse "${rest}"`);
    }
    const last = requirements[requirements.length - 1]!;
    if (!isValidLabelKey(last.key)) throw fail(`bad key "${last.key}"`);
    rest = rest.slice(m[0].length).trim();
    if (m[0].trimEnd().endsWith(",") && rest === "") throw fail("trailing comma");
  }
  return requirements;
}

/** Whether `labels` satisfy every requirement. */
export function matchesRequirements(labels: Record<string, string>, requirements: Requirement[]): boolean {
  return requirements.every((r) => {
    const has = Object.hasOwn(labels, r.key);
    const value = labels[r.key];
    switch (r.op) {
      case "eq":
        return has && value === r.value;
      case "ne":
        return !has || value !== r.value;
      case "in":
        return has && r.values.includes(value!);
      case "notin":
        return !has || !r.values.includes(value!);
      case "exists":
        return has;
      case "absent":
        return !has;
    }
  });
}

/** Parses and matches in one step. */
export function matchesSelector(labels: Record<string, string>, selector: string): boolean {
  return matchesRequirements(labels, parseLabelSelector(selector));
}

/** Validates a `labels` request field; returns a copy or throws `invalid_input`. */
export function validateLabels(input: unknown, field = "labels"): Record<string, string> {
  if (input === undefined || input === null) return {};
  if (typeof input !== "object" || Array.isArray(input)) throw invalidField(field, "must be an object");
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(input)) {
    if (typeof value !== "string") throw invalidField(field, `label "${key}" must have a string value`);
    if (!isValidLabelKey(key)) throw invalidField(field, `label key "${key}" is invalid`);
    if (key.startsWith("hetzner.cloud/")) throw invalidField(field, `label key "${key}" uses a reserved prefix`);
    if (!isValidLabelValue(value)) throw invalidField(field, `label value "${value}" of "${key}" is invalid`);
    out[key] = value;
  }
  return out;
}
