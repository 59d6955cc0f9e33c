/**
 * CustomResourceDefinition serving in the fake Kubernetes API: the checks on a CRD itself, its
 * activation (status conditions as the apiextensions controllers set them) and validation of custom
 * resources against each served version's `openAPIV3Schema`.
 *
 * @module
 */
import { groupVersionOf, type ResourceType } from "./resources.ts";
import { invalid } from "./status.ts";
import { type KubeObj, metaOf } from "./object_meta.ts";
import ajvModule from "ajv/dist/2020";
import { goRegExpEngine } from "./go_regexp.ts";

// ajv is CommonJS: the class is both `module.exports` and its `default`.
const Ajv2020 = ajvModule.default ?? ajvModule;
type Validator = ((data: unknown) => boolean) & { errors?: { instancePath: string; message?: string }[] | null };

/** Rejects a CRD the API server would refuse (name, versions, scope), as 422 Invalid. */
export function validateCrd(rt: ResourceType, crd: KubeObj): void {
  const spec = (crd.spec ?? {}) as Record<string, unknown>;
  const names = (spec.names ?? {}) as Record<string, unknown>;
  const name = String(metaOf(crd).name ?? "");
  const expected = `${String(names.plural ?? "")}.${String(spec.group ?? "")}`;
  if (name !== expected) {
    throw invalid(rt, name, `metadata.name: Invalid value: "${name}": must be spec.names.plural+"."+spec.group`);
  }
  if (!Array.isArray(spec.versions) || spec.versions.length === 0) {
    throw invalid(rt, name, "spec.versions: Invalid value: must have exactly one version marked as storage version");
  }
  if (spec.scope !== "Namespaced" && spec.scope !== "Cluster") {
    throw invalid(rt, name, 'spec.scope: Unsupported value: supported values: "Cluster", "Namespaced"');
  }
}

/** The compiled schemas of every served custom resource version. */
export class CrdSchemas {
  /** Compiled openAPIV3Schema per served custom resource version (`<crd>/<version>`). */
  #validators = new Map<string, Validator>();
  /** The openAPIV3Schema itself per served custom resource version, for unknown fields. */
  #schemas = new Map<string, Record<string, unknown>>();

  /** The structural schema of a custom resource version, or undefined (built-in type, or none declared). */
  schemaOf(rt: ResourceType): Record<string, unknown> | undefined {
    return rt.crd === undefined ? undefined : this.#schemas.get(`${rt.crd}/${rt.version}`);
  }

  /** Rejects a custom resource its CRD's schema refuses, as the API server does (422 Invalid). */
  validate(rt: ResourceType, obj: KubeObj, name: string): void {
    if (rt.crd === undefined) return;
    const validate = this.#validatorOf(`${rt.crd}/${rt.version}`);
    if (!validate) return;
    const { metadata: _m, ...rest } = obj;
    if (validate({ ...rest, apiVersion: groupVersionOf(rt), kind: rt.kind })) return;
    const problems = (validate.errors ?? []).map((e) =>
      `${e.instancePath.slice(1).replaceAll("/", ".") || "<root>"}: ${e.message ?? "invalid"}`
    );
    throw invalid(rt, name, `[${problems.join(", ")}]`);
  }

  /** Marks a CRD Established at `now` (as the apiextensions controllers would) and compiles its schemas. */
  activate(crd: KubeObj, now: string): void {
    const spec = (crd.spec ?? {}) as Record<string, unknown>;
    const versions = (spec.versions ?? []) as Record<string, unknown>[];
    crd.status = {
      acceptedNames: spec.names,
      storedVersions: versions.filter((v) => v.storage === true).map((v) => v.name),
      conditions: [
        {
          type: "NamesAccepted",
          status: "True",
          reason: "NoConflicts",
          message: "no conflicts found",
          lastTransitionTime: now,
        },
        {
          type: "Established",
          status: "True",
          reason: "InitialNamesAccepted",
          message: "the initial names have been accepted",
          lastTransitionTime: now,
        },
      ],
    };
    const name = String(metaOf(crd).name ?? "");
    for (const key of [...this.#validators.keys()]) if (key.startsWith(`${name}/`)) this.#validators.delete(key);
    for (const key of [...this.#schemas.keys()]) if (key.startsWith(`${name}/`)) this.#schemas.delete(key);
    for (const v of versions) {
      const schema = (v.schema as { openAPIV3Schema?: unknown } | undefined)?.openAPIV3Schema;
      if (schema) this.#schemas.set(`${name}/${String(v.name)}`, schema as Record<string, unknown>);
    }
  }

  /**
   * The compiled schema of a version, compiled on first use: compiling Argo CD's Application schema
   * takes ajv about 1.5 s of CPU, and most CRDs a chart installs never see an object during a test.
   */
  #validatorOf(key: string): Validator | undefined {
    const cached = this.#validators.get(key);
    if (cached) return cached;
    const schema = this.#schemas.get(key);
    if (!schema) return undefined;
    const ajv = new Ajv2020({
      strict: false,
      allErrors: true,
      validateFormats: false,
      code: { regExp: goRegExpEngine },
    });
    const validator = ajv.compile(schema) as Validator;
    this.#validators.set(key, validator);
    return validator;
  }
}
