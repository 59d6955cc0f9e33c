/**
 * Writes a spec back as k8zner.yaml text: fields in table order, each preceded by a short
 * comment, so the file the `init` wizard writes documents itself.
 *
 * @module
 */
import { Document, isMap, isPair, isScalar } from "yaml";
import { type FieldTable, SPEC_FIELDS } from "./fields.ts";
import type { Spec } from "./spec.ts";

const HEADER = [
  " k8zner cluster configuration.",
  " Check it with 'k8zner config validate'; 'k8zner config schema' prints every field.",
].join("\n");

/** Renders `spec` as YAML: stable key order (the field table's), first-sentence comments, no nulls. */
export function renderSpecYaml(spec: Spec): string {
  const ordered = orderLike(spec as unknown as Record<string, unknown>, SPEC_FIELDS);
  const doc = new Document(ordered);
  doc.commentBefore = HEADER;
  if (isMap(doc.contents)) {
    for (const pair of doc.contents.items) {
      if (!isPair(pair) || !isScalar(pair.key)) continue;
      const def = SPEC_FIELDS[String(pair.key.value)];
      if (def) pair.key.commentBefore = " " + firstSentence(def.description);
    }
  }
  return doc.toString({ lineWidth: 0 });
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
