/**
 * Writes a spec back as k8zner.yaml text: fields in table order, each preceded by a short
 * comment, so the file the `init` wizard writes documents itself.
 *
 * @module
 */
import { Document, isMap, isPair, isScalar } from "yaml";
import { wrapWords } from "../lib/wrap_words.ts";
import { type FieldDef, type FieldTable, SPEC_FIELDS } from "./fields.ts";
import type { Spec } from "./spec.ts";

const HEADER = [
  " k8zner cluster configuration.",
  " Check it with 'k8zner config validate'; 'k8zner config schema' prints every field.",
].join("\n");

/** Comments of the written file wrap here, so the file reads in an ordinary editor window. */
export const COMMENT_WIDTH = 100;

/**
 * Renders `spec` as YAML: stable key order (the field table's), first-sentence comments (for a
 * choice, what the chosen value means) wrapped at `commentWidth` (default {@link COMMENT_WIDTH}),
 * no nulls.
 */
export function renderSpecYaml(spec: Spec, options: { commentWidth?: number } = {}): string {
  const ordered = orderLike(spec as unknown as Record<string, unknown>, SPEC_FIELDS);
  const doc = new Document(ordered);
  doc.commentBefore = HEADER;
  if (isMap(doc.contents)) {
    for (const pair of doc.contents.items) {
      if (!isPair(pair) || !isScalar(pair.key)) continue;
      const def = SPEC_FIELDS[String(pair.key.value)];
      if (def) pair.key.commentBefore = " " + commentFor(def, isScalar(pair.value) ? pair.value.value : undefined);
    }
  }
  return wrapYamlComments(doc.toString({ lineWidth: 0 }), options.commentWidth ?? COMMENT_WIDTH);
}

/** A field's comment: what the chosen value means when the field has meanings, else its first sentence. */
function commentFor(def: FieldDef, value: unknown): string {
  const meanings = def.type.kind === "enum" ? def.type.meanings : undefined;
  const meaning = typeof value === "string" ? meanings?.[value] : undefined;
  if (meanings === undefined || meaning === undefined) return firstSentence(def.description);
  const others = Object.entries(meanings).filter(([v]) => v !== value).map(([v, m]) => `${v}: ${m}`);
  return `${value}: ${meaning}${others.length > 0 ? ` (${others.join("; ")})` : ""}.`;
}

/**
 * Wraps comment lines of YAML text longer than `width` at spaces, starting each continuation with
 * the comment's own indentation and "# " so it stays a comment (a terminal or a note box that
 * wraps by itself would start the continuation without "#"). Other lines are left alone: breaking
 * a value would change it.
 */
export function wrapYamlComments(text: string, width: number): string {
  return text.split("\n").flatMap((line) => {
    const m = line.match(/^(\s*#\s?)(.*)$/);
    if (!m || line.length <= width) return [line];
    const prefix = m[1]!.endsWith(" ") ? m[1]! : m[1]! + " ";
    const out = wrapWords(m[2]!, Math.max(width - prefix.length, 10)).map((l) => prefix + l);
    out[0] = m[1]! + out[0]!.slice(prefix.length);
    return out;
  }).join("\n");
}

function orderLike(value: Record<string, unknown>, fields: FieldTable): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, def] of Object.entries(fields)) {
    const v = value[key];
    if (v === undefined || v === null) continue;
    if (def.type.kind === "object" && typeof v === "object" && !Array.isArray(v)) {
      const inner = orderLike(v as Record<string, unknown>, def.type.fields);
      if (Object.keys(inner).length > 0) out[key] = inner;
    } else {
      out[key] = v;
    }
  }
  return out;
}

function firstSentence(text: string): string {
  const plain = text.replaceAll("`", "");
  const end = plain.search(/\.(\s|$)/);
  return end === -1 ? plain : plain.slice(0, end + 1);
}
