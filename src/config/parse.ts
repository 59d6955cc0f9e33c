/**
 * Parses and validates k8zner.yaml against the field table, reporting every problem at once with
 * its field path and line:column. Pure: the environment is injected.
 *
 * @module
 */
import { Document as YamlDocument, isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument } from "yaml";
import type { Document, Node, Pair, YAMLMap } from "yaml";
import { parseCidr } from "../lib/cidr.ts";
import { suggest } from "../lib/suggest.ts";
import {
  allowedText,
  BACKUP_BUCKET_SUFFIX,
  fieldAt,
  type FieldDef,
  type FieldTable,
  type FieldType,
  MAX_NAME_LENGTH_WITH_BACKUP,
  SPEC_FIELDS,
  YAML11_FALSE,
  YAML11_TRUE,
} from "./fields.ts";
import type { ConfigProblem } from "./problems.ts";
import type { Spec } from "./spec.ts";
import { explainPair, kubernetesVersionsFor } from "./version_rules.ts";
import { explainContinuation, explainYamlErrors, type SourceLine, sourceLines } from "./yaml_errors.ts";

/** Options of {@link parseConfig}. */
export interface ParseOptions {
  /** Reads an environment variable; only consulted when `requireEnv` is true. */
  env?: (name: string) => string | undefined;
  /** Also check the environment variables that `domain` and `backup` need (commands that act on them). */
  requireEnv?: boolean;
}

/** Result of {@link parseConfig}: `spec` is set exactly when `problems` is empty. */
export interface ParseResult {
  spec?: Spec;
  problems: ConfigProblem[];
  /** Where each field's key is, by dotted path (with `spec`): later checks against a live cluster name the line. */
  positions?: Readonly<Record<string, FieldPosition>>;
}

/** A line and column (1-based) in the file. */
export interface FieldPosition {
  line: number;
  column: number;
}

type Position = FieldPosition;

interface Walk {
  lc: LineCounter;
  doc: Document;
  problems: ConfigProblem[];
  /** Position of each field's key, by dotted path. */
  keys: Map<string, Position>;
  /** The source's lines, when there is a source (not for {@link checkFieldValue}). */
  lines?: SourceLine[];
}

/**
 * Parses k8zner.yaml text. `file` is used only to label problems' origin by callers; positions
 * are 1-based. Unknown fields, duplicate keys, wrong types, out-of-range values and unsupported
 * choices are all reported, each once.
 */
export function parseConfig(text: string, _file: string, opts: ParseOptions = {}): ParseResult {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: false, prettyErrors: false });
  const walk: Walk = { lc, doc, problems: [], keys: new Map(), lines: sourceLines(text) };
  if (doc.errors.length > 0) return { problems: explainYamlErrors(text, doc.errors, lc) };
  const contents = doc.contents as Node | null;
  let spec: Record<string, unknown> | undefined;
  if (contents === null || (isScalar(contents) && contents.value === null)) {
    spec = checkMap(walk, undefined, SPEC_FIELDS, "", { line: 1, column: 1 });
  } else if (isMap(contents)) {
    spec = checkMap(walk, contents, SPEC_FIELDS, "", positionOf(walk, contents));
  } else {
    const at = positionOf(walk, contents);
    walk.problems.push({
      path: "",
      ...at,
      message: `the file must be a mapping of fields (name: …, region: …), not ${describe(walk, contents)}`,
    });
  }
  if (spec !== undefined && walk.problems.length === 0) checkCrossField(walk, spec as unknown as Spec);
  if (spec !== undefined && walk.problems.length === 0 && opts.requireEnv) {
    checkEnvironment(walk, spec as unknown as Spec, opts.env ?? (() => undefined));
  }
  if (walk.problems.length > 0) return { problems: walk.problems };
  return { spec: spec as unknown as Spec, problems: [], positions: Object.fromEntries(walk.keys) };
}

/**
 * Checks one field's value as the file check would (for prompts and flags): returns the problem
 * message, or undefined when the value is acceptable. `path` is dotted, e.g. `workers.count`.
 */
