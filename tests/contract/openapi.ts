/**
 * Hetzner Cloud contract checks: loads Hetzner's OpenAPI 3.1 document (read at test time from
 * `../shared/contracts/hcloud-openapi.json`, never copied into the repository), matches a concrete
 * request to its templated operation, and validates query parameters, request bodies and response
 * bodies with ajv (JSON Schema 2020-12, the dialect OpenAPI 3.1 uses).
 *
 * OpenAPI 3.1 specifics handled here: `example`/`discriminator` are annotation keywords ajv does
 * not know (strict mode off), response keys may be exact codes or ranges (`4xx`, `5XX`), and the
 * formats Hetzner uses (`int32`, `int64`, `double`, `decimal`, `date-time`) are registered.
 *
 * @module
 */
import ajv2020Module from "ajv/dist/2020";
import { type Requirement, sharedFile } from "../requirements.ts";

// ajv is CommonJS: the class is both `module.exports` and its `default`.
const Ajv2020 = ajv2020Module.default;
type Ajv = InstanceType<typeof Ajv2020>;

/** Where the contract lives relative to this file (`<repo>/../shared/contracts`). */
export const OPENAPI_URL: URL = new URL("../../../shared/contracts/hcloud-openapi.json", import.meta.url);
/** The contract as a test requirement (`requires([HCLOUD_OPENAPI], …)` skips when `../shared` is absent). */
export const HCLOUD_OPENAPI: Requirement = sharedFile("contracts/hcloud-openapi.json");

/** One operation of the document (method + templated path). */
export interface OpenApiOperation {
  /** `GET /servers/{id}` */
  key: string;
  method: string;
  template: string;
  operationId: string;
}

/** Outcome of validating one part of an exchange. */
export interface ValidationResult {
  operation?: OpenApiOperation;
  errors: string[];
}

interface IndexedOperation extends OpenApiOperation {
  segments: string[];
  paramCount: number;
  pointer: string;
  // deno-lint-ignore no-explicit-any
  spec: any;
}

type Validator = ((data: unknown) => boolean) & { errors?: unknown[] | null };

const DOC_ID = "hcloud-openapi";
const METHODS = ["get", "put", "post", "delete", "patch", "head", "options"];

/** A loaded OpenAPI document with compiled (lazily, then cached) validators. */
export class OpenApiContract {
  readonly basePath: string;
  readonly operations: readonly OpenApiOperation[];
  readonly #ops: IndexedOperation[];
  readonly #ajv: Ajv;
  readonly #cache = new Map<string, Validator | null>();

