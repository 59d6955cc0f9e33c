/**
 * The object store behind the fake Kubernetes API: the REST write semantics a client can observe
 * (uid, generation, optimistic concurrency, status subresource, server-side apply, finalizers,
 * namespace existence) without any HTTP. Storage, versioning and watch history are in
 * {@link ObjectTable}.
 *
 * @module
 */
import { stableStringify } from "./patch.ts";
import { Authenticator } from "./authn.ts";
import { ResourceRegistry, type ResourceType } from "./resources.ts";
import { alreadyExists, badRequest, conflict, notFound } from "./status.ts";
import { applyMergePatch } from "./patch.ts";
import { admitNewName, checkApplyPatch, requireNameMatchesUrl, requireObjectBody } from "./admission.ts";
import { comparable, type KubeObj, metaOf, normalizeSecret, specChanged, stampObject } from "./object_meta.ts";
import { removeDisownedFields, updateManagedFields, type WriteOptions } from "./managed_fields.ts";
import { validateCrd } from "./crd_schemas.ts";
import { ObjectTable, type TableState } from "./object_table.ts";
import { validateBuiltinApplyPatch, validateBuiltinObject } from "./openapi_validation.ts";
import { toStoredForm } from "./event_versions.ts";
import { validateEventCreate } from "./event_validation.ts";
import { checkCustomApplyPatch, checkCustomObject } from "./crd_unknown_fields.ts";
import { applyConflictError, findApplyConflicts, takeOwnership } from "./apply_conflicts.ts";
import { collectDependents, type PropagationPolicy } from "./garbage_collector.ts";
import type { WatchEvent } from "./watch_hub.ts";
import { allocateService, isService } from "./service_allocation.ts";
import { cloneJson } from "./json_clone.ts";

export type { KubeObj } from "./object_meta.ts";
export type { WatchEvent } from "./watch_hub.ts";
export type { WriteOptions } from "./managed_fields.ts";

function namespaceOf(rt: ResourceType, namespace: string | undefined): string {
  if (!rt.namespaced) return "";
  if (!namespace) throw badRequest("a namespace is required for namespaced resources");
  return namespace;
}

function sameObject(obj: KubeObj, namespace: string, name: string): boolean {
  const meta = metaOf(obj);
  return meta.name === name && String(meta.namespace ?? "") === namespace;
}

/** The in-memory state of one fake cluster. */
export class FakeKubeStore {
  readonly registry = new ResourceRegistry();
  /** Issued tokens (static admin token, service account tokens). */
  readonly auth = new Authenticator();
  #table: ObjectTable;

  /** `state` restores what an etcd snapshot held (`store_dump.ts`); without it: the namespaces every cluster has. */
  constructor(options: { now?: () => Date; state?: TableState } = {}) {
    this.#table = new ObjectTable(this.registry, options.now ?? (() => new Date()));
    if (options.state) {
      this.#table.importState(options.state);
      return;
    }
    for (const name of ["default", "kube-system", "kube-public", "kube-node-lease"]) {
      this.put({ apiVersion: "v1", kind: "Namespace", metadata: { name }, status: { phase: "Active" } });
    }
  }

  /** The current global resourceVersion (the rv of the last write). */
  get resourceVersion(): string {
    return this.#table.resourceVersion;
  }

  /** Every stored object and the resourceVersion counter: what etcd holds (see `store_dump.ts`). */
  exportState(): TableState {
    return this.#table.exportState();
  }

  /** The store's clock. */
  now(): Date {
    return this.#table.now();
  }

