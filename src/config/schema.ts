/**
 * JSON Schema (draft 2020-12) of k8zner.yaml, generated from the same field table the validator
 * reads. What plain JSON Schema cannot express (a CIDR's host bits) is named as the format
 * `k8zner-cidr`, whose implementation {@link isK8znerCidr} is the validator's own check, so
 * editors get the syntax right and tools that load the format get the exact same verdict.
 *
 * @module
 */
import { isValidCidr } from "../lib/cidr.ts";
import {
  allowedText,
  type FieldDef,
  type FieldTable,
  MAX_NAME_LENGTH_WITH_BACKUP,
  SPEC_FIELDS,
  YAML11_FALSE,
  YAML11_TRUE,
} from "./fields.ts";
import { kubernetesVersionsFor } from "./version_rules.ts";
import { SUPPORTED_TALOS_VERSIONS } from "./versions.ts";

/** Name of the custom format for CIDR list items. */
export const CIDR_FORMAT = "k8zner-cidr";

/** The check behind {@link CIDR_FORMAT}: exactly what the validator accepts for one list item. */
export function isK8znerCidr(text: string): boolean {
  return isValidCidr(text);
}

/** IPv4 or IPv6 address with optional prefix: the syntax part of a CIDR, for editors. */
const CIDR_SYNTAX = "^(?:[0-9]{1,3}(?:\\.[0-9]{1,3}){3}|[0-9a-fA-F:.]*:[0-9a-fA-F:.]*)(?:/[0-9]{1,3})?$";

type Schema = Record<string, unknown>;

function typeSchema(def: FieldDef): Schema {
  const nullable = !def.required;
  const type = def.type;
  switch (type.kind) {
    case "string": {
      // An optional string may be empty (the earlier implementation treated "" as unset).
      const pattern = nullable ? `^$|${type.pattern.source}` : type.pattern.source;
      const s: Schema = { type: nullable ? ["string", "null"] : "string", pattern };
      if (type.maxLength !== undefined) s.maxLength = type.maxLength;
      return s;
    }
    case "enum": {
      const values: unknown[] = [...type.values, ...Object.keys(type.legacy ?? {})];
      if (nullable) values.push(null);
      return { enum: values };
    }
    case "integer":
      return { type: nullable ? ["integer", "null"] : "integer", minimum: type.minimum, maximum: type.maximum };
    case "boolean": {
      const alternatives: Schema[] = [
        { type: "boolean" },
        { enum: [...YAML11_TRUE, ...YAML11_FALSE], description: "YAML 1.1 spelling, read as true/false" },
      ];
      if (nullable) alternatives.push({ type: "null" });
      return { anyOf: alternatives };
    }
    case "cidr-list":
      return {
        type: nullable ? ["array", "null"] : "array",
        items: { type: "string", pattern: CIDR_SYNTAX, format: CIDR_FORMAT },
        uniqueItems: true,
      };
    case "object":
      return { ...objectSchema(type.fields), ...(nullable ? { type: ["object", "null"] } : {}) };
  }
}

function objectSchema(fields: FieldTable): Schema {
  const properties: Record<string, Schema> = {};
  for (const [key, def] of Object.entries(fields)) {
    const s: Schema = { description: `${def.description} Allowed: ${allowedText(def.type)}.`, ...typeSchema(def) };
    if (def.default !== undefined) s.default = def.default;
    properties[key] = s;
  }
  const required = Object.entries(fields).filter(([, d]) => d.required).map(([k]) => k);
  return { type: "object", additionalProperties: false, required, properties };
}

/** The JSON Schema of k8zner.yaml (draft 2020-12). */
export function configJsonSchema(): Record<string, unknown> {
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    $id: "https://k8zner.dev/schema/k8zner.yaml.json",
    title: "k8zner.yaml",
    description: "Configuration of one k8zner cluster: Talos Kubernetes on Hetzner Cloud.",
    ...objectSchema(SPEC_FIELDS),
    allOf: [
      // Cross-field rules, mirrored in parse.ts. With backups on, the bucket name limits the name.
      {
        if: { required: ["backup"], properties: { backup: { enum: [true, ...YAML11_TRUE] } } },
        then: { properties: { name: { type: "string", maxLength: MAX_NAME_LENGTH_WITH_BACKUP } } },
      },
      // A pinned Talos version allows only the Kubernetes versions it runs (either spelling, or unset).
      ...SUPPORTED_TALOS_VERSIONS.map((talos) => ({
        if: { required: ["talos_version"], properties: { talos_version: { enum: spellings([talos]) } } },
        then: {
          properties: { kubernetes_version: { enum: [...spellings(kubernetesVersionsFor(talos)), null] } },
        },
      })),
    ],
  };
}

/** `v1.13.9` and `1.13.9` of each version, as the field tables accept both. */
function spellings(versions: readonly string[]): string[] {
  return versions.flatMap((v) => [v, v.startsWith("v") ? v.slice(1) : `v${v}`]);
}
