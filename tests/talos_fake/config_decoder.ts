/**
 * The machine config decoder of the fake node, with the behaviour and error text of Talos v1.13.9's
 * multi-document decoder (`pkg/machinery/config/configloader/internal/decoder/decoder.go`): documents
 * are told apart by `kind`/`apiVersion` (the `v1alpha1` document by its `machine`, `cluster`, `debug` or
 * `persist` key), an unregistered kind fails with `"<kind>" "<apiVersion>": not registered`, a value of
 * the wrong type with go-yaml's `cannot construct` line, and keys the Go types lack with
 * `unknown keys found during decoding:` followed by those keys as YAML (siderolabs/gen `xyaml`).
 *
 * Talos knows its document types from Go structs; the fake reads the same structure from the official
 * JSON Schema (`../shared/contracts/talos-config.schema.json`), which is generated from those structs.
 * The schema leaves out the deprecated fields Talos still decodes, so those are listed here.
 *
 * @module
 */
import { isAlias, isMap, isScalar, isSeq, LineCounter, type Node, parseAllDocuments, Scalar, stringify } from "yaml";
import { GrpcCode } from "../../src/talos/grpc/errors.ts";
import { TALOS_SCHEMA_URL } from "../talos_schema.ts";
import { RpcError } from "./grpc_server.ts";

type Schema = Record<string, unknown>;

/** One decoded document: its kind (`v1alpha1` for the main one), its name, its plain value. */
export interface DecodedDocument {
  kind: string;
  apiVersion: string;
  name: string;
  value: Record<string, unknown>;
}

/**
 * Fields of v1alpha1 Go types (Talos v1.13.9 `v1alpha1_types.go`) marked `docgen:nodoc` and so absent from
 * the schema; Talos still decodes them. Their contents are not checked further.
 */
const DEPRECATED_FIELDS: Record<string, string[]> = {
  "v1alpha1.Config": ["persist"],
  "v1alpha1.MachineConfig": ["network", "disks", "env", "time", "registries", "systemDiskEncryption"],
  "v1alpha1.ClusterConfig": ["allowSchedulingOnMasters"],
  "v1alpha1.InstallConfig": ["extraKernelArgs", "extensions", "bootloader"],
  "v1alpha1.APIServerConfig": ["disablePodSecurityPolicy"],
  "v1alpha1.EtcdConfig": ["subnet"],
  "v1alpha1.FeaturesConfig": ["rbac", "stableHostname", "apidCheckExtKeyUsage"],
};

/** The keys that make a document without `kind` the v1alpha1 one (decoder.go `ManifestDeprecatedKey*`). */
const V1ALPHA1_KEYS = new Set(["machine", "cluster", "debug", "persist"]);

/** The schema's definitions plus the registry of document kinds it describes. */
export interface TalosConfigSchema {
  defs: Record<string, Schema>;
  /** `kind` -> (apiVersion -> definition name). */
  kinds: Map<string, Map<string, string>>;
}

const cache = new Map<string, TalosConfigSchema>();

/**
 * Loads the schema (once per file). Without it the fake cannot tell a config Talos accepts from one it
 * refuses, and accepting everything would hide the very mistakes the fake is there to catch: so it refuses
 * to start, saying why.
 */
export function loadTalosConfigSchema(url: URL = TALOS_SCHEMA_URL): TalosConfigSchema {
  const known = cache.get(url.href);
  if (known) return known;
  let text: string;
  try {
    text = Deno.readTextFileSync(url);
  } catch (err) {
    throw new Error(
      `Cannot start the fake Talos node: it validates machine configs against ${url.pathname}, ` +
        `which cannot be read (${(err as Error).message}); check out the shared contracts beside the repository`,
      { cause: err },
    );
  }
  const schema = JSON.parse(text) as { $defs: Record<string, Schema> };
  const kinds = new Map<string, Map<string, string>>();
  for (const [name, def] of Object.entries(schema.$defs)) {
    const props = def.properties as Record<string, Schema> | undefined;
    const kind = (props?.kind?.enum as string[] | undefined)?.[0];
    const apiVersion = (props?.apiVersion?.enum as string[] | undefined)?.[0];
    if (kind === undefined || apiVersion === undefined) continue;
    if (!kinds.has(kind)) kinds.set(kind, new Map());
    kinds.get(kind)!.set(apiVersion, name);
  }
  const loaded = { defs: schema.$defs, kinds };
  cache.set(url.href, loaded);
  return loaded;
}

