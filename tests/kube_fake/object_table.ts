/**
 * Storage and versioning of the fake Kubernetes API: objects per storage key, the global
 * resourceVersion counter, change recording for watches, and the cascades a removal sets off
 * (a Namespace takes its contents, a CRD its custom resources). No REST rules: those live in
 * {@link FakeKubeStore}.
 *
 * @module
 */
import { qualifiedResource, type ResourceRegistry, type ResourceType, storageKeyOf } from "./resources.ts";
import { KubeStatusError, notFound } from "./status.ts";
import { deepFreeze, type KubeObj, metaOf, servedView, stampObject } from "./object_meta.ts";
import { type ChangeType, WatchHub } from "./watch_hub.ts";
import { CrdSchemas } from "./crd_schemas.ts";
import { cloneJson } from "./json_clone.ts";

/** What etcd holds for one fake cluster: every stored object and the resourceVersion counter. */
export interface TableState {
  resourceVersion: number;
  /** Objects in their stored form, by storage key (`deployments.apps`) and `<namespace>/<name>`. */
  objects: Array<{ storage: string; key: string; object: KubeObj }>;
}

/** The objects of one fake cluster, keyed by storage key and `<namespace>/<name>`. */
export class ObjectTable {
  readonly registry: ResourceRegistry;
  /** Schemas of the served custom resource versions. */
  readonly crds = new CrdSchemas();
  #objects = new Map<string, Map<string, KubeObj>>();
  #rv = 0;
  /**
   * The frozen served copy of each stored object (see {@link view}), by the stored object itself: a write
   * stores a new object and never changes a stored one, so a copy is made once per version, not per read.
   */
  #views = new WeakMap<KubeObj, { rt: ResourceType; view: KubeObj }>();
  /** Change history and open watches; every write here is recorded in it. */
  readonly watches = new WatchHub();
  #now: () => Date;

  constructor(registry: ResourceRegistry, now: () => Date) {
    this.registry = registry;
    this.#now = now;
  }

