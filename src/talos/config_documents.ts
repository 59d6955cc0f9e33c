/**
 * Talos machine configs as multi-document YAML: the `v1alpha1` document plus typed documents
 * (`HostnameConfig`, `VolumeConfig`, …). Per-node differences are applied as patches: a patch is a
 * list of documents merged into the role config, matched by kind (and `name` where the kind has one).
 *
 * @module
 */
import { stringify } from "yaml";

/** One YAML document of a machine config: the `v1alpha1` document has `version`, the others `kind`. */
export type ConfigDocument = Record<string, unknown>;

/** The identity of a document for patch matching: `v1alpha1`, `HostnameConfig`, `VolumeConfig/STATE`. */
export function documentKey(doc: ConfigDocument): string {
  if (typeof doc.kind === "string") {
    return typeof doc.name === "string" ? `${doc.kind}/${doc.name}` : doc.kind;
  }
  if (doc.version === "v1alpha1") return "v1alpha1";
  throw new TypeError("Cannot identify config document: it has neither kind nor version v1alpha1");
}

/**
 * Merges `patch` documents into `base`: a document with the same key is deep-merged (mappings
 * recursively, lists and scalars replaced, `null` deletes), new documents are appended in patch
 * order. Inputs are not modified.
 */
export function mergeConfigDocuments(base: ConfigDocument[], patch: ConfigDocument[]): ConfigDocument[] {
  const out = base.map((doc) => structuredClone(doc));
  for (const doc of patch) {
    const key = documentKey(doc);
    const index = out.findIndex((existing) => documentKey(existing) === key);
    if (index === -1) out.push(structuredClone(doc));
    else out[index] = deepMerge(out[index]!, doc);
  }
  return out;
}

/** Deep-merges `patch` into a copy of `base` (mappings merged, everything else replaced, `null` deletes). */
export function deepMerge(base: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = structuredClone(base);
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) {
      delete out[key];
    } else if (isMapping(value) && isMapping(out[key])) {
      out[key] = deepMerge(out[key] as Record<string, unknown>, value);
    } else {
      out[key] = structuredClone(value);
    }
  }
  return out;
}

/** Renders documents as multi-document YAML in their key order, without line folding. */
export function renderConfigYaml(docs: ConfigDocument[]): string {
  return docs.map((doc) => stringify(doc, { lineWidth: 0, indent: 4 })).join("---\n");
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
