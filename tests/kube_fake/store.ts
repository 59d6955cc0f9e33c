/**
 * The object store behind the fake Kubernetes API: the semantics a client can observe (uid,
 * a global resourceVersion, generation, optimistic concurrency, status subresource, finalizers,
 * namespace existence, watch history) without any HTTP.
 *
 * @module
 */
import {
  groupVersionOf,
  qualifiedResource,
  ResourceRegistry,
  type ResourceType,
  splitApiVersion,
  storageKeyOf,
} from "./resources.ts";
import { alreadyExists, badRequest, conflict, invalid, KubeStatusError, notFound } from "./status.ts";
import { applyMergePatch, stableStringify } from "./patch.ts";
import ajvModule from "ajv/dist/2020";

// ajv is CommonJS: the class is both `module.exports` and its `default`.
const Ajv2020 = ajvModule.default ?? ajvModule;
type Validator = ((data: unknown) => boolean) & { errors?: { instancePath: string; message?: string }[] | null };

/** A Kubernetes object as JSON. */
export type KubeObj = Record<string, unknown>;

/** A watch event as sent on the wire. */
export interface WatchEvent {
  type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK";
  object: KubeObj;
}

interface LogEntry {
  rv: number;
  type: "ADDED" | "MODIFIED" | "DELETED";
  key: string;
  namespace: string;
  object: KubeObj;
}

interface Watcher {
  key: string;
  namespace: string | undefined;
  rt: ResourceType;
  matches: (obj: KubeObj) => boolean;
  send: (event: WatchEvent) => void;
}

/** Options of a write through the REST surface. */
export interface WriteOptions {
  /** `/status` writes change only status; main-resource writes keep status when the type has the subresource. */
  subresource?: "status";
  dryRun?: boolean;
  fieldManager?: string;
  /** Recorded in managedFields. */
  operation?: "Apply" | "Update";
}

const NAME_RE = /^[a-z0-9]([-a-z0-9.:]*[a-z0-9])?$/;

function metaOf(obj: KubeObj): Record<string, unknown> {
  if (typeof obj.metadata !== "object" || obj.metadata === null) obj.metadata = {};
  return obj.metadata as Record<string, unknown>;
}

function withoutMetaAndStatus(obj: KubeObj): unknown {
  const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = obj;
  return rest;
}

function comparable(obj: KubeObj): string {
  const copy = structuredClone(obj);
  const meta = metaOf(copy);
  delete meta.resourceVersion;
  delete meta.managedFields;
  delete meta.generation;
  delete copy.apiVersion;
  delete copy.kind;
  return stableStringify(copy);
}

/** A minimal `fieldsV1` tree (`f:<key>` per object field; lists are leaves). */
function fieldsOf(value: unknown): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return {};
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === "apiVersion" || k === "kind") continue;
    if (k === "metadata" && typeof v === "object" && v !== null) {
      const { name: _n, namespace: _ns, resourceVersion: _rv, managedFields: _mf, ...rest } = v as Record<
        string,
        unknown
      >;
      if (Object.keys(rest).length > 0) out["f:metadata"] = fieldsOf(rest);
      continue;
    }
    out[`f:${k}`] = fieldsOf(v);
  }
  return out;
}

/** Folds a Secret's `stringData` into base64 `data`, as the API server does on every write. */
function normalizeSecret(rt: ResourceType, obj: KubeObj): void {
  if (rt.group !== "" || rt.kind !== "Secret" || typeof obj.stringData !== "object" || obj.stringData === null) return;
  const data = { ...(obj.data as Record<string, string> | undefined) };
  for (const [key, value] of Object.entries(obj.stringData as Record<string, unknown>)) {
    const bytes = new TextEncoder().encode(String(value));
    data[key] = btoa(Array.from(bytes, (b) => String.fromCharCode(b)).join(""));
  }
  obj.data = data;
  delete obj.stringData;
}

/** The in-memory state of one fake cluster. */
export class FakeKubeStore {
  readonly registry = new ResourceRegistry();
  #objects = new Map<string, Map<string, KubeObj>>();
  #rv = 0;
  #log: LogEntry[] = [];
  #watchers = new Set<Watcher>();
  #now: () => Date;
  /** Compiled openAPIV3Schema per served custom resource version (`<crd>/<version>`). */
  #validators = new Map<string, Validator>();

