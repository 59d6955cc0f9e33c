/**
 * Label and field selectors as the API server parses them (`app=web,tier!=db,env in (a,b),!legacy`).
 *
 * @module
 */
import { badRequest } from "./status.ts";

type Predicate = (obj: Record<string, unknown>) => boolean;

function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = "";
  for (const ch of text) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === "," && depth === 0) {
      parts.push(current.trim());
      current = "";
    } else current += ch;
  }
  if (current.trim() !== "") parts.push(current.trim());
  return parts;
}

function labelsOf(obj: Record<string, unknown>): Record<string, string> {
  const metadata = (obj.metadata ?? {}) as Record<string, unknown>;
  return (metadata.labels ?? {}) as Record<string, string>;
}

/** Compiles a label selector; an empty or absent selector matches everything. */
export function parseLabelSelector(selector: string | null | undefined): Predicate {
  if (!selector) return () => true;
  const terms: Predicate[] = splitTopLevel(selector).map((term) => {
    let m = term.match(/^([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)$/);
    if (m) {
      const [, key, op, list] = m;
      const values = list!.split(",").map((v) => v.trim()).filter((v) => v !== "");
      return op === "in"
        ? (o) => values.includes(labelsOf(o)[key!] ?? "\0")
        : (o) => !values.includes(labelsOf(o)[key!] ?? "\0");
    }
    m = term.match(/^([\w./-]+)\s*(==|=|!=)\s*([\w./-]*)$/);
    if (m) {
      const [, key, op, value] = m;
      return op === "!=" ? (o) => labelsOf(o)[key!] !== value : (o) => labelsOf(o)[key!] === value;
    }
    m = term.match(/^(!?)([\w./-]+)$/);
    if (m) {
      const [, not, key] = m;
      return not === "!" ? (o) => !(key! in labelsOf(o)) : (o) => key! in labelsOf(o);
    }
    throw badRequest(`unable to parse requirement: invalid label selector term "${term}"`);
  });
  return (obj) => terms.every((t) => t(obj));
}

function valueAt(obj: Record<string, unknown>, path: string): string {
  let node: unknown = obj;
  for (const part of path.split(".")) {
    if (typeof node !== "object" || node === null) return "";
    node = (node as Record<string, unknown>)[part];
  }
  return node === undefined || node === null ? "" : String(node);
}

/** Compiles a field selector (`metadata.name=x,spec.nodeName!=y`); empty matches everything. */
export function parseFieldSelector(selector: string | null | undefined): Predicate {
  if (!selector) return () => true;
  const terms: Predicate[] = splitTopLevel(selector).map((term) => {
    const m = term.match(/^([\w.]+)\s*(==|=|!=)\s*(.*)$/);
    if (!m) throw badRequest(`invalid field selector term "${term}"`);
    const [, path, op, value] = m;
    return op === "!=" ? (o) => valueAt(o, path!) !== value : (o) => valueAt(o, path!) === value;
  });
  return (obj) => terms.every((t) => t(obj));
}

/**
 * Compiles a structured `metav1.LabelSelector` (`matchLabels` and `matchExpressions`). As for a
 * PodDisruptionBudget, an empty selector matches every object and an absent one none.
 */
export function matchLabelSelector(selector: unknown): Predicate {
  if (typeof selector !== "object" || selector === null) return () => false;
  const { matchLabels = {}, matchExpressions = [] } = selector as {
    matchLabels?: Record<string, string>;
    matchExpressions?: { key: string; operator: string; values?: string[] }[];
  };
  return (obj) => {
    const labels = labelsOf(obj);
    if (!Object.entries(matchLabels).every(([k, v]) => labels[k] === v)) return false;
    return matchExpressions.every(({ key, operator, values = [] }) => {
      switch (operator) {
        case "In":
          return key in labels && values.includes(labels[key]!);
        case "NotIn":
          return !(key in labels) || !values.includes(labels[key]!);
        case "Exists":
          return key in labels;
        case "DoesNotExist":
          return !(key in labels);
        default:
          return false;
      }
    });
  };
}