export function checkFieldValue(path: string, value: unknown): string | undefined {
  const def = fieldAt(path);
  if (def === undefined) throw new RangeError(`Cannot check "${path}": not a k8zner.yaml field`);
  const doc = new YamlDocument(value);
  const walk: Walk = { lc: new LineCounter(), doc, problems: [], keys: new Map() };
  checkValue(walk, def, resolve(walk, doc.contents), path, { line: 1, column: 1 });
  const first = walk.problems[0];
  return first === undefined ? undefined : `${first.path === path ? "" : first.path + ": "}${first.message}`;
}

function positionOf(walk: Walk, node: Node | null | undefined, fallback: Position = { line: 1, column: 1 }): Position {
  const range = node?.range;
  if (!range) return fallback;
  const at = walk.lc.linePos(range[0]);
  return { line: at.line, column: at.col };
}

function resolve(walk: Walk, node: unknown): Node | null {
  if (node === null || node === undefined) return null;
  if (isAlias(node)) return (node.resolve(walk.doc) as Node | undefined) ?? null;
  return node as Node;
}

function isNull(node: Node | null): boolean {
  return node === null || (isScalar(node) && node.value === null);
}

function describe(walk: Walk, node: Node | null): string {
  if (isNull(node)) return "empty";
  if (isMap(node)) return "a mapping";
  if (isSeq(node)) return "a list";
  if (isScalar(node)) {
    const v = node.value;
    if (typeof v === "string") return `the text ${JSON.stringify(v)}`;
    if (typeof v === "number") return `the number ${v}`;
    if (typeof v === "boolean") return String(v);
    return String(v);
  }
  return resolve(walk, node) === node ? "an unsupported value" : describe(walk, resolve(walk, node));
}

function keyName(pair: Pair): string | undefined {
  const key = pair.key as Node | null;
  if (isScalar(key)) return String(key.value);
  return undefined;
}

function checkMap(
  walk: Walk,
  map: YAMLMap | undefined,
  fields: FieldTable,
  prefix: string,
  where: Position,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const seen = new Map<string, Position>();
  for (const pair of map?.items ?? []) {
    const keyNode = pair.key as Node | null;
    const keyAt = positionOf(walk, keyNode, positionOf(walk, pair.value as Node | null, where));
    const key = keyName(pair);
    if (key === undefined) {
      walk.problems.push({ path: prefix.replace(/\.$/, ""), ...keyAt, message: "field names must be plain words" });
      continue;
    }
    const path = prefix + key;
    const first = seen.get(key);
    if (first !== undefined) {
      walk.problems.push({ path, ...keyAt, message: `duplicate key; "${key}" is already set on line ${first.line}` });
      continue;
    }
    seen.set(key, keyAt);
    const def = Object.hasOwn(fields, key) ? fields[key] : undefined;
    if (def === undefined) {
      const known = Object.keys(fields);
      const guess = suggest(key, known);
      walk.problems.push({
        path,
        ...keyAt,
        message: `unknown field "${key}"${guess ? `; did you mean "${guess}"?` : ""}`,
        allowed: known.join(", "),
      });
      continue;
    }
    walk.keys.set(path, keyAt);
    const valueNode = resolve(walk, pair.value);
    const value = checkValue(walk, def, valueNode, path, keyAt);
    if (value !== undefined) out[key] = value;
  }
  for (const [key, def] of Object.entries(fields)) {
    if (def.required && !seen.has(key)) {
      walk.problems.push({ path: prefix + key, ...where, message: "is required", allowed: allowedText(def.type) });
    }
  }
  return out;
}

