/**
 * OpenAPI v3 documents of the fake Kubernetes API, as kube-apiserver serves them: `/openapi/v3`
 * lists one document per group version, each at `/openapi/v3/<api/v1|apis/g/v>?hash=<etag>`.
 *
 * Built-in group versions are converted from the official v2 document (kubernetes_contract.ts):
 * the group version's paths with their operations (parameters as v3 `schema`s, bodies as
 * `requestBody`, responses as `content`) and only the definitions those reach, `#/definitions/` refs
 * rewritten to `#/components/schemas/`. Custom resources get a document from their CRD's
 * `openAPIV3Schema`. Clients read them for field validation: kubectl and Helm look for a `PATCH`
 * operation of the kind that takes the `fieldValidation` query parameter and then leave unknown
 * fields to the server (the fake's own checks, openapi_validation.ts and crd_schemas.ts).
 *
 * Only JSON is served: a client asking for the protobuf form alone gets 406, never a wrong body.
 * `/openapi/v2` stays absent (404), which clients accept when v3 is served.
 *
 * @module
 */
import { type KubernetesContract, kubernetesContract, type Operation } from "./kubernetes_contract.ts";
import type { ResourceType } from "./resources.ts";
import type { KubeObj } from "./object_meta.ts";
import { cloneJson } from "./json_clone.ts";
import { sha512Hex, withETag } from "./etag.ts";

type Json = Record<string, unknown>;

const META = "io.k8s.apimachinery.pkg.apis.meta.v1.";
const YEAR_MS = 365 * 24 * 3600 * 1000;
/** What kube-apiserver's `WithCacheControl` filter sets on answers that set none themselves. */
const NO_CACHE = "no-cache, private";
const JSON_TYPE = "application/json";

/** What the documents are built from: the served types and the CRD object behind a custom type. */
export interface OpenApiSource {
  types(): readonly ResourceType[];
  crd(name: string): KubeObj | undefined;
  /** The resourceVersion of the CRD behind a custom type (read on every request: no copy of the CRD). */
  crdResourceVersion(name: string): string | undefined;
}

/** The URL path of a group version's document, without `/openapi/v3/` (`api/v1`, `apis/apps/v1`). */
function documentPath(gv: { group: string; version: string }): string {
  return gv.group === "" ? `api/${gv.version}` : `apis/${gv.group}/${gv.version}`;
}

/** `#/definitions/X` -> `#/components/schemas/X`; a `$ref` with siblings becomes `allOf: [{$ref}]` (as 3.0 wants). */
export function convertSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(convertSchema);
  if (typeof schema !== "object" || schema === null) return schema;
  const out: Json = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === "$ref" && typeof value === "string") {
      out.$ref = value.replace(/^#\/definitions\//, "#/components/schemas/");
    } else if (key === "example" || key === "enum" || key === "default") {
      out[key] = cloneJson(value);
    } else out[key] = convertSchema(value);
  }
  if (out.$ref !== undefined && Object.keys(out).length > 1) {
    const { $ref, ...rest } = out;
    return { allOf: [{ $ref }], ...rest };
  }
  return out;
}

/** Every `#/components/schemas/` name referenced anywhere inside `value`. */
function referencedNames(value: unknown, into: Set<string>): void {
  if (Array.isArray(value)) {
    for (const item of value) referencedNames(item, into);
  } else if (typeof value === "object" && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      if (key === "$ref" && typeof item === "string" && item.startsWith("#/components/schemas/")) {
        into.add(item.slice("#/components/schemas/".length));
      } else referencedNames(item, into);
    }
  }
}

/** The converted definitions reachable from `roots` (names), transitively. */
function schemasReachable(c: KubernetesContract, roots: Set<string>): Record<string, unknown> {
  const schemas: Record<string, unknown> = {};
  const pending = [...roots];
  while (pending.length > 0) {
    const name = pending.pop()!;
    if (name in schemas || !(name in c.definitions)) continue;
    const converted = convertSchema(c.definitions[name]);
    schemas[name] = converted;
    const refs = new Set<string>();
    referencedNames(converted, refs);
    pending.push(...refs);
  }
  return Object.fromEntries(Object.entries(schemas).sort(([a], [b]) => a.localeCompare(b)));
}