  // deno-lint-ignore no-explicit-any
  constructor(doc: any) {
    const server = doc?.servers?.[0]?.url;
    this.basePath = typeof server === "string" ? new URL(server).pathname.replace(/\/$/, "") : "";
    this.#ops = [];
    for (const [template, item] of Object.entries(doc.paths ?? {})) {
      for (const method of METHODS) {
        // deno-lint-ignore no-explicit-any
        const spec = (item as any)[method];
        if (!spec) continue;
        const segments = template.split("/").filter(Boolean);
        this.#ops.push({
          key: `${method.toUpperCase()} ${template}`,
          method: method.toUpperCase(),
          template,
          operationId: spec.operationId ?? `${method} ${template}`,
          segments,
          paramCount: segments.filter((s) => s.startsWith("{")).length,
          pointer: `#/paths/${escapePointer(template)}/${method}`,
          // deno-lint-ignore no-explicit-any
          spec: { ...spec, parameters: [...((item as any).parameters ?? []), ...(spec.parameters ?? [])] },
        });
      }
    }
    // Fewer template parameters first, so `/servers/actions` wins over `/servers/{id}`.
    this.#ops.sort((a, b) => a.paramCount - b.paramCount);
    this.operations = this.#ops.map(({ key, method, template, operationId }) => ({
      key,
      method,
      template,
      operationId,
    }));
    this.#ajv = new Ajv2020({ allErrors: true, strict: false, validateFormats: true });
    addFormats(this.#ajv);
    this.#ajv.addSchema(doc, DOC_ID);
  }

  /** Reads and indexes the document (about 0.3 s for Hetzner's 3.4 MB file). */
  static async load(url: URL | string = OPENAPI_URL): Promise<OpenApiContract> {
    return new OpenApiContract(JSON.parse(await Deno.readTextFile(url)));
  }

  /** Finds the operation for a concrete method and path (with or without the `/v1` base path). */
  findOperation(method: string, pathname: string): OpenApiOperation | undefined {
    return this.#find(method, pathname)?.op;
  }

  /** Whether any method exists for this path (to tell 405 from 404 situations apart). */
  hasPath(pathname: string): boolean {
    const segments = this.#strip(pathname);
    return this.#ops.some((op) => matchSegments(op.segments, segments) !== undefined);
  }

  /** Validates path parameters, query parameters and the JSON request body (`undefined` when absent). */
  validateRequest(method: string, url: URL, body: unknown): ValidationResult {
    const found = this.#find(method, url.pathname);
    if (!found) return { errors: [`no operation ${method.toUpperCase()} ${url.pathname} in the OpenAPI document`] };
    const { op, params } = found;
    const errors: string[] = [];
    // deno-lint-ignore no-explicit-any
    const declared = (op.spec.parameters ?? []) as any[];
    for (const [name, value] of Object.entries(params)) {
      const index = declared.findIndex((p) => p.in === "path" && p.name === name);
      if (index < 0) continue;
      const check = this.#validator(`${op.pointer}/parameters/${index}/schema`, declared[index].schema);
      if (check && !check(coerce(value, declared[index].schema))) {
        errors.push(...formatErrors(`path parameter ${name}`, check.errors));
      }
    }
    const queryNames = new Set(url.searchParams.keys());
    for (const [index, param] of declared.entries()) {
      if (param.in !== "query") continue;
      queryNames.delete(param.name);
      const values = url.searchParams.getAll(param.name);
      if (values.length === 0) {
        if (param.required) errors.push(`query parameter ${param.name} is required`);
        continue;
      }
      const schema = param.schema ?? {};
      const isArray = schemaType(schema) === "array";
      const value = isArray ? values.map((v) => coerce(v, schema.items ?? {})) : coerce(values[0]!, schema);
      if (!isArray && values.length > 1) errors.push(`query parameter ${param.name} is not repeatable`);
      const check = this.#validator(`${op.pointer}/parameters/${index}/schema`, schema);
      if (check && !check(value)) errors.push(...formatErrors(`query parameter ${param.name}`, check.errors));
    }
    for (const name of queryNames) errors.push(`query parameter ${name} is not defined for ${op.key}`);

    const content = op.spec.requestBody?.content?.["application/json"];
    if (body === undefined) {
      if (op.spec.requestBody?.required) errors.push("request body is required");
    } else if (!content) {
      errors.push(`${op.key} takes no request body`);
    } else if (content.schema) {
      const check = this.#validator(`${op.pointer}/requestBody/content/application~1json/schema`, content.schema);
      if (check && !check(body)) errors.push(...formatErrors("request body", check.errors));
    }
    return { operation: op, errors };
  }

  /**
   * Validates a response body (`undefined` when empty) for its status. Statuses the operation does
   * not list fall back to the range entry (`4xx`/`5xx`), which carries Hetzner's error schema.
   */
  validateResponse(method: string, url: URL, status: number, body: unknown, contentType = ""): ValidationResult {
    const found = this.#find(method, url.pathname);
    if (!found) return { errors: [`no operation ${method.toUpperCase()} ${url.pathname} in the OpenAPI document`] };
    const { op } = found;
    const responses = op.spec.responses ?? {};
    const key = [String(status), `${String(status)[0]}xx`, `${String(status)[0]}XX`, "default"].find((k) =>
      k in responses
    );
    if (!key) return { operation: op, errors: [`status ${status} is not documented for ${op.key}`] };
    const content = responses[key]?.content?.["application/json"];
    if (!content) {
      return {
        operation: op,
        errors: body === undefined ? [] : [`status ${status} of ${op.key} has no body in the spec, got one`],
      };
    }
    if (body === undefined) return { operation: op, errors: [`status ${status} of ${op.key} must have a JSON body`] };
    const errors: string[] = [];
    if (contentType && !contentType.includes("application/json")) {
      errors.push(`content-type ${contentType} is not application/json`);
    }
    const check = this.#validator(
      `${op.pointer}/responses/${escapePointer(key)}/content/application~1json/schema`,
      content.schema,
    );
    if (check && !check(body)) errors.push(...formatErrors(`response ${status} body`, check.errors));
    return { operation: op, errors };
  }

  #strip(pathname: string): string[] {
    const path = this.basePath && pathname.startsWith(this.basePath + "/")
      ? pathname.slice(this.basePath.length)
      : pathname;
    return path.split("/").filter(Boolean).map((s) => decodeURIComponent(s));
  }

  #find(method: string, pathname: string) {
    const segments = this.#strip(pathname);
    for (const op of this.#ops) {
      if (op.method !== method.toUpperCase()) continue;
      const params = matchSegments(op.segments, segments);
      if (params) return { op, params };
    }
    return undefined;
  }

  #validator(pointer: string, schema: unknown): Validator | null {
    if (schema === undefined) return null;
    let check = this.#cache.get(pointer);
    if (check === undefined) {
      check = this.#ajv.compile({ $ref: `${DOC_ID}${pointer}` }) as Validator;
      this.#cache.set(pointer, check);
    }
    return check;
  }
}

