/**
 * Watch fan-out of the fake Kubernetes API: the history of every change (for `resourceVersion`
 * replays) and the open watches each change is delivered to.
 *
 * @module
 */
import { type ResourceType, storageKeyOf } from "./resources.ts";
import { type KubeObj, stampObject } from "./object_meta.ts";
import { badRequest } from "./status.ts";

/** A watch event as sent on the wire. */
export interface WatchEvent {
  type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK";
  object: KubeObj;
}

/** The kind of change a write records. */
export type ChangeType = "ADDED" | "MODIFIED" | "DELETED";

interface LogEntry {
  rv: number;
  type: ChangeType;
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

/** Records changes and delivers them to the watches they concern. */
export class WatchHub {
  #log: LogEntry[] = [];
  #watchers = new Set<Watcher>();

  /** Records a change made at resourceVersion `rv` and sends it to every matching watch. */
  record(rv: number, rt: ResourceType, type: ChangeType, namespace: string, obj: KubeObj): void {
    const entry: LogEntry = { rv, type, key: storageKeyOf(rt), namespace, object: structuredClone(obj) };
    this.#log.push(entry);
    for (const w of this.#watchers) this.#deliver(w, entry);
  }

  #deliver(w: Watcher, entry: LogEntry): void {
    if (w.key !== entry.key) return;
    if (w.namespace !== undefined && w.namespace !== entry.namespace) return;
    const object = stampObject(w.rt, entry.object);
    if (!w.matches(object)) return;
    w.send({ type: entry.type, object });
  }

  /**
   * Subscribes to changes of a type. Without `sinceRv` (or "0") `current()` arrives first as
   * ADDED; with it, every recorded change after that resourceVersion is replayed.
   */
  subscribe(
    rt: ResourceType,
    namespace: string | undefined,
    matches: (obj: KubeObj) => boolean,
    sinceRv: string | undefined,
    send: (event: WatchEvent) => void,
    current: () => KubeObj[],
  ): () => void {
    const watcher: Watcher = {
      key: storageKeyOf(rt),
      namespace: rt.namespaced ? namespace : undefined,
      rt,
      matches,
      send,
    };
    if (sinceRv === undefined || sinceRv === "" || sinceRv === "0") {
      for (const obj of current()) send({ type: "ADDED", object: obj });
    } else {
      const since = Number(sinceRv);
      if (!Number.isFinite(since)) throw badRequest(`invalid resourceVersion "${sinceRv}"`);
      for (const entry of this.#log) if (entry.rv > since) this.#deliver(watcher, entry);
    }
    this.#watchers.add(watcher);
    return () => this.#watchers.delete(watcher);
  }

  /** Ends every watch (the server is closing). */
  dropAll(): void {
    this.#watchers.clear();
  }
}