  /** The current global resourceVersion (the rv of the last write). */
  get resourceVersion(): string {
    return String(this.#rv);
  }

  /** The clock's current time. */
  now(): Date {
    return this.#now();
  }

  /** The clock's time as the API server writes it (seconds precision). */
  timestamp(): string {
    return this.#now().toISOString().replace(/\.\d{3}Z$/, "Z");
  }

  /** A copy of every stored object and the counter, sorted by storage key and key (deterministic). */
  exportState(): TableState {
    const objects: TableState["objects"] = [];
    for (const storage of [...this.#objects.keys()].sort()) {
      const bucket = this.#objects.get(storage)!;
      for (const key of [...bucket.keys()].sort()) {
        objects.push({ storage, key, object: cloneJson(bucket.get(key)!) });
      }
    }
    return { resourceVersion: this.#rv, objects };
  }

  /**
   * Fills an empty table from `state` (a restored etcd): the objects as they were, the counter where it
   * was, CRDs serving their types again. No watch events: there is no history before a restore.
   */
  importState(state: TableState): void {
    if (this.#rv !== 0 || this.#objects.size > 0) throw new Error("Cannot import state into a used object table");
    for (const { storage, key, object } of state.objects) {
      let bucket = this.#objects.get(storage);
      if (!bucket) this.#objects.set(storage, bucket = new Map());
      bucket.set(key, cloneJson(object));
      if (storage === "customresourcedefinitions.apiextensions.k8s.io") this.registry.addCrd(object);
    }
    this.#rv = state.resourceVersion;
  }

  /** Advances and returns the global resourceVersion. */
  nextRv(): string {
    this.#rv += 1;
    return String(this.#rv);
  }

  #bucket(rt: ResourceType): Map<string, KubeObj> {
    const key = storageKeyOf(rt);
    let bucket = this.#objects.get(key);
    if (!bucket) this.#objects.set(key, bucket = new Map());
    return bucket;
  }

  /** The stored object itself (not a copy) under a resolved namespace ("" when cluster-scoped), or undefined. */
  stored(rt: ResourceType, ns: string, name: string): KubeObj | undefined {
    return this.#bucket(rt).get(`${ns}/${name}`);
  }

  /** Reads one object (a copy), or undefined. */
  get(rt: ResourceType, namespace: string | undefined, name: string): KubeObj | undefined {
    const obj = this.stored(rt, rt.namespaced ? namespace ?? "" : "", name);
    return obj ? stampObject(rt, obj) : undefined;
  }

  /**
   * Lists objects of a type, in one namespace or all, sorted by namespace and name. `matches` reads
   * the stored object as served (see {@link servedView}) and must not change or keep it: only the
   * objects it accepts are copied, so a filtered list costs no copy of the rest.
   */
  list(rt: ResourceType, namespace: string | undefined, matches: (obj: KubeObj) => boolean = () => true): KubeObj[] {
    const out: KubeObj[] = [];
    const bucket = this.#bucket(rt);
    for (const key of [...bucket.keys()].sort()) {
      const obj = bucket.get(key)!;
      if (rt.namespaced && namespace !== undefined && metaOf(obj).namespace !== namespace) continue;
      if (matches(servedView(rt, obj))) out.push(stampObject(rt, obj));
    }
    return out;
  }

  /**
   * {@link list}, but each object is the shared, deep-frozen copy of its stored version (an informer's
   * view): made on the first read of that version, reused until the object is written again. `matches`
   * gets the same frozen copy. For readers that never change what they read.
   */
  listViews(
    rt: ResourceType,
    namespace: string | undefined,
    matches: (obj: KubeObj) => boolean = () => true,
  ): KubeObj[] {
    const out: KubeObj[] = [];
    const bucket = this.#bucket(rt);
    for (const key of [...bucket.keys()].sort()) {
      const obj = bucket.get(key)!;
      if (rt.namespaced && namespace !== undefined && metaOf(obj).namespace !== namespace) continue;
      const view = this.#view(rt, obj);
      if (matches(view)) out.push(view);
    }
    return out;
  }

  /** {@link get}, as the shared, deep-frozen copy of the stored version (see {@link listViews}). */
  getView(rt: ResourceType, namespace: string | undefined, name: string): KubeObj | undefined {
    const obj = this.stored(rt, rt.namespaced ? namespace ?? "" : "", name);
    return obj ? this.#view(rt, obj) : undefined;
  }

  #view(rt: ResourceType, obj: KubeObj): KubeObj {
    const cached = this.#views.get(obj);
    if (cached?.rt === rt) return cached.view;
    const view = deepFreeze(stampObject(rt, obj));
    this.#views.set(obj, { rt, view });
    return view;
  }

  /** Stores `obj` (already versioned) and tells the watches. */
  set(rt: ResourceType, type: "ADDED" | "MODIFIED", ns: string, name: string, obj: KubeObj): void {
    this.#bucket(rt).set(`${ns}/${name}`, obj);
    this.#record(rt, type, ns, obj);
  }

  #record(rt: ResourceType, type: ChangeType, namespace: string, obj: KubeObj): void {
    this.watches.record(this.#rv, rt, type, namespace, obj);
  }

  /** Rejects a write into a namespace that is missing (404) or terminating (403). */
  requireNamespace(rt: ResourceType, namespace: string): void {
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

  /** Marks a CRD Established and serves its types. */
  activateCrd(crd: KubeObj): void {
    this.crds.activate(crd, this.timestamp());
    this.registry.addCrd(crd);
  }

  /** Removes a stored object (`last` is its final state, already versioned), with the cascades it sets off. */
  remove(rt: ResourceType, ns: string, name: string, last: KubeObj): void {
    this.#bucket(rt).delete(`${ns}/${name}`);
    this.#record(rt, "DELETED", ns, last);
    if (rt.kind === "Namespace" && rt.group === "") {
      // The namespace controller's job, done at once: everything inside goes with it.
      for (const type of this.#storageTypes()) {
        if (!type.namespaced) continue;
        for (const obj of this.list(type, name)) {
          const meta = metaOf(obj);
          meta.resourceVersion = this.nextRv();
          this.#bucket(type).delete(`${name}/${String(meta.name)}`);
          this.#record(type, "DELETED", name, obj);
        }
      }
    }
    if (rt.kind === "CustomResourceDefinition") {
      for (const type of this.registry.all().filter((t) => t.crd === name).slice(0, 1)) {
        for (const obj of this.list(type, undefined)) {
          const meta = metaOf(obj);
          meta.resourceVersion = this.nextRv();
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
}