/** A parameter with a `#/parameters/` ref replaced by the shared parameter it names. */
function resolveParameter(c: KubernetesContract, raw: Json): Json {
  return typeof raw.$ref === "string" ? c.parameters[raw.$ref.replace(/^#\/parameters\//, "")] ?? raw : raw;
}

function convertParameter(c: KubernetesContract, raw: Json): Json {
  const { type, uniqueItems, format, items, ...rest } = resolveParameter(c, raw);
  const schema: Json = { type };
  if (uniqueItems !== undefined) schema.uniqueItems = uniqueItems;
  if (format !== undefined) schema.format = format;
  if (items !== undefined) schema.items = items;
  return { ...rest, schema };
}

function convertOperation(c: KubernetesContract, op: Operation): Json {
  const { parameters, responses, consumes, produces, schemes: _s, ...rest } = op;
  const out: Json = { ...cloneJson(rest) };
  const params: Json[] = [];
  for (const raw of parameters ?? []) {
    const p = convertParameter(c, raw);
    if (p.in === "body") {
      const mimes = consumes?.filter((m) => m !== "*/*") ?? [];
      const schema = convertSchema(resolveParameter(c, raw).schema);
      out.requestBody = {
        content: Object.fromEntries((mimes.length > 0 ? mimes : ["*/*"]).map((m) => [m, { schema }])),
        required: p.required ?? false,
      };
    } else params.push(p);
  }
  if (params.length > 0) out.parameters = params;
  out.responses = Object.fromEntries(
    Object.entries(responses ?? {}).map(([code, r]) => {
      const response: Json = { description: r.description ?? "" };
      if (r.schema) {
        const schema = convertSchema(r.schema);
        response.content = Object.fromEntries((produces ?? [JSON_TYPE]).map((m) => [m, { schema }]));
      }
      return [code, response];
    }),
  );
  return out;
}

function envelope(paths: Json, schemas: Record<string, unknown>): Json {
  return {
    openapi: "3.0.0",
    info: { title: "Kubernetes", version: "v1.35.0" },
    paths,
    components: {
      schemas,
      securitySchemes: {
        BearerToken: {
          type: "apiKey",
          description: "Bearer Token authentication",
          name: "authorization",
          in: "header",
        },
      },
    },
  };
}

/** The v2 paths of a built-in group version (`/api/v1/...` or `/apis/<g>/<v>/...`). */
function builtinPaths(c: KubernetesContract, group: string, version: string): [string, Json][] {
  const prefix = `/${documentPath({ group, version })}/`;
  return Object.entries(c.paths).filter(([path]) => path.startsWith(prefix) || `${path}/` === prefix) as [
    string,
    Json,
  ][];
}

/** The v3 document of a built-in group version (converted from the v2 contract), or undefined. */
export function renderBuiltinDocument(c: KubernetesContract, group: string, version: string): Json | undefined {
  const paths: Json = {};
  for (const [path, item] of builtinPaths(c, group, version)) {
    const converted: Json = {};
    for (const [method, op] of Object.entries(item)) {
      converted[method] = method === "parameters"
        ? (op as Json[]).map((p) => convertParameter(c, p))
        : convertOperation(c, op as Operation);
    }
    paths[path] = converted;
  }
  if (Object.keys(paths).length === 0) return undefined;
  const roots = new Set<string>();
  referencedNames(paths, roots);
  return envelope(paths, schemasReachable(c, roots));
}

/** `gateway.networking.k8s.io` -> `io.k8s.networking.gateway`, as the API server names CRD schemas. */
function reversedGroup(group: string): string {
  return group.split(".").reverse().join(".");
}

const QUERY = (name: string, type = "string"): Json => ({ name, in: "query", schema: { type, uniqueItems: true } });

/** The REST operations of one custom resource type, with the parameters clients look for. */
function customResourcePaths(rt: ResourceType, schemaName: string): Json {
  const gvk = { group: rt.group, version: rt.version, kind: rt.kind };
  const base = `/apis/${rt.group}/${rt.version}${rt.namespaced ? "/namespaces/{namespace}" : ""}/${rt.resource}`;
  const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
  const body = (schema: Json, types = [JSON_TYPE]) => ({
    content: Object.fromEntries(types.map((t) => [t, { schema }])),
    required: true,
  });
  const ok = (schema: Json) => ({ "200": { description: "OK", content: { [JSON_TYPE]: { schema } } } });
  const op = (action: string, extra: Json): Json => ({
    "x-kubernetes-action": action,
    "x-kubernetes-group-version-kind": gvk,
    ...extra,
  });
  const writeParams = [QUERY("dryRun"), QUERY("fieldManager"), QUERY("fieldValidation")];
  const patchTypes = [
    "application/json-patch+json",
    "application/merge-patch+json",
    "application/apply-patch+yaml",
    "application/apply-patch+cbor",
  ];
  const item = (status: boolean): Json => ({
    get: op("get", { responses: ok(ref(schemaName)) }),
    put: op("put", { parameters: writeParams, requestBody: body(ref(schemaName)), responses: ok(ref(schemaName)) }),
    patch: op("patch", {
      parameters: [...writeParams, QUERY("force", "boolean")],
      requestBody: body(ref(`${META}Patch`), patchTypes),
      responses: ok(ref(schemaName)),
    }),
    ...(status ? {} : {
      delete: op("delete", { requestBody: body(ref(`${META}DeleteOptions`)), responses: ok(ref(`${META}Status`)) }),
    }),
    parameters: [
      { name: "name", in: "path", required: true, schema: { type: "string", uniqueItems: true } },
      ...(rt.namespaced ? [{ name: "namespace", in: "path", required: true, schema: { type: "string" } }] : []),
    ],
  });
  const paths: Json = {
    [base]: {
      get: op("list", { responses: ok(ref(`${schemaName}List`)) }),
      post: op("post", { parameters: writeParams, requestBody: body(ref(schemaName)), responses: ok(ref(schemaName)) }),
      delete: op("deletecollection", { responses: ok(ref(`${META}Status`)) }),
    },
    [`${base}/{name}`]: item(false),
  };
  if (rt.hasStatus) paths[`${base}/{name}/status`] = item(true);
  return paths;
}

/** The v3 document of a custom resource group version, from its CRDs' schemas. */
export function renderCustomDocument(
  c: KubernetesContract | null,
  types: readonly ResourceType[],
  crdOf: (name: string) => KubeObj | undefined,
): Json {
  const paths: Json = {};
  const schemas: Record<string, unknown> = {};
  for (const rt of types) {
    const versions = ((crdOf(rt.crd!)?.spec as Json | undefined)?.versions ?? []) as Json[];
    const declared = (versions.find((v) => v.name === rt.version)?.schema as Json | undefined)?.openAPIV3Schema;
    const name = `${reversedGroup(rt.group)}.${rt.version}.${rt.kind}`;
    const gvk = [{ group: rt.group, version: rt.version, kind: rt.kind }];
    const schema = cloneJson((declared ?? { type: "object" }) as Json);
    const properties = { ...(schema.properties as Json | undefined) };
    properties.apiVersion = { type: "string" };
    properties.kind = { type: "string" };
    properties.metadata = { allOf: [{ $ref: `#/components/schemas/${META}ObjectMeta` }] };
    schemas[name] = { ...schema, type: "object", properties, "x-kubernetes-group-version-kind": gvk };
    schemas[`${name}List`] = {
      type: "object",
      required: ["items"],
      properties: {
        apiVersion: { type: "string" },
        items: { type: "array", items: { $ref: `#/components/schemas/${name}` } },
        kind: { type: "string" },
        metadata: { allOf: [{ $ref: `#/components/schemas/${META}ListMeta` }] },
      },
      "x-kubernetes-group-version-kind": [{ ...gvk[0], kind: `${rt.kind}List` }],
    };
    Object.assign(paths, customResourcePaths(rt, name));
  }
  const roots = new Set([
    `${META}ObjectMeta`,
    `${META}ListMeta`,
    `${META}Status`,
    `${META}DeleteOptions`,
    `${META}Patch`,
  ]);
  return envelope(paths, { ...(c ? schemasReachable(c, roots) : {}), ...schemas });
}

/**
 * A document's hash and, rendered on first read, its text. The hash is taken over what the document
 * is built from (the contract's digest and the group version; the CRDs' names and resourceVersions),
 * so the index costs no rendering; like the API server's, it changes exactly when the document does.
 */
interface Entry {
  hash: string;
  text: () => string;
}

function entry(inputs: string, render: () => Json): Entry {
  let text: string | undefined;
  return { hash: sha512Hex(inputs), text: () => text ??= JSON.stringify(render()) };
}

/** Built-in documents never change within a process: one entry each. */
const builtinCache = new Map<string, Entry | undefined>();

/** Renders (and caches) documents for the served group versions; answers `/openapi/v3` requests. */
export class OpenApiV3 {
  /** Custom documents by group version, valid while the CRDs' resourceVersions stay the same. */
  #custom = new Map<string, Entry>();

  constructor(readonly source: OpenApiSource) {}

  #groupVersions(): Map<string, ResourceType[]> {
    const gvs = new Map<string, ResourceType[]>();
    for (const t of this.source.types()) {
      const key = documentPath(t);
      gvs.set(key, [...(gvs.get(key) ?? []), t]);
    }
    return gvs;
  }

  #entry(path: string, types: ResourceType[]): Entry | undefined {
    const custom = types.filter((t) => t.crd !== undefined);
    if (custom.length === 0) {
      if (!builtinCache.has(path)) {
        const c = kubernetesContract();
        const { group, version } = types[0]!;
        builtinCache.set(
          path,
          c && builtinPaths(c, group, version).length > 0
            ? entry(`${c.digest}/${path}`, () => renderBuiltinDocument(c, group, version)!)
            : undefined,
        );
      }
      return builtinCache.get(path);
    }
    const key = custom.map((t) => `${t.crd}/${t.version}@${String(this.source.crdResourceVersion(t.crd!))}`).join(",");
    const inputs = `${kubernetesContract()?.digest ?? ""}/${path}/${key}`;
    const hit = this.#custom.get(path);
    if (hit?.hash === sha512Hex(inputs)) return hit;
    const fresh = entry(inputs, () => renderCustomDocument(kubernetesContract(), custom, (n) => this.source.crd(n)));
    this.#custom.set(path, fresh);
    return fresh;
  }

  /** The index: every served group version with the URL (and hash) of its document. */
  index(): Json {
    const paths: Json = {};
    for (const [path, types] of this.#groupVersions()) {
      const doc = this.#entry(path, types);
      if (doc) paths[path] = { serverRelativeURL: `/openapi/v3/${path}?hash=${doc.hash}` };
    }
    return { paths };
  }

  /**
   * Answers `GET /openapi/v3[/<gv>]`, or undefined when the path is not one of them. As kube-openapi's
   * handler3: the index and every document carry an ETag (a matching `If-None-Match` gets 304); a stale
   * `hash` redirects to the current one (301), a current one may be cached forever (`immutable`, and an
   * `Expires` a year ahead, which is what client-go's HTTP cache reads: it serves such a document from
   * disk without asking again).
   */
  serve(req: Request, url: URL): Response | undefined {
    const path = url.pathname.replace(/\/+$/, "");
    if (path !== "/openapi/v3" && !path.startsWith("/openapi/v3/")) return undefined;
    if (!acceptsJson(req.headers.get("accept"))) {
      return new Response(JSON.stringify({ kind: "Status", apiVersion: "v1", status: "Failure", code: 406 }), {
        status: 406,
        headers: { "content-type": JSON_TYPE },
      });
    }
    if (path === "/openapi/v3") {
      const text = JSON.stringify(this.index());
      return withETag(req, () => text, sha512Hex(text), { "content-type": JSON_TYPE, "cache-control": NO_CACHE });
    }
    const gvPath = path.slice("/openapi/v3/".length);
    const types = this.#groupVersions().get(gvPath);
    const doc = types ? this.#entry(gvPath, types) : undefined;
    if (!doc) return new Response("404 page not found\n", { status: 404, headers: { "content-type": "text/plain" } });
    const hash = url.searchParams.get("hash");
    if (hash !== null && hash !== doc.hash) {
      return new Response(null, { status: 301, headers: { location: `/openapi/v3/${gvPath}?hash=${doc.hash}` } });
    }
    const headers: Record<string, string> = { "content-type": JSON_TYPE, vary: "Accept" };
    if (hash === null) headers["cache-control"] = NO_CACHE;
    else {
      headers["cache-control"] = "public, immutable";
      // A real-time date: the client's cache compares it with its own clock.
      headers.expires = new Date(Date.now() + YEAR_MS).toUTCString();
    }
    return withETag(req, doc.text, doc.hash, headers);
  }
}

/** Whether an Accept header admits JSON (absent, `*\/*`, `application/*` or `application/json`). */
function acceptsJson(accept: string | null): boolean {
  if (accept === null || accept.trim() === "") return true;
  return accept.split(",").some((part) => {
    const type = part.split(";")[0]!.trim();
    return type === "*/*" || type === "application/*" || type === JSON_TYPE;
  });
}