/** Decodes a multi-document machine config like Talos; throws `InvalidArgument` with Talos' text. */
export function decodeMachineConfig(text: string, schema: TalosConfigSchema): DecodedDocument[] {
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lines });
  const lineOf = (node: Node | null | undefined) => (node?.range ? lines.linePos(node.range[0]).line : 1);
  const decoded: DecodedDocument[] = [];
  const seen = new Set<string>();
  for (const doc of Array.isArray(docs) ? docs : []) {
    if (doc.errors.length > 0) {
      const error = doc.errors[0]!;
      throw invalid(`decode error: yaml: line ${error.linePos?.[0]?.line ?? 1}: ${error.message.split("\n")[0]}`);
    }
    const contents = doc.contents;
    if (contents === null || (isScalar(contents) && contents.value === null)) continue;
    const line = lineOf(contents);
    if (!isMap(contents)) throw invalid(`expected a YAML document at line ${line}`);
    const value = doc.toJS() as Record<string, unknown>;
    const field = (key: string) => (typeof value[key] === "string" ? value[key] as string : "");
    const id = `${field("apiVersion")}/${field("kind") || "v1alpha1"}/${field("name")}`;
    if (seen.has(id)) throw invalid(`duplicate document ${id} is not allowed (line ${line})`);
    seen.add(id);
    const fail = (message: string) => invalid(`error decoding document ${id} (line ${line}): ${message}`);

    let kind = "";
    let version = "";
    for (const pair of contents.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : "";
      if (key === "kind") kind = String(value.kind ?? "");
      else if (key === "apiVersion") version = String(value.apiVersion ?? "");
      else if (V1ALPHA1_KEYS.has(key)) version = "v1alpha1";
    }
    let definition: string | undefined;
    if (version === "v1alpha1" && kind === "") definition = "v1alpha1.Config";
    else if (kind === "") throw fail("missing kind");
    else if (version === "") throw fail("missing apiVersion");
    else definition = schema.kinds.get(kind)?.get(version);
    if (definition === undefined) throw fail(`"${kind}" "${version}": not registered`);

    const walk = new Walk(schema, lineOf);
    walk.check(contents, { $ref: `#/$defs/${definition}` });
    if (walk.typeErrors.length > 0) {
      throw fail(
        `error decoding ${kind} to *${definition}: yaml: construct errors:\n  ${walk.typeErrors.join("\n  ")}`,
      );
    }
    if (walk.unknown !== undefined) {
      throw fail(
        `unknown keys found during decoding:\n${stringify(walk.unknown, { indent: 4, sortMapEntries: true })}`,
      );
    }
    decoded.push({ kind: kind || "v1alpha1", apiVersion: version, name: field("name"), value });
  }
  if (decoded.length === 0) throw invalid("config not found");
  return decoded;
}

/**
 * One pass over a document against its schema: go-yaml's type errors (`line N: cannot construct …`) and
 * the unknown keys, as a tree shaped like the document.
 */
class Walk {
  typeErrors: string[] = [];
  unknown: Record<string, unknown> | undefined;

  constructor(readonly schema: TalosConfigSchema, readonly lineOf: (node: Node) => number) {}

  check(node: unknown, schema: Schema): void {
    this.unknown = this.#visitChild(node, schema) as Record<string, unknown> | undefined;
  }

