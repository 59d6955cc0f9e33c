/**
 * Watch fan-out of the fake Kubernetes API: the history of every change (for `resourceVersion`
 * replays) and the open watches each change is delivered to.
 *
 * @module
 */
import { groupVersionOf, type ResourceType, storageKeyOf } from "./resources.ts";
import { type KubeObj, stampObject } from "./object_meta.ts";
import { badRequest, KubeStatusError } from "./status.ts";
import { cloneJson } from "./json_clone.ts";

/** A watch event as sent on the wire (ERROR carries a `Status`, e.g. 410 Expired). */
export interface WatchEvent {
  type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";
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
  /** Whether the client asked for BOOKMARK events (`allowWatchBookmarks=true`). */
  bookmarks: boolean;
  namespace: string | undefined;
  rt: ResourceType;
  matches: (obj: KubeObj) => boolean;
  send: (event: WatchEvent) => void;
}

/** Whether a change is of the watch's type (and namespace, for a namespaced watch). */
function concerns(w: Watcher, entry: LogEntry): boolean {
  return w.key === entry.key && (w.namespace === undefined || w.namespace === entry.namespace);
}

/** Records changes and delivers them to the watches they concern. */
export class WatchHub {
  #log: LogEntry[] = [];
  #watchers = new Set<Watcher>();
  /** Changes at or below this resourceVersion are forgotten (etcd compaction): older watches get 410. */
  #compactedRv = 0;
  #lastRv = 0;

  /** Records a change made at resourceVersion `rv` and sends it to every matching watch. */
  record(rv: number, rt: ResourceType, type: ChangeType, namespace: string, obj: KubeObj): void {
    const entry: LogEntry = { rv, type, key: storageKeyOf(rt), namespace, object: cloneJson(obj) };
    this.#log.push(entry);
    this.#lastRv = rv;
    // The watches' filters all look at one served copy per type version, and only a watch that takes the
    // event gets a copy of its own (the last taker gets the one matched). Before, every watch of the
    // storage key copied the object before its filter looked at it. Matching only reads; the sends come
    // after all matches, and only to watches still open then (one closed by an earlier send gets nothing).
    const served = new Map<ResourceType, KubeObj>();
    const takers: Array<{ w: Watcher; object: KubeObj }> = [];
    for (const w of this.#watchers) {
      if (!concerns(w, entry)) continue;
      let object = served.get(w.rt);
      if (!object) served.set(w.rt, object = stampObject(w.rt, entry.object));
      if (w.matches(object)) takers.push({ w, object });
    }
    const lastTaker = new Map<KubeObj, Watcher>(takers.map(({ w, object }) => [object, w]));
    for (const { w, object } of takers) {
      if (!this.#watchers.has(w)) continue;
      w.send({ type: entry.type, object: lastTaker.get(object) === w ? object : cloneJson(object) });
    }
  }

  #deliver(w: Watcher, entry: LogEntry): void {
    if (!concerns(w, entry)) return;
    const object = stampObject(w.rt, entry.object);
    if (!w.matches(object)) return;
    w.send({ type: entry.type, object });
  }

  /**
   * Subscribes to changes of a type. Without `sinceRv` (or "0") `current()` arrives first as
   * ADDED; with it, every recorded change after that resourceVersion is replayed. Throws 410
   * Expired (as the API server's watch cache does) when `sinceRv` is older than the history kept.
   */
  subscribe(
    rt: ResourceType,
    namespace: string | undefined,
    matches: (obj: KubeObj) => boolean,
    sinceRv: string | undefined,
    send: (event: WatchEvent) => void,
    current: () => KubeObj[],
    options: { bookmarks?: boolean } = {},
  ): () => void {
    const watcher: Watcher = {
      key: storageKeyOf(rt),
      bookmarks: options.bookmarks ?? false,
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
      if (since < this.#compactedRv) {
        throw new KubeStatusError(410, "Expired", `too old resource version: ${since} (${this.#compactedRv})`);
      }
      for (const entry of this.#log) if (entry.rv > since) this.#deliver(watcher, entry);
    }
    this.#watchers.add(watcher);
    return () => this.#watchers.delete(watcher);
  }

  /**
   * Forgets the change history up to now, as etcd compaction does: a later watch from an older
   * resourceVersion gets 410 Expired and must list again. Open watches are not affected.
   */
  compact(): void {
    this.#compactedRv = this.#lastRv;
    this.#log = [];
  }

  /** Sends a BOOKMARK with the current resourceVersion to every watch that allowed bookmarks. */
  bookmark(): void {
    for (const w of this.#watchers) this.bookmarkOne(w.send, w.rt, w.bookmarks);
  }

  /**
   * Sends one BOOKMARK (object: apiVersion, kind and the current resourceVersion only) when `allowed`;
   * `annotations` mark a special one (`k8s.io/initial-events-end` ends a watch list's initial events).
   */
  bookmarkOne(
    send: (event: WatchEvent) => void,
    rt: ResourceType,
    allowed: boolean,
    annotations?: Record<string, string>,
  ): void {
    if (!allowed) return;
    const metadata = { resourceVersion: String(this.#lastRv), ...(annotations ? { annotations } : {}) };
    send({ type: "BOOKMARK", object: { apiVersion: groupVersionOf(rt), kind: rt.kind, metadata } });
  }

  /** Ends every watch (the server is closing). */
  dropAll(): void {
    this.#watchers.clear();
  }
}