  #managedFields(
    previous: unknown,
    options: WriteOptions,
    rt: ResourceType,
    applied: KubeObj,
    before?: KubeObj,
  ): unknown[] | undefined {
    return updateManagedFields(previous, options, rt, applied, this.#table.timestamp(), before);
  }

  /** Refuses or prunes unknown and mistyped fields of an object being written (built-in or custom). */
  #checkFields(rt: ResourceType, written: KubeObj, options: WriteOptions): void {
    validateBuiltinObject(rt, written, options.fieldValidation ?? "Strict", options.warnings);
    const schema = this.#table.crds.schemaOf(rt);
    if (schema) checkCustomObject(schema, written, options.fieldValidation ?? "Strict", options.warnings);
  }

  /**
   * A bearer token for ServiceAccount `namespace/name`, as the TokenRequest API issues it for a pod;
   * valid until the account is deleted. Throws 404 when the account does not exist.
   */
  issueServiceAccountToken(namespace: string, name: string): string {
    return this.auth.issueServiceAccountToken(this.getObject("v1", "ServiceAccount", name, namespace), namespace, name);
  }

  /** Reads one object (a copy), or undefined. */
  get(rt: ResourceType, namespace: string | undefined, name: string): KubeObj | undefined {
    return this.#table.get(rt, namespace, name);
  }

  /**
   * The resourceVersion of one object, or undefined when it does not exist: what a cache keyed on the
   * object needs, without {@link get}'s copy of the whole object (a CRD can hold megabytes of schema).
   */
  resourceVersionOf(rt: ResourceType, namespace: string | undefined, name: string): string | undefined {
    const obj = this.#table.stored(rt, rt.namespaced ? namespace ?? "" : "", name);
    return obj ? String(metaOf(obj).resourceVersion) : undefined;
  }

  /** Reads one object or throws NotFound. */
  read(rt: ResourceType, namespace: string | undefined, name: string): KubeObj {
    const obj = this.get(rt, namespace, name);
    if (!obj) throw notFound(rt, name);
    return obj;
  }

  /**
   * Lists objects of a type, in one namespace or all, sorted by namespace and name; with `matches`
   * (which must only read the object it is given) only those it accepts, and only they are copied.
   */
  list(rt: ResourceType, namespace: string | undefined, matches: (obj: KubeObj) => boolean = () => true): KubeObj[] {
    return this.#table.list(rt, namespace, matches);
  }

  /** Creates an object as `POST` does. */
  create(rt: ResourceType, namespace: string | undefined, body: KubeObj, options: WriteOptions = {}): KubeObj {
    requireObjectBody(body);
    if (body.kind !== undefined && body.kind !== rt.kind) {
      throw badRequest(`the kind in the data (${String(body.kind)}) does not match the expected kind (${rt.kind})`);
    }
    const written = cloneJson(body);
    this.#checkFields(rt, written, options);
    const obj = toStoredForm(rt, written);
    normalizeSecret(rt, obj);
    const meta = metaOf(obj);
    if (rt.namespaced) {
      if (
        meta.namespace !== undefined && meta.namespace !== "" && namespace !== undefined && meta.namespace !== namespace
      ) {
        throw badRequest("the namespace of the provided object does not match the namespace sent on the request");
      }
      meta.namespace = namespaceOf(rt, namespace ?? (meta.namespace as string | undefined));
    } else delete meta.namespace;
    const name = admitNewName(rt, meta);
    const ns = String(meta.namespace ?? "");
    this.#table.requireNamespace(rt, ns);
    if (this.#table.stored(rt, ns, name)) throw alreadyExists(rt, name);
    if (rt.hasStatus && options.subresource === undefined) delete obj.status;
    if (rt.kind === "Namespace" && rt.group === "") obj.status = { phase: "Active" };
    if (rt.kind === "CustomResourceDefinition") validateCrd(rt, obj);
    this.#table.crds.validate(rt, obj, name);
    validateEventCreate(rt, obj, name);
    if (isService(rt)) allocateService(rt, name, obj, undefined, this.#table.list(rt, undefined, () => true));
    meta.uid = crypto.randomUUID();
    meta.creationTimestamp = this.#table.timestamp();
    meta.generation = 1;
    delete meta.deletionTimestamp;
    const managed = this.#managedFields(undefined, options, rt, body);
    if (managed) meta.managedFields = managed;
    else delete meta.managedFields;
    if (options.dryRun) return stampObject(rt, obj);
    meta.resourceVersion = this.#table.nextRv();
    if (rt.kind === "CustomResourceDefinition") this.#table.activateCrd(obj);
    this.#table.set(rt, "ADDED", ns, name, obj);
    return stampObject(rt, obj);
  }

  /** Replaces an object as `PUT` does (on the main resource or `/status`). */
  update(
    rt: ResourceType,
    namespace: string | undefined,
    name: string,
    body: KubeObj,
    options: WriteOptions = {},
  ): KubeObj {
    requireObjectBody(body);
    const ns = rt.namespaced ? namespace ?? "" : "";
    const old = this.#table.stored(rt, ns, name);
    if (!old) throw notFound(rt, name);
    const written = cloneJson(body);
    this.#checkFields(rt, written, options);
    const incoming = toStoredForm(rt, written);
    const inMeta = metaOf(incoming);
    requireNameMatchesUrl(inMeta.name, name);
    const oldMeta = metaOf(old);
    if (
      inMeta.resourceVersion !== undefined && inMeta.resourceVersion !== "" &&
      inMeta.resourceVersion !== oldMeta.resourceVersion
    ) {
      throw conflict(rt, name);
    }
    let next: KubeObj;
    if (options.subresource === "status") {
      next = cloneJson(old);
      if (incoming.status === undefined) delete next.status;
      else next.status = incoming.status;
    } else {
      next = incoming;
      normalizeSecret(rt, next);
      if (rt.hasStatus) {
        if (old.status === undefined) delete next.status;
        else next.status = cloneJson(old.status);
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
    if (isService(rt) && options.subresource === undefined) {
      const others = this.#table.list(rt, undefined, (o) => !sameObject(o, ns, name));
      allocateService(rt, name, next, old, others);
    }
    const nextMeta = metaOf(next);
    const managed = this.#managedFields(nextMeta.managedFields, options, rt, written, old);
    if (managed) nextMeta.managedFields = managed;
    nextMeta.resourceVersion = oldMeta.resourceVersion;
    // A no-op, unless a manager's claim changed (a new applier co-owns fields: the API server persists that).
    if (comparable(next) === comparable(old) && sameOwnership(nextMeta.managedFields, metaOf(old).managedFields)) {
      return stampObject(rt, old);
    }
    if (specChanged(next, old, rt)) nextMeta.generation = Number(oldMeta.generation ?? 0) + 1;
    if (rt.kind === "CustomResourceDefinition" && options.subresource === undefined) validateCrd(rt, next);
    this.#table.crds.validate(rt, next, name);
    if (options.dryRun) return stampObject(rt, next);
    nextMeta.resourceVersion = this.#table.nextRv();
    const finalizers = nextMeta.finalizers as unknown[] | undefined;
    if (nextMeta.deletionTimestamp && (!finalizers || finalizers.length === 0)) {
      this.#table.remove(rt, ns, name, next);
      this.#collect(nextMeta, undefined);
      return stampObject(rt, next);
    }
    if (rt.kind === "CustomResourceDefinition") this.#table.activateCrd(next);
    this.#table.set(rt, "MODIFIED", ns, name, next);
    return stampObject(rt, next);
  }

  /** Server-side apply: create when absent, otherwise merge the applied configuration in. */
  apply(
    rt: ResourceType,
    namespace: string | undefined,
    name: string,
    body: KubeObj,
    options: WriteOptions & { force?: boolean },
  ): { object: KubeObj; created: boolean } {
    checkApplyPatch(rt, name, body, options.fieldManager);
    validateBuiltinApplyPatch(rt, body, rt.namespaced ? namespace : undefined);
    const schema = this.#table.crds.schemaOf(rt);
    if (schema) checkCustomApplyPatch(schema, rt, body, rt.namespaced ? namespace : undefined);
    // The API server resets status in a main-resource apply of a type with a status subresource: the
    // applier neither sets nor owns it (a CRD file's `status.storedVersions` must not conflict).
    if (options.subresource !== "status" && rt.hasStatus && "status" in body) {
      body = { ...body };
      delete body.status;
    }
    const current = this.get(rt, namespace, name);
    // The patch was checked as a typed value above; the merged result needs no second check.
    const writeOptions: WriteOptions = { ...options, operation: "Apply", fieldValidation: "Ignore" };
    if (!current) {
      if (options.subresource === "status") throw notFound(rt, name);
      const toCreate = cloneJson(body);
      metaOf(toCreate).name = name;
      return { object: this.create(rt, namespace, toCreate, writeOptions), created: true };
    }
    const owners = metaOf(current).managedFields;
    const conflicts = findApplyConflicts(owners, options.fieldManager!, body, current, options.subresource);
    if (conflicts.length > 0 && !options.force) throw applyConflictError(conflicts);
    const merged = applyMergePatch(current, body) as KubeObj;
    removeDisownedFields(merged, owners, options.fieldManager!, body, options.subresource);
    if (conflicts.length > 0) metaOf(merged).managedFields = takeOwnership(owners, conflicts);
    const mergedMeta = metaOf(merged);
    const appliedRv = metaOf(body).resourceVersion;
    mergedMeta.resourceVersion = appliedRv ?? metaOf(current).resourceVersion;
    return { object: this.update(rt, namespace, name, merged, writeOptions), created: false };
  }

  /**
   * Deletes an object as `DELETE` does: with finalizers it only gets a deletionTimestamp. Once gone,
   * its dependents are deleted or orphaned by `propagationPolicy` (garbage_collector.ts).
   */
  delete(
    rt: ResourceType,
    namespace: string | undefined,
    name: string,
    options: { dryRun?: boolean; propagationPolicy?: PropagationPolicy } = {},
  ): KubeObj {
    const ns = rt.namespaced ? namespace ?? "" : "";
    const old = this.#table.stored(rt, ns, name);
    if (!old) throw notFound(rt, name);
    if (options.dryRun) return stampObject(rt, old);
    const next = cloneJson(old);
    const meta = metaOf(next);
    const finalizers = meta.finalizers as unknown[] | undefined;
    if (finalizers && finalizers.length > 0) {
      if (!meta.deletionTimestamp) {
        meta.deletionTimestamp = this.#table.timestamp();
        meta.deletionGracePeriodSeconds = 0;
        meta.resourceVersion = this.#table.nextRv();
        this.#table.set(rt, "MODIFIED", ns, name, next);
      }
      return stampObject(rt, next);
    }
    meta.resourceVersion = this.#table.nextRv();
    this.#table.remove(rt, ns, name, next);
    this.#collect(meta, options.propagationPolicy);
    return stampObject(rt, next);
  }

  #collect(ownerMeta: Record<string, unknown>, policy: PropagationPolicy | undefined): void {
    if (typeof ownerMeta.uid !== "string") return;
    collectDependents(
      {
        types: () => this.registry.all(),
        list: (rt, matches) => this.list(rt, undefined, matches),
        remove: (rt, obj) => {
          const m = metaOf(obj);
          if (this.get(rt, m.namespace as string | undefined, String(m.name))) {
            this.delete(rt, m.namespace as string | undefined, String(m.name), { propagationPolicy: policy });
          }
        },
        replace: (rt, obj) => {
          const m = metaOf(obj);
          delete m.resourceVersion;
          this.update(rt, m.namespace as string | undefined, String(m.name), obj, { fieldValidation: "Ignore" });
        },
      },
      ownerMeta.uid,
      policy,
    );
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
    options: { bookmarks?: boolean } = {},
  ): () => void {
    return this.#table.watches.subscribe(
      rt,
      namespace,
      matches,
      sinceRv,
      send,
      () => this.list(rt, namespace, matches),
      options,
    );
  }

  /** Sends one BOOKMARK at the current resourceVersion through `send` (when `allowed`), with `annotations` if any. */
  bookmark(
    rt: ResourceType,
    send: (event: WatchEvent) => void,
    allowed: boolean,
    annotations?: Record<string, string>,
  ): void {
    this.#table.watches.bookmarkOne(send, rt, allowed, annotations);
  }

  /** Forgets the change history (etcd compaction): watches from an older resourceVersion get 410 Expired. */
  compactHistory(): void {
    this.#table.watches.compact();
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

  /** Lists objects by apiVersion/kind (in one namespace or all), those `matches` accepts if given (see {@link list}). */
  listObjects(apiVersion: string, kind: string, namespace?: string, matches?: (obj: KubeObj) => boolean): KubeObj[] {
    return this.list(this.typeOf(apiVersion, kind), namespace, matches);
  }

  /**
   * {@link getObject} as an informer's cache holds it: the object is shared and deep-frozen, copied once
   * per stored version instead of on every read. For stand-ins that only read (controllers polling the
   * whole cluster several times a second); change nothing in it, write through {@link put} or the REST
   * methods. Undefined when absent.
   */
  viewObject(apiVersion: string, kind: string, name: string, namespace?: string): KubeObj | undefined {
    return this.#table.getView(this.typeOf(apiVersion, kind), namespace, name);
  }

  /** {@link listObjects} as shared, deep-frozen objects (see {@link viewObject}); the array is the caller's. */
  viewObjects(apiVersion: string, kind: string, namespace?: string, matches?: (obj: KubeObj) => boolean): KubeObj[] {
    return this.#table.listViews(this.typeOf(apiVersion, kind), namespace, matches);
  }

  /**
   * Stores an object as given, status included (how a test or the local cloud seeds Nodes or Pods):
   * creates it, or replaces it wholesale, with watch events. No namespace or concurrency checks.
   */
  put(obj: KubeObj): KubeObj {
    const rt = this.typeOf(String(obj.apiVersion), String(obj.kind));
    const next = toStoredForm(rt, cloneJson(obj));
    normalizeSecret(rt, next);
    const meta = metaOf(next);
    const ns = rt.namespaced ? String(meta.namespace ?? "default") : "";
    if (rt.namespaced) meta.namespace = ns;
    const name = String(meta.name ?? "");
    if (name === "") throw new TypeError("put() needs metadata.name");
    const old = this.#table.stored(rt, ns, name);
    const oldMeta = old ? metaOf(old) : undefined;
    meta.uid = oldMeta?.uid ?? crypto.randomUUID();
    meta.creationTimestamp = oldMeta?.creationTimestamp ?? this.#table.timestamp();
    meta.generation = oldMeta ? Number(oldMeta.generation ?? 1) + (specChanged(next, old!, rt) ? 1 : 0) : 1;
    meta.resourceVersion = this.#table.nextRv();
    if (rt.kind === "CustomResourceDefinition") this.#table.activateCrd(next);
    this.#table.set(rt, old ? "MODIFIED" : "ADDED", ns, name, next);
    return stampObject(rt, next);
  }

  /** Deletes an object by apiVersion/kind/name regardless of finalizers; false when absent. */
  remove(apiVersion: string, kind: string, name: string, namespace?: string): boolean {
    const rt = this.typeOf(apiVersion, kind);
    const ns = rt.namespaced ? namespace ?? "default" : "";
    const old = this.#table.stored(rt, ns, name);
    if (!old) return false;
    const last = cloneJson(old);
    metaOf(last).resourceVersion = this.#table.nextRv();
    this.#table.remove(rt, ns, name, last);
    return true;
  }

  /** Ends every watch (the server is closing). */
  dropWatchers(): void {
    this.#table.watches.dropAll();
  }
}

/** Whether two managedFields lists claim the same fields for the same managers (their timestamps aside). */
function sameOwnership(a: unknown, b: unknown): boolean {
  const claims = (entries: unknown) =>
    (Array.isArray(entries) ? entries as Record<string, unknown>[] : []).map(({ time: _, ...rest }) => rest);
  return stableStringify(claims(a)) === stableStringify(claims(b));
}
