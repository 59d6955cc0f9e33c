/**
 * The official OpenAPI v2 document of Kubernetes v1.35.0 (`../shared/contracts/kubernetes-openapi-v2.json`,
 * outside the repository), read once per process on first use: the fake API server derives its
 * built-in types, its OpenAPI v3 documents and its write validation from it. Absent, it is `null`
 * (said once): the fake then serves its small hand-written table and validates nothing.
 *
 * @module
 */
import { createHash } from "node:crypto";

/** Where the contract lives: `<repo>/../shared/contracts/`. */
export const KUBERNETES_OPENAPI_URL = new URL("../../../shared/contracts/kubernetes-openapi-v2.json", import.meta.url);

/** A schema of the v2 document (the fields the fake reads). */
export type Schema = {
  $ref?: string;
  type?: string;
  format?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  items?: Schema;
  "x-kubernetes-group-version-kind"?: Gvk[];
  [key: string]: unknown;
};

/** `x-kubernetes-group-version-kind` of a definition or an operation. */
export interface Gvk {
  group: string;
  version: string;
  kind: string;
}

/** One operation of a path (`get`, `patch`, …) as the v2 document has it. */
export type Operation = {
  parameters?: Record<string, unknown>[];
  responses?: Record<string, { description?: string; schema?: Schema }>;
  consumes?: string[];
  produces?: string[];
  "x-kubernetes-action"?: string;
  "x-kubernetes-group-version-kind"?: Gvk;
  [key: string]: unknown;
};

/** The parsed document plus an index by kind. */
export interface KubernetesContract {
  definitions: Record<string, Schema>;
  /** Path -> method (or `parameters`) -> operation. */
  paths: Record<string, Record<string, Operation | Record<string, unknown>[]>>;
  /** Shared parameters (`#/parameters/<name>`). */
  parameters: Record<string, Record<string, unknown>>;
  /** `group/version/kind` -> definition name. */
  byGvk: Map<string, string>;
  /** SHA-512 of the document's text (hex): what documents derived from it are versioned by. */
  digest: string;
}

let contract: KubernetesContract | null | undefined;

/** The contract, parsed on the first call of the process (about 120 ms: read 60, parse 60), or null when the file is absent. */
export function kubernetesContract(): KubernetesContract | null {
  if (contract !== undefined) return contract;
  let text: string;
  try {
    text = Deno.readTextFileSync(KUBERNETES_OPENAPI_URL);
  } catch {
    console.log(`fake Kubernetes API: OpenAPI contract off, ${KUBERNETES_OPENAPI_URL.pathname} is absent`);
    return contract = null;
  }
  const doc = JSON.parse(text) as Omit<KubernetesContract, "byGvk">;
  const byGvk = new Map<string, string>();
  for (const [name, def] of Object.entries(doc.definitions)) {
    for (const gvk of def["x-kubernetes-group-version-kind"] ?? []) {
      byGvk.set(`${gvk.group}/${gvk.version}/${gvk.kind}`, name);
    }
  }
  let digest: string | undefined;
  return contract = {
    definitions: doc.definitions,
    paths: doc.paths,
    parameters: doc.parameters,
    byGvk,
    // About 30 ms: taken only when an OpenAPI index is first served, not by every fake that starts.
    get digest() {
      return digest ??= createHash("sha512").update(text).digest("hex");
    },
  };
}