/** Checks one value; returns the normalised value, or undefined when unset or wrong. */
function checkValue(walk: Walk, def: FieldDef, node: Node | null, path: string, keyAt: Position): unknown {
  const at = positionOf(walk, node, keyAt);
  const problem = (message: string, allowed: string | undefined = allowedText(def.type)) => {
    walk.problems.push({ path, ...at, message, ...(allowed ? { allowed } : {}) });
    return undefined;
  };
  if (isNull(node)) {
    return def.required ? problem("is required but empty") : undefined;
  }
  if (reportContinuation(walk, node, path, keyAt)) return undefined;
  const type: FieldType = def.type;
  const scalar = isScalar(node) ? node.value : undefined;
  switch (type.kind) {
    case "object": {
      if (!isMap(node)) return problem(`must be a mapping, not ${describe(walk, node)}`);
      return checkMap(walk, node, type.fields, path + ".", at);
    }
    case "string": {
      if (typeof scalar !== "string") return problem(`must be text, not ${describe(walk, node)}`);
      if (scalar === "" && !def.required) return undefined;
      if (scalar.length > (type.maxLength ?? Infinity) || !type.pattern.test(scalar)) {
        return problem(`${JSON.stringify(scalar)} ${type.explain(scalar)}`);
      }
      return scalar;
    }
    case "enum": {
      if (typeof scalar !== "string") return problem(`must be one of the listed values, not ${describe(walk, node)}`);
      if (type.values.includes(scalar)) return scalar;
      const successor = type.legacy?.[scalar];
      if (successor !== undefined) return successor;
      const refused = type.explainRefused?.(scalar);
      if (refused !== undefined) return problem(refused);
      const guess = suggest(scalar, [...type.values, ...Object.keys(type.legacy ?? {})]);
      return problem(`"${scalar}" is not supported${guess ? `; did you mean "${guess}"?` : ""}`);
    }
    case "integer": {
      if (typeof scalar === "string" && /^\s*-?\d+\s*$/.test(scalar)) {
        return problem(`must be a number, not the text ${JSON.stringify(scalar)} (remove the quotes)`);
      }
      if (typeof scalar !== "number") return problem(`must be a whole number, not ${describe(walk, node)}`);
      if (!Number.isInteger(scalar)) return problem(`must be a whole number, not ${scalar}`);
      if (scalar < type.minimum || scalar > type.maximum) {
        return problem(`is ${scalar}; must be from ${type.minimum} to ${type.maximum}`);
      }
      return scalar;
    }
    case "boolean": {
      if (typeof scalar === "boolean") return scalar;
      if (typeof scalar === "string") {
        if ((YAML11_TRUE as readonly string[]).includes(scalar)) return true;
        if ((YAML11_FALSE as readonly string[]).includes(scalar)) return false;
      }
      return problem(`must be true or false, not ${describe(walk, node)}`);
    }
    case "cidr-list":
      return checkCidrList(walk, node, path, at);
  }
}

function checkCidrList(walk: Walk, node: Node | null, path: string, at: Position): string[] | undefined {
  if (!isSeq(node)) {
    walk.problems.push({
      path,
      ...at,
      message: `must be a list, not ${describe(walk, node)}`,
      allowed: allowedText({ kind: "cidr-list" }),
    });
    return undefined;
  }
  const out: string[] = [];
  const seen = new Map<string, number>();
  let ok = true;
  node.items.forEach((raw, i) => {
    const item = resolve(walk, raw);
    const itemPath = `${path}[${i}]`;
    const itemAt = positionOf(walk, item, at);
    const fail = (message: string, allowed?: string) => {
      ok = false;
      walk.problems.push({ path: itemPath, ...itemAt, message, ...(allowed ? { allowed } : {}) });
    };
    if (reportContinuation(walk, item, itemPath, itemAt)) return void (ok = false);
    const value = isScalar(item) ? item.value : undefined;
    if (typeof value !== "string") {
      return fail(`must be a CIDR text like "203.0.113.0/24", not ${describe(walk, item)}`);
    }
    const parsed = parseCidr(value);
    if (!parsed.ok) {
      return fail(
        `${JSON.stringify(value)} is not a valid CIDR: ${parsed.reason}`,
        parsed.suggestion ?? `an IPv4 or IPv6 CIDR like "203.0.113.0/24" or "2001:db8::/32"`,
      );
    }
    const first = seen.get(value);
    if (first !== undefined) return fail(`${JSON.stringify(value)} is listed twice (also ${path}[${first}])`);
    seen.set(value, i);
    if (!out.includes(parsed.normalized)) out.push(parsed.normalized);
  });
  return ok ? out : undefined;
}