  constructor(options: { now?: () => Date } = {}) {
    this.#now = options.now ?? (() => new Date());
    for (const name of ["default", "kube-system", "kube-public", "kube-node-lease"]) {
      this.put({ apiVersion: "v1", kind: "Namespace", metadata: { name }, status: { phase: "Active" } });
    }
  }

  /** The current global resourceVersion (the rv of the last write). */
  get resourceVersion(): string {
    return String(this.#rv);
  }

  #timestamp(): string {
    return this.#now().toISOString().replace(/\.\d{3}Z$/, "Z");
  }

  #bucket(rt: ResourceType): Map<string, KubeObj> {
    const key = storageKeyOf(rt);
    let bucket = this.#objects.get(key);
    if (!bucket) this.#objects.set(key, bucket = new Map());
    return bucket;
  }

  #stamp(rt: ResourceType, obj: KubeObj): KubeObj {
    const { apiVersion: _a, kind: _k, ...rest } = structuredClone(obj);
    return { apiVersion: groupVersionOf(rt), kind: rt.kind, ...rest };
  }

  #record(rt: ResourceType, type: LogEntry["type"], namespace: string, obj: KubeObj): void {
    const entry: LogEntry = { rv: this.#rv, type, key: storageKeyOf(rt), namespace, object: structuredClone(obj) };
    this.#log.push(entry);
    for (const w of this.#watchers) this.#deliver(w, entry);
  }

  #deliver(w: Watcher, entry: LogEntry): void {
    if (w.key !== entry.key) return;
    if (w.namespace !== undefined && w.namespace !== entry.namespace) return;
    const object = this.#stamp(w.rt, entry.object);
    if (!w.matches(object)) return;
    w.send({ type: entry.type, object });
  }

  #nextRv(): string {
    this.#rv += 1;
    return String(this.#rv);
  }

  #namespaceOf(rt: ResourceType, namespace: string | undefined): string {
    if (!rt.namespaced) return "";
    if (!namespace) throw badRequest("a namespace is required for namespaced resources");
    return namespace;
  }

  #requireNamespace(rt: ResourceType, namespace: string): void {
    if (!rt.namespaced) return;
    const ns = this.#objects.get("namespaces.")?.get(`/${namespace}`);
    if (!ns) throw notFound({ group: "", resource: "namespaces" }, namespace);
    if (metaOf(ns).deletionTimestamp) {
      throw new KubeStatusError(
        403,
        "Forbidden",
        `${qualifiedResource(rt)} is forbidden: unable to create new content in namespace ${namespace} ` +
          "because it is being terminated",
      );
    }
  }

  #managedFields(
    previous: unknown,
    options: WriteOptions,
    rt: ResourceType,
    applied: KubeObj,
  ): unknown[] | undefined {
    const entries = Array.isArray(previous) ? [...previous] as Record<string, unknown>[] : [];
    if (!options.fieldManager) return entries.length > 0 ? entries : undefined;
    const operation = options.operation ?? "Update";
    const entry: Record<string, unknown> = {
      manager: options.fieldManager,
      operation,
      apiVersion: groupVersionOf(rt),
      time: this.#timestamp(),
      fieldsType: "FieldsV1",
      fieldsV1: fieldsOf(options.subresource === "status" ? { status: applied.status } : applied),
    };
    if (options.subresource) entry.subresource = options.subresource;
    const index = entries.findIndex((e) =>
      e.manager === entry.manager && e.operation === operation && (e.subresource ?? "") === (entry.subresource ?? "")
    );
    if (index >= 0) entries[index] = entry;
    else entries.push(entry);
    return entries;
  }

  /** Reads one object (a copy), or undefined. */
  get(rt: ResourceType, namespace: string | undefined, name: string): KubeObj | undefined {
    const obj = this.#bucket(rt).get(`${rt.namespaced ? namespace ?? "" : ""}/${name}`);
    return obj ? this.#stamp(rt, obj) : undefined;
  }

  /** Reads one object or throws NotFound. */
  read(rt: ResourceType, namespace: string | undefined, name: string): KubeObj {
    const obj = this.get(rt, namespace, name);
    if (!obj) throw notFound(rt, name);
    return obj;
  }

  /** Lists objects of a type, in one namespace or all, sorted by namespace and name. */
  list(rt: ResourceType, namespace: string | undefined, matches: (obj: KubeObj) => boolean = () => true): KubeObj[] {
    const out: KubeObj[] = [];
    const keys = [...this.#bucket(rt).keys()].sort();
    for (const key of keys) {
      const obj = this.#bucket(rt).get(key)!;
      if (rt.namespaced && namespace !== undefined && metaOf(obj).namespace !== namespace) continue;
      const stamped = this.#stamp(rt, obj);
      if (matches(stamped)) out.push(stamped);
    }
    return out;
  }

  /** Creates an object as `POST` does. */
  create(rt: ResourceType, namespace: string | undefined, body: KubeObj, options: WriteOptions = {}): KubeObj {
    if (typeof body !== "object" || body === null || Array.isArray(body)) throw badRequest("body must be an object");
    if (body.kind !== undefined && body.kind !== rt.kind) {
      throw badRequest(`the kind in the data (${String(body.kind)}) does not match the expected kind (${rt.kind})`);
    }
    const obj = structuredClone(body);
    normalizeSecret(rt, obj);
    const meta = metaOf(obj);
    if (rt.namespaced) {
      if (
        meta.namespace !== undefined && meta.namespace !== "" && namespace !== undefined && meta.namespace !== namespace
      ) {
        throw badRequest("the namespace of the provided object does not match the namespace sent on the request");
      }
      meta.namespace = this.#namespaceOf(rt, namespace ?? (meta.namespace as string | undefined));
    } else delete meta.namespace;
    if (!meta.name && typeof meta.generateName === "string") {
      meta.name = meta.generateName + crypto.randomUUID().replaceAll("-", "").slice(0, 5);
    }
    const name = String(meta.name ?? "");
    if (name === "") throw invalid(rt, name, "metadata.name: Required value: name or generateName is required");
    if (!NAME_RE.test(name) || name.length > 253) {
      throw invalid(rt, name, `metadata.name: Invalid value: "${name}": must be a lowercase RFC 1123 subdomain`);
    }
    const ns = String(meta.namespace ?? "");
    this.#requireNamespace(rt, ns);
    const bucket = this.#bucket(rt);
    if (bucket.has(`${ns}/${name}`)) throw alreadyExists(rt, name);
    if (rt.hasStatus && options.subresource === undefined) delete obj.status;
    if (rt.kind === "Namespace" && rt.group === "") obj.status = { phase: "Active" };
    if (rt.kind === "CustomResourceDefinition") this.#validateCrd(rt, obj);
    this.#validateCustom(rt, obj, name);
    meta.uid = crypto.randomUUID();
    meta.creationTimestamp = this.#timestamp();
    meta.generation = 1;
    delete meta.deletionTimestamp;
    const managed = this.#managedFields(undefined, options, rt, body);
    if (managed) meta.managedFields = managed;
    else delete meta.managedFields;
    if (options.dryRun) return this.#stamp(rt, obj);
    meta.resourceVersion = this.#nextRv();
    if (rt.kind === "CustomResourceDefinition") this.#activateCrd(obj);
    bucket.set(`${ns}/${name}`, obj);
    this.#record(rt, "ADDED", ns, obj);
    return this.#stamp(rt, obj);
  }

  /** Replaces an object as `PUT` does (on the main resource or `/status`). */
  update(
    rt: ResourceType,
    namespace: string | undefined,
    name: string,
    body: KubeObj,
    options: WriteOptions = {},
  ): KubeObj {
    if (typeof body !== "object" || body === null || Array.isArray(body)) throw badRequest("body must be an object");
    const ns = rt.namespaced ? namespace ?? "" : "";
    const bucket = this.#bucket(rt);
    const old = bucket.get(`${ns}/${name}`);
    if (!old) throw notFound(rt, name);
    const incoming = structuredClone(body);
    const inMeta = metaOf(incoming);
    if (inMeta.name !== undefined && inMeta.name !== name) {
      throw badRequest(`the name of the object (${String(inMeta.name)}) does not match the name on the URL (${name})`);
    }
    const oldMeta = metaOf(old);
    if (
      inMeta.resourceVersion !== undefined && inMeta.resourceVersion !== "" &&
      inMeta.resourceVersion !== oldMeta.resourceVersion
    ) {
      throw conflict(rt, name);
    }
    let next: KubeObj;
    if (options.subresource === "status") {
      next = structuredClone(old);
      if (incoming.status === undefined) delete next.status;
      else next.status = incoming.status;
    } else {
      next = incoming;
      normalizeSecret(rt, next);
      if (rt.hasStatus) {
        if (old.status === undefined) delete next.status;
        else next.status = structuredClone(old.status);
      }
      const meta = metaOf(next);
      for (const key of ["uid", "creationTimestamp", "deletionTimestamp", "generation"]) {
        if (oldMeta[key] === undefined) delete meta[key];
        else meta[key] = oldMeta[key];
      }
      meta.name = name;
      if (rt.namespaced) meta.namespace = ns;
      else delete meta.namespace;
      if (meta.managedFields === undefined && oldMeta.managedFields !== undefined) {
        meta.managedFields = oldMeta.managedFields;
      }
    }
    const nextMeta = metaOf(next);
    const managed = this.#managedFields(nextMeta.managedFields, options, rt, incoming);
    if (managed) nextMeta.managedFields = managed;
    nextMeta.resourceVersion = oldMeta.resourceVersion;
    if (comparable(next) === comparable(old)) return this.#stamp(rt, old);
    if (stableStringify(withoutMetaAndStatus(next)) !== stableStringify(withoutMetaAndStatus(old))) {
      nextMeta.generation = Number(oldMeta.generation ?? 0) + 1;
    }
    if (rt.kind === "CustomResourceDefinition" && options.subresource === undefined) this.#validateCrd(rt, next);
    this.#validateCustom(rt, next, name);
    if (options.dryRun) return this.#stamp(rt, next);
    nextMeta.resourceVersion = this.#nextRv();
    const finalizers = nextMeta.finalizers as unknown[] | undefined;
    if (nextMeta.deletionTimestamp && (!finalizers || finalizers.length === 0)) {
      this.#remove(rt, ns, name, next);
      return this.#stamp(rt, next);
    }
    if (rt.kind === "CustomResourceDefinition") this.#activateCrd(next);
    bucket.set(`${ns}/${name}`, next);
    this.#record(rt, "MODIFIED", ns, next);
    return this.#stamp(rt, next);
  }

  /** Server-side apply: create when absent, otherwise merge the applied configuration in. */
  apply(
    rt: ResourceType,
    namespace: string | undefined,
    name: string,
    body: KubeObj,
    options: WriteOptions & { force?: boolean },
  ): { object: KubeObj; created: boolean } {
    if (!options.fieldManager) {
      throw new KubeStatusError(
        422,
        "Invalid",
        'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
      );
    }
    if (typeof body !== "object" || body === null || Array.isArray(body)) throw badRequest("body must be an object");
    if (body.apiVersion === undefined || body.kind === undefined) {
      throw badRequest("apiVersion and kind must be set in an apply patch");
    }
    const [group, version] = splitApiVersion(String(body.apiVersion));
    if (group !== rt.group || version !== rt.version || body.kind !== rt.kind) {
      throw badRequest(`the apply patch is for ${String(body.apiVersion)}, Kind=${String(body.kind)}, not ${rt.kind}`);
    }
    const bodyName = metaOf(body).name;
    if (bodyName !== undefined && bodyName !== name) {
      throw badRequest(`the name of the object (${String(bodyName)}) does not match the name on the URL (${name})`);
    }
    const current = this.get(rt, namespace, name);
    const writeOptions: WriteOptions = { ...options, operation: "Apply" };
    if (!current) {
      if (options.subresource === "status") throw notFound(rt, name);
      const toCreate = structuredClone(body);
      metaOf(toCreate).name = name;
      return { object: this.create(rt, namespace, toCreate, writeOptions), created: true };
    }
    const merged = applyMergePatch(current, body) as KubeObj;
    const mergedMeta = metaOf(merged);
    const appliedRv = metaOf(body).resourceVersion;
    mergedMeta.resourceVersion = appliedRv ?? metaOf(current).resourceVersion;
    return { object: this.update(rt, namespace, name, merged, writeOptions), created: false };
  }

  /** Deletes an object as `DELETE` does: with finalizers it only gets a deletionTimestamp. */
  delete(rt: ResourceType, namespace: string | undefined, name: string, options: { dryRun?: boolean } = {}): KubeObj {
    const ns = rt.namespaced ? namespace ?? "" : "";
    const old = this.#bucket(rt).get(`${ns}/${name}`);
    if (!old) throw notFound(rt, name);
    if (options.dryRun) return this.#stamp(rt, old);
    const next = structuredClone(old);
    const meta = metaOf(next);
    const finalizers = meta.finalizers as unknown[] | undefined;
    if (finalizers && finalizers.length > 0) {
      if (!meta.deletionTimestamp) {
        meta.deletionTimestamp = this.#timestamp();
        meta.deletionGracePeriodSeconds = 0;
        meta.resourceVersion = this.#nextRv();
        this.#bucket(rt).set(`${ns}/${name}`, next);
        this.#record(rt, "MODIFIED", ns, next);
      }
      return this.#stamp(rt, next);
    }
    meta.resourceVersion = this.#nextRv();
    this.#remove(rt, ns, name, next);
    return this.#stamp(rt, next);
  }

  #remove(rt: ResourceType, ns: string, name: string, last: KubeObj): void {
    this.#bucket(rt).delete(`${ns}/${name}`);
    this.#record(rt, "DELETED", ns, last);
    if (rt.kind === "Namespace" && rt.group === "") {
      // The namespace controller's job, done at once: everything inside goes with it.
      for (const type of this.#storageTypes()) {
        if (!type.namespaced) continue;
        for (const obj of this.list(type, name)) {
          const meta = metaOf(obj);
          meta.resourceVersion = this.#nextRv();
          this.#bucket(type).delete(`${name}/${String(meta.name)}`);
          this.#record(type, "DELETED", name, obj);
        }
      }
    }
    if (rt.kind === "CustomResourceDefinition") {
      for (const type of this.registry.all().filter((t) => t.crd === name).slice(0, 1)) {
        for (const obj of this.list(type, undefined)) {
          const meta = metaOf(obj);
          meta.resourceVersion = this.#nextRv();
          this.#bucket(type).delete(`${String(meta.namespace ?? "")}/${String(meta.name)}`);
          this.#record(type, "DELETED", String(meta.namespace ?? ""), obj);
        }
      }
      this.registry.removeCrd(name);
    }
  }

  /** One resource type per storage key (CRD versions share storage). */
  #storageTypes(): ResourceType[] {
    const seen = new Map<string, ResourceType>();
    for (const t of this.registry.all()) if (!seen.has(storageKeyOf(t))) seen.set(storageKeyOf(t), t);
    return [...seen.values()];
  }

  #validateCrd(rt: ResourceType, crd: KubeObj): void {
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

  /** Rejects a custom resource its CRD's schema refuses, as the API server does (422 Invalid). */
  #validateCustom(rt: ResourceType, obj: KubeObj, name: string): void {
    if (rt.crd === undefined) return;
    const validate = this.#validators.get(`${rt.crd}/${rt.version}`);
    if (!validate) return;
    const { metadata: _m, ...rest } = obj;
    if (validate({ ...rest, apiVersion: groupVersionOf(rt), kind: rt.kind })) return;
    const problems = (validate.errors ?? []).map((e) =>
      `${e.instancePath.slice(1).replaceAll("/", ".") || "<root>"}: ${e.message ?? "invalid"}`
    );
    throw invalid(rt, name, `[${problems.join(", ")}]`);
  }

  /** Marks a CRD Established (as the apiextensions controllers would) and serves its types. */
  #activateCrd(crd: KubeObj): void {
    const spec = (crd.spec ?? {}) as Record<string, unknown>;
    const versions = (spec.versions ?? []) as Record<string, unknown>[];
    const now = this.#timestamp();
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
    for (const v of versions) {
      const schema = (v.schema as { openAPIV3Schema?: unknown } | undefined)?.openAPIV3Schema;
      if (!schema) continue;
      const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
      this.#validators.set(`${name}/${String(v.name)}`, ajv.compile(schema) as Validator);
    }
    this.registry.addCrd(crd);
  }

  /**
   * Subscribes to changes of a type. Without `sinceRv` (or "0") the current objects arrive first as
   * ADDED; with it, every recorded change after that resourceVersion is replayed.
   */
  watch(
    rt: ResourceType,
    namespace: string | undefined,
    matches: (obj: KubeObj) => boolean,
    sinceRv: string | undefined,
    send: (event: WatchEvent) => void,
  ): () => void {
    const watcher: Watcher = {
      key: storageKeyOf(rt),
      namespace: rt.namespaced ? namespace : undefined,
      rt,
      matches,
      send,
    };
    if (sinceRv === undefined || sinceRv === "" || sinceRv === "0") {
      for (const obj of this.list(rt, namespace, matches)) send({ type: "ADDED", object: obj });
    } else {
      const since = Number(sinceRv);
      if (!Number.isFinite(since)) throw badRequest(`invalid resourceVersion "${sinceRv}"`);
      for (const entry of this.#log) if (entry.rv > since) this.#deliver(watcher, entry);
    }
    this.#watchers.add(watcher);
    return () => this.#watchers.delete(watcher);
  }

  // Convenience for tests and the local cloud: by apiVersion and kind, no REST rules.

  /** The served type of `apiVersion`/`kind`, or throws. */
  typeOf(apiVersion: string, kind: string): ResourceType {
    const rt = this.registry.byKind(apiVersion, kind);
    if (!rt) throw new Error(`Cannot find resource type "${apiVersion}, Kind=${kind}": not served`);
    return rt;
  }

  /** Reads an object by apiVersion/kind/name (and namespace), or undefined. */
  getObject(apiVersion: string, kind: string, name: string, namespace?: string): KubeObj | undefined {
    return this.get(this.typeOf(apiVersion, kind), namespace, name);
  }

  /** Lists objects by apiVersion/kind (in one namespace or all). */
  listObjects(apiVersion: string, kind: string, namespace?: string): KubeObj[] {
    return this.list(this.typeOf(apiVersion, kind), namespace);
  }

  /**
   * Stores an object as given, status included (how a test or the local cloud seeds Nodes or Pods):
   * creates it, or replaces it wholesale, with watch events. No namespace or concurrency checks.
   */
  put(obj: KubeObj): KubeObj {
    const rt = this.typeOf(String(obj.apiVersion), String(obj.kind));
    const next = structuredClone(obj);
    normalizeSecret(rt, next);
    const meta = metaOf(next);
    const ns = rt.namespaced ? String(meta.namespace ?? "default") : "";
    if (rt.namespaced) meta.namespace = ns;
    const name = String(meta.name ?? "");
    if (name === "") throw new TypeError("put() needs metadata.name");
    const old = this.#bucket(rt).get(`${ns}/${name}`);
    const oldMeta = old ? metaOf(old) : undefined;
    meta.uid = oldMeta?.uid ?? crypto.randomUUID();
    meta.creationTimestamp = oldMeta?.creationTimestamp ?? this.#timestamp();
    meta.generation = oldMeta
      ? Number(oldMeta.generation ?? 1) +
        (stableStringify(withoutMetaAndStatus(next)) === stableStringify(withoutMetaAndStatus(old!)) ? 0 : 1)
      : 1;
    meta.resourceVersion = this.#nextRv();
    if (rt.kind === "CustomResourceDefinition") this.#activateCrd(next);
    this.#bucket(rt).set(`${ns}/${name}`, next);
    this.#record(rt, old ? "MODIFIED" : "ADDED", ns, next);
    return this.#stamp(rt, next);
  }

  /** Deletes an object by apiVersion/kind/name regardless of finalizers; false when absent. */
  remove(apiVersion: string, kind: string, name: string, namespace?: string): boolean {
    const rt = this.typeOf(apiVersion, kind);
    const ns = rt.namespaced ? namespace ?? "default" : "";
    const old = this.#bucket(rt).get(`${ns}/${name}`);
    if (!old) return false;
    const last = structuredClone(old);
    metaOf(last).resourceVersion = this.#nextRv();
    this.#remove(rt, ns, name, last);
    return true;
  }

  /** Ends every watch (the server is closing). */
  dropWatchers(): void {
    this.#watchers.clear();
  }
}