  /** Returns the unknown keys below `node` (undefined when none). */
  #visit(node: unknown, schema: Schema, goType: string): unknown {
    if (node === null || node === undefined || isAlias(node)) return undefined;
    if (isScalar(node) && node.value === null) return undefined;
    if (schema.oneOf) return this.#visitArgValue(node, goType);
    // An enum is a Go string (or a string-based type) to the decoder: only Validate looks at the value.
    const type = (schema.type ?? (schema.enum ? "string" : undefined)) as string | undefined;
    const props = schema.properties as Record<string, Schema> | undefined;
    if (props !== undefined || type === "object") {
      if (!isMap(node)) return this.#typeError(node, goType);
      if (props === undefined) {
        const values = (schema.additionalProperties ?? Object.values(schema.patternProperties ?? {})[0]) as
          | Schema
          | undefined;
        if (values === undefined || typeof values !== "object") return undefined;
        for (const pair of node.items) this.#visitChild(pair.value, values);
        return undefined;
      }
      let unknown: Record<string, unknown> | undefined;
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : "";
        const prop = props[key];
        if (prop === undefined) {
          if (DEPRECATED_FIELDS[goType]?.includes(key)) continue;
          (unknown ??= {})[key] = isScalar(pair.value) || isMap(pair.value) || isSeq(pair.value)
            ? pair.value.toJSON()
            : null;
          continue;
        }
        const inner = this.#visitChild(pair.value, prop);
        if (inner !== undefined) (unknown ??= {})[key] = inner;
      }
      return unknown;
    }
    if (type === "array") {
      if (!isSeq(node)) return this.#typeError(node, goType);
      const items = (schema.items ?? {}) as Schema;
      let unknown: unknown[] | undefined;
      for (const item of node.items) {
        const inner = this.#visitChild(item, items);
        if (inner !== undefined) (unknown ??= []).push(inner);
      }
      return unknown;
    }
    if (!isScalar(node)) return type === undefined ? undefined : this.#typeError(node, goType);
    if (type === "boolean" && !isGoBool(node)) this.#typeError(node, goType);
    if (type === "integer" && !(typeof node.value === "number" && Number.isInteger(node.value) && plain(node))) {
      this.#typeError(node, goType);
    }
    return undefined;
  }

  #visitChild(node: unknown, schema: Schema): unknown {
    const resolved = this.#resolve(schema);
    return this.#visit(node, resolved.schema, resolved.name);
  }

  /** `extraArgs` values: Talos' `ArgValue` takes a string or a list of strings. */
  #visitArgValue(node: unknown, goType: string): unknown {
    if (isScalar(node) || (isSeq(node) && node.items.every((i) => isScalar(i)))) return undefined;
    return this.#typeError(node, goType);
  }

  #typeError(node: unknown, goType: string): undefined {
    const n = node as Node;
    const tag = isMap(n) ? "!!map" : isSeq(n) ? "!!seq" : scalarTag(n as Scalar);
    let shown = "";
    if (isScalar(n)) {
      const text = String(n.source ?? n.value);
      shown = text.length > 10 ? ` \`${text.slice(0, 7)}...\`` : ` \`${text}\``;
    }
    this.typeErrors.push(`line ${this.lineOf(n)}: cannot construct ${tag}${shown} into ${goType}`);
    return undefined;
  }

  /** Follows `$ref`s; the name is the Go type go-yaml would print (the schema's definition names are Go's). */
  #resolve(schema: Schema): { schema: Schema; name: string } {
    let current = schema;
    let name = goTypeName(schema);
    while (typeof current.$ref === "string") {
      const def = current.$ref.replace("#/$defs/", "");
      name = def;
      current = this.schema.defs[def] ?? {};
    }
    return { schema: current, name };
  }
}

/** go-yaml's name for a Go type described by an inline schema (best effort: inline structs have no name). */
function goTypeName(schema: Schema): string {
  switch (schema.type ?? (schema.enum ? "string" : undefined)) {
    case "boolean":
      return "bool";
    case "integer":
      return "int";
    case "string":
      return "string";
    case "array":
      return `[]${goTypeName((schema.items ?? {}) as Schema)}`;
    case "object":
      return schema.properties ? "struct" : "map[string]string";
    default:
      return typeof schema.$ref === "string" ? schema.$ref.replace("#/$defs/", "") : "interface {}";
  }
}

function plain(node: Scalar): boolean {
  return node.type === Scalar.PLAIN || node.type === undefined;
}

/** go-yaml decodes YAML 1.2 booleans and, into a `bool` only, the YAML 1.1 words (quoted or not). */
function isGoBool(node: Scalar): boolean {
  if (typeof node.value === "boolean" && plain(node)) return true;
  return /^(y|Y|yes|Yes|YES|on|On|ON|n|N|no|No|NO|off|Off|OFF)$/.test(String(node.value));
}

/** The tag go-yaml resolves a scalar to. */
function scalarTag(node: Scalar): string {
  if (!plain(node)) return "!!str";
  switch (typeof node.value) {
    case "boolean":
      return "!!bool";
    case "number":
      return Number.isInteger(node.value) ? "!!int" : "!!float";
    default:
      return node.value === null ? "!!null" : "!!str";
  }
}

function invalid(message: string): RpcError {
  return new RpcError(GrpcCode.INVALID_ARGUMENT, message);
}
