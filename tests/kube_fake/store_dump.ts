/**
 * A fake cluster's store as bytes, the way etcd holds a real cluster's state: every object in its stored
 * form and the resourceVersion counter (etcd's revision), serialized deterministically. The local cloud
 * puts this inside the fake etcd's database, so an etcd snapshot carries exactly the objects of the moment
 * it was taken and a restore brings exactly those back, at that resourceVersion.
 *
 * @module
 */
import { stableStringify } from "./patch.ts";
import { FakeKubeStore } from "./store.ts";
import type { TableState } from "./object_table.ts";
import type { KubeObj } from "./object_meta.ts";

/** Names the format inside the bytes, so foreign bytes are refused rather than misread. */
const FORMAT = "k8zner-fake-kube-store/v1";

/** The store's objects and counter as bytes (the same state always gives the same bytes). */
export function dumpStore(store: FakeKubeStore): Uint8Array {
  const state = store.exportState();
  return new TextEncoder().encode(stableStringify({ format: FORMAT, ...state }));
}

/** Reads {@linkcode dumpStore}'s bytes back; throws `TypeError` for bytes that are not such a dump. */
export function readStoreDump(bytes: Uint8Array): TableState {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (err) {
    throw new TypeError(`Cannot read store dump: not JSON text (${(err as Error).message})`);
  }
  const dump = value as { format?: unknown; resourceVersion?: unknown; objects?: unknown };
  if (dump?.format !== FORMAT) throw new TypeError(`Cannot read store dump: format is not "${FORMAT}"`);
  if (!Number.isSafeInteger(dump.resourceVersion) || (dump.resourceVersion as number) < 0) {
    throw new TypeError("Cannot read store dump: resourceVersion is not a non-negative integer");
  }
  if (!Array.isArray(dump.objects)) throw new TypeError("Cannot read store dump: objects is not a list");
  const objects = dump.objects.map((entry, i) => {
    const e = entry as { storage?: unknown; key?: unknown; object?: unknown };
    if (typeof e?.storage !== "string" || typeof e.key !== "string" || typeof e.object !== "object" || !e.object) {
      throw new TypeError(`Cannot read store dump: objects[${i}] needs storage, key and object`);
    }
    return { storage: e.storage, key: e.key, object: e.object as KubeObj };
  });
  return { resourceVersion: dump.resourceVersion as number, objects };
}

/** A new store holding exactly what `bytes` (from {@linkcode dumpStore}) held. */
export function restoreStore(bytes: Uint8Array, options: { now?: () => Date } = {}): FakeKubeStore {
  return new FakeKubeStore({ ...options, state: readStoreDump(bytes) });
}