function matchSegments(template: string[], actual: string[]): Record<string, string> | undefined {
  if (template.length !== actual.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, part] of template.entries()) {
    const value = actual[i]!;
    if (part.startsWith("{") && part.endsWith("}")) params[part.slice(1, -1)] = value;
    else if (part !== value) return undefined;
  }
  return params;
}

function escapePointer(s: string): string {
  return s.replaceAll("~", "~0").replaceAll("/", "~1").replaceAll("{", "%7B").replaceAll("}", "%7D");
}

// deno-lint-ignore no-explicit-any
function schemaType(schema: any): string | undefined {
  const t = schema?.type;
  return Array.isArray(t) ? t.find((x) => x !== "null") : t;
}

/** Query and path values arrive as strings; convert them to the declared type before validating. */
// deno-lint-ignore no-explicit-any
function coerce(value: string, schema: any): unknown {
  const type = schemaType(schema);
  if (type === "integer" || type === "number") return /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
  if (type === "boolean") return value === "true" ? true : value === "false" ? false : value;
  return value;
}

function formatErrors(where: string, errors: unknown[] | null | undefined): string[] {
  // deno-lint-ignore no-explicit-any
  return (errors ?? []).map((e: any) => {
    const extra = e.params?.additionalProperty ?? e.params?.missingProperty ?? e.params?.allowedValues;
    return `${where}${e.instancePath || ""}: ${e.message}${extra !== undefined ? ` (${JSON.stringify(extra)})` : ""}`;
  });
}

const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

function addFormats(ajv: Ajv): void {
  ajv.addFormat("int32", {
    type: "number",
    validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31,
  });
  ajv.addFormat("int64", { type: "number", validate: (n: number) => Number.isSafeInteger(n) });
  ajv.addFormat("double", { type: "number", validate: (n: number) => Number.isFinite(n) });
  ajv.addFormat("decimal", { type: "string", validate: (s: string) => /^-?\d+(\.\d+)?$/.test(s) });
  ajv.addFormat("date-time", {
    type: "string",
    validate: (s: string) => DATE_TIME.test(s) && !Number.isNaN(Date.parse(s)),
  });
}
