/**
 * Checks Talos machine configs against the official Talos v1.13 JSON Schema
 * (`../shared/contracts/talos-config.schema.json`, outside the repository): each YAML document
 * against the root schema (a `oneOf` over all document kinds) and against the definition of its
 * own kind. Returns `undefined` when the contract is absent so tests can skip with a reason.
 *
 * @module
 */
import Ajv2020 from "ajv/dist/2020";
import { parseAllDocuments } from "yaml";
import { type Requirement, sharedFile } from "./requirements.ts";

/** Where the schema lives: `<repo>/../shared/contracts/`. */
export const TALOS_SCHEMA_URL = new URL("../../shared/contracts/talos-config.schema.json", import.meta.url);
/** The schema as a test requirement: `requires([TALOS_SCHEMA], …)` skips when `../shared` is absent. */
export const TALOS_SCHEMA: Requirement = sharedFile("contracts/talos-config.schema.json");

/** Kind -> schema definition name, as the schema structures them. */
const KIND_DEFINITIONS: Record<string, string> = {
  HostnameConfig: "network.HostnameConfigV1Alpha1",
  VolumeConfig: "block.VolumeConfigV1Alpha1",
  ResolverConfig: "network.ResolverConfigV1Alpha1",
  KubeSpanConfig: "network.KubeSpanConfigV1Alpha1",
};

/** Validates every document of a multi-document YAML string and returns the problems found. */
export type TalosSchemaCheck = (yamlText: string) => string[];

/** Loads the schema and compiles it once; `undefined` when it is absent ({@link TALOS_SCHEMA} says why). */
export async function loadTalosSchemaCheck(): Promise<TalosSchemaCheck | undefined> {
  if (TALOS_SCHEMA.missing) return undefined;
  const text = await Deno.readTextFile(TALOS_SCHEMA.path);
  const schema = JSON.parse(text);
  // deno-lint-ignore no-explicit-any
  const ajv = new (Ajv2020 as any)({ strict: false, allErrors: true });
  ajv.addFormat("uri", (value: string) => URL.canParse(value));
  ajv.addSchema(schema);
  const id = schema.$id as string;
  const root = ajv.getSchema(id)!;
  return (yamlText) => {
    const problems: string[] = [];
    parseAllDocuments(yamlText).forEach((doc, i) => {
      if (doc.errors.length > 0) problems.push(`document ${i}: YAML error ${doc.errors[0]!.message}`);
      const value = doc.toJS() as Record<string, unknown>;
      const label = `document ${i} (${String(value?.kind ?? value?.version)})`;
      if (!root(value)) problems.push(`${label} fails the root schema: ${ajv.errorsText(root.errors)}`);
      const definition = value?.kind === undefined ? "v1alpha1.Config" : KIND_DEFINITIONS[String(value.kind)];
      if (definition === undefined) {
        problems.push(`${label}: no schema definition mapped for this kind`);
        return;
      }
      const specific = ajv.getSchema(`${id}#/$defs/${definition}`)!;
      if (!specific(value)) problems.push(`${label} fails ${definition}: ${ajv.errorsText(specific.errors)}`);
    });
    return problems;
  };
}