/**
 * A plain value that spans lines is almost always a mis-indented line that YAML folded into the
 * value above it (`region: fsn1` then `  - x` reads as "fsn1 - x"); no field takes such text.
 * Reports it on the folded line, which is the one to fix. Returns true when it reported.
 */
function reportContinuation(walk: Walk, node: Node | null, path: string, startAt: Position): boolean {
  if (!isScalar(node) || node.type !== "PLAIN" || !node.range || walk.lines === undefined) return false;
  const first = walk.lc.linePos(node.range[0]).line;
  const last = walk.lc.linePos(node.range[1]).line;
  if (last <= first) return false;
  const next = walk.lines.slice(first, last).find((l) => !l.empty) ?? walk.lines[last - 1]!;
  const start = walk.lines[Math.min(startAt.line, first) - 1]!;
  walk.problems.push({
    path,
    line: next.number,
    column: next.indent + 1,
    message: explainContinuation(start, next, String(node.value)),
  });
  return true;
}

/** Rules spanning two fields; mirrored in the schema's `if`/`then` (schema.ts). */
function checkCrossField(walk: Walk, spec: Spec): void {
  // Only when both are pinned: an unpinned one follows the other (resolveVersions).
  if (spec.talos_version !== undefined && spec.kubernetes_version !== undefined) {
    const wrong = explainPair(spec.talos_version, spec.kubernetes_version);
    if (wrong !== undefined) {
      const talosLine = walk.keys.get("talos_version")?.line;
      walk.problems.push({
        path: "kubernetes_version",
        ...(walk.keys.get("kubernetes_version") ?? { line: 1, column: 1 }),
        message: `${wrong}; talos_version is ${spec.talos_version}${talosLine ? ` on line ${talosLine}` : ""}`,
        allowed: kubernetesVersionsFor(spec.talos_version).join(", ") || "none",
      });
    }
  }
  if (spec.backup && spec.name.length > MAX_NAME_LENGTH_WITH_BACKUP) {
    walk.problems.push({
      path: "name",
      ...(walk.keys.get("name") ?? { line: 1, column: 1 }),
      message:
        `is ${spec.name.length} characters long; with backup: true at most ${MAX_NAME_LENGTH_WITH_BACKUP}, so the bucket "<name>${BACKUP_BUCKET_SUFFIX}" fits S3's 63 characters`,
    });
  }
}

/** The environment variables each optional feature needs. */
export const REQUIRED_ENV = {
  domain: ["CF_API_TOKEN"],
  backup: ["HETZNER_S3_ACCESS_KEY", "HETZNER_S3_SECRET_KEY"],
} as const;

function checkEnvironment(walk: Walk, spec: Spec, env: (name: string) => string | undefined): void {
  const missing = (names: readonly string[]) => names.filter((n) => (env(n) ?? "") === "");
  if (spec.domain) {
    const absent = missing(REQUIRED_ENV.domain);
    if (absent.length > 0) {
      walk.problems.push({
        path: "domain",
        ...(walk.keys.get("domain") ?? { line: 1, column: 1 }),
        message:
          `needs the CF_API_TOKEN environment variable (a Cloudflare API token allowed to edit DNS of "${spec.domain}")`,
      });
    }
  }
  if (spec.backup) {
    const absent = missing(REQUIRED_ENV.backup);
    if (absent.length > 0) {
      walk.problems.push({
        path: "backup",
        ...(walk.keys.get("backup") ?? { line: 1, column: 1 }),
        message: `needs ${absent.join(" and ")} in the environment (Hetzner Object Storage credentials)`,
      });
    }
  }
}
