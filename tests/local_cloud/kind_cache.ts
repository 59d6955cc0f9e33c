/**
 * `KindCache`: what a real kubelet or controller reads through an informer, for the local cloud's
 * stand-ins. It watches one kind in a fake store and keeps the objects as the watch delivered them,
 * optionally indexed (pods by `spec.nodeName`).
 *
 * Why: the stand-ins run a pass every 25 ms and read the store directly, and every store read clones
 * the objects it returns. Each kubelet listed every Pod of its cluster twice a pass, so a pass cost
 * nodes × pods clones: with 23 workers the passes took the whole core (84 % of the bench process's CPU
 * in `structuredClone`), leases went stale and Nodes turned NotReady. A watch costs a clone per change
 * instead, and the store delivers it inside the write, so the cache never lags behind the store: a read
 * here returns what a read of the store would have returned at that moment.
 *
 * The objects are shared and frozen (a stand-in that tried to change one in place would throw instead of
 * silently changing the cache); write through the store as before.
 *
 * @module
 */
import type { FakeKubeStore, KubeObj } from "../kube_fake/mod.ts";

/** Key of an object as the store sorts its listings: `namespace/name` (an empty namespace for cluster-scoped kinds). */
function keyOf(obj: KubeObj): string {
  const meta = obj.metadata as { name?: string; namespace?: string };
  return `${meta.namespace ?? ""}/${meta.name ?? ""}`;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** A watch-fed cache of one kind of a fake store. */
export class KindCache {
  readonly #objects = new Map<string, KubeObj>();
  readonly #indexOf: ((obj: KubeObj) => string | undefined) | undefined;
  /** Keys by index value. */
  readonly #index = new Map<string, Set<string>>();
  /** The index value each key is filed under. */
  readonly #filed = new Map<string, string>();
  readonly #namespaced: boolean;
  readonly #unsubscribe: () => void;

  /**
   * Watches `apiVersion`/`kind` of `store` from now on (the current objects first).
   * `indexBy` files each object under a value (e.g. a pod's node) for {@link indexed}.
   */
  constructor(
    store: FakeKubeStore,
    apiVersion: string,
    kind: string,
    indexBy?: (obj: KubeObj) => string | undefined,
  ) {
    this.#indexOf = indexBy;
    const rt = store.typeOf(apiVersion, kind);
    this.#namespaced = rt.namespaced;
    this.#unsubscribe = store.watch(rt, undefined, () => true, undefined, (event) => {
      if (event.type === "ADDED" || event.type === "MODIFIED") this.#set(deepFreeze(event.object));
      else if (event.type === "DELETED") this.#delete(keyOf(event.object));
    });
  }

  /** The object `name` (in `namespace` for a namespaced kind), as the store holds it now. */
  get(name: string, namespace?: string): KubeObj | undefined {
    return this.#objects.get(`${this.#namespaced ? namespace ?? "" : ""}/${name}`);
  }

  /** The objects filed under `value`, in the store's listing order (namespace, then name). */
  indexed(value: string): KubeObj[] {
    const keys = this.#index.get(value);
    if (!keys) return [];
    return [...keys].sort().map((k) => this.#objects.get(k)!);
  }

  /** Stops watching. */
  close(): void {
    this.#unsubscribe();
  }

  #set(obj: KubeObj): void {
    const key = keyOf(obj);
    this.#unfile(key);
    this.#objects.set(key, obj);
    const value = this.#indexOf?.(obj);
    if (value === undefined) return;
    this.#filed.set(key, value);
    let keys = this.#index.get(value);
    if (!keys) this.#index.set(value, keys = new Set());
    keys.add(key);
  }

  #delete(key: string): void {
    this.#unfile(key);
    this.#objects.delete(key);
  }

  #unfile(key: string): void {
    const value = this.#filed.get(key);
    if (value === undefined) return;
    this.#filed.delete(key);
    const keys = this.#index.get(value)!;
    keys.delete(key);
    if (keys.size === 0) this.#index.delete(value);
  }
}
