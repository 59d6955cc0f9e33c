/**
 * List+watch of one kind, written against the client's list and watch calls rather than
 * @kubernetes/client-node's informer (1.4's informer stops for good on any non-410 error and has no
 * client-side timeout; 2.0 aborts every watch after 30 s). It keeps a cache of the current objects
 * and tells its owner about every change, surviving what real API servers do to long watches:
 *
 * - the server ends a watch after `timeoutSeconds` (about 5 min, jittered): watch again from the last
 *   resourceVersion seen, BOOKMARK events included (`allowWatchBookmarks`), so no relist is needed;
 * - the connection hangs without closing: a client abort a little after the server timeout, and an
 *   inactivity watchdog (no byte, not even a bookmark, for a while) restart the watch;
 * - `410 Gone` / `Expired` (history compacted): list again and emit the difference as events;
 * - any other error: back off (1 s doubling to 30 s, jittered) and list again;
 * - and every `relistIntervalMs` a full relist anyway, in case an event was ever lost.
 *
 * @module
 */
import type { KubeClient, KubeObject, KubeWatch, WatchEventType } from "../../kube/mod.ts";
import { isKubeError } from "../../kube/mod.ts";
import { realTimers, sleepOn, type Timers } from "../../lib/timers.ts";
import { keyOf } from "./event_keys.ts";

/** A change the owner is told about. */
export type ChangeType = "ADDED" | "MODIFIED" | "DELETED";

/** Options of {@link ListWatcher}. */
export interface ListWatcherOptions {
  kube: Pick<KubeClient, "listWithVersion" | "watch">;
  apiVersion: string;
  kind: string;
  /** One namespace, or all when absent. */
  namespace?: string;
  labelSelector?: string;
  /** Called for every change, in order, after the cache is updated; `previous` is the cached state before. */
  onChange(type: ChangeType, object: KubeObject, previous: KubeObject | undefined): void;
  /** Told about restarts and failures (for logs and metrics); must not throw. */
  onNotice?(notice: ListWatchNotice): void;
  /** Server-side watch timeout, jittered up to +20 %. Default 300 s. */
  serverTimeoutSeconds?: number;
  /** Client-side abort after the server timeout plus this much. Default 30 s. */
  clientGraceMs?: number;
  /** Restart a watch that delivered nothing (no event, no bookmark) for this long. Default 150 s. */
  inactivityMs?: number;
  /** Relist everything at least this often. Default 15 min. */
  relistIntervalMs?: number;
  /** First error backoff; doubles to `maxBackoffMs`. Defaults 1 s and 30 s. */
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  timers?: Timers;
  /** Uniform [0, 1) for jitter. */
  random?: () => number;
}

/** Something that happened to the list+watch loop. */
export type ListWatchNotice =
  | { event: "listed"; kind: string; count: number; resourceVersion: string }
  | { event: "watch-ended"; kind: string; reason: "server-closed" | "client-timeout" | "inactive" | "relist-due" }
  | { event: "expired"; kind: string; message: string }
  | { event: "error"; kind: string; message: string; retryInMs: number };

/** Keeps a cache of one kind in step with the API server. */
export class ListWatcher {
  readonly #o: ListWatcherOptions;
  readonly #timers: Timers;
  readonly #random: () => number;
  #cache = new Map<string, KubeObject>();
  #resourceVersion = "";
  #synced = false;
  #syncWaiters: (() => void)[] = [];

  constructor(options: ListWatcherOptions) {
    this.#o = options;
    this.#timers = options.timers ?? realTimers;
    this.#random = options.random ?? Math.random;
  }

  /** Whether the first list completed. */
  get synced(): boolean {
    return this.#synced;
  }

  /** The resourceVersion the next watch starts from. */
  get resourceVersion(): string {
    return this.#resourceVersion;
  }

  /** The cached objects (copies are not made: do not mutate). */
  items(): KubeObject[] {
    return [...this.#cache.values()];
  }

  /** One cached object by `namespace/name` (or `name`). */
  getCached(key: string): KubeObject | undefined {
    return this.#cache.get(key);
  }

  /** Resolves once the first list completed. */
  waitForSync(): Promise<void> {
    if (this.#synced) return Promise.resolve();
    return new Promise((resolve) => this.#syncWaiters.push(resolve));
  }

  /** Lists and watches until `signal` aborts. Never rejects for API errors: it backs off and retries. */
  async run(signal: AbortSignal): Promise<void> {
    let failures = 0;
    let shortWatches = 0;
    while (!signal.aborted) {
      try {
        await this.#list();
        failures = 0;
        const listedAt = this.#timers.now();
        for (;;) {
          if (signal.aborted) return;
          if (this.#timers.now() - listedAt >= (this.#o.relistIntervalMs ?? 900_000)) {
            this.#notice({ event: "watch-ended", kind: this.#o.kind, reason: "relist-due" });
            break;
          }
          const outcome = await this.#watchOnce(signal, listedAt);
          if (outcome === "expired") break;
          if (outcome === "short") await sleepOn(this.#timers, this.#backoff(shortWatches++), signal);
          else shortWatches = 0;
        }
      } catch (err) {
        if (signal.aborted) return;
        const delay = this.#backoff(failures++);
        this.#notice({ event: "error", kind: this.#o.kind, message: messageOf(err), retryInMs: delay });
        try {
          await sleepOn(this.#timers, delay, signal);
        } catch {
          return;
        }
      }
    }
  }

  #backoff(failures: number): number {
    const base = this.#o.baseBackoffMs ?? 1_000;
    const max = this.#o.maxBackoffMs ?? 30_000;
    const delay = Math.min(max, base * 2 ** Math.min(failures, 30));
    return Math.round(delay * (0.8 + 0.4 * this.#random()));
  }

  #notice(notice: ListWatchNotice): void {
    this.#o.onNotice?.(notice);
  }

  /** Lists, replaces the cache and emits the difference (ADDED / MODIFIED / DELETED). */
  async #list(): Promise<void> {
    const { items, resourceVersion } = await this.#o.kube.listWithVersion(
      this.#o.apiVersion,
      this.#o.kind,
      this.#o.namespace,
      this.#o.labelSelector ? { labelSelector: this.#o.labelSelector } : {},
    );
    const next = new Map(items.map((o) => [keyOf(o), o]));
    const old = this.#cache;
    this.#cache = next;
    this.#resourceVersion = resourceVersion;
    for (const [key, object] of next) {
      const previous = old.get(key);
      if (!previous) this.#o.onChange("ADDED", object, undefined);
      else if (previous.metadata.resourceVersion !== object.metadata.resourceVersion) {
        this.#o.onChange("MODIFIED", object, previous);
      }
    }
    for (const [key, object] of old) if (!next.has(key)) this.#o.onChange("DELETED", object, object);
    this.#notice({ event: "listed", kind: this.#o.kind, count: next.size, resourceVersion });
    if (!this.#synced) {
      this.#synced = true;
      for (const resolve of this.#syncWaiters.splice(0)) resolve();
    }
  }

  /** One watch from the current resourceVersion; resolves how it ended, rejects on errors to back off from. */
  async #watchOnce(signal: AbortSignal, listedAt: number): Promise<"ended" | "expired" | "short"> {
    const serverTimeout = Math.round((this.#o.serverTimeoutSeconds ?? 300) * (1 + 0.2 * this.#random()));
    const clientTimeoutMs = serverTimeout * 1000 + (this.#o.clientGraceMs ?? 30_000);
    const inactivityMs = this.#o.inactivityMs ?? 150_000;
    const relistInMs = Math.max(0, listedAt + (this.#o.relistIntervalMs ?? 900_000) - this.#timers.now());
    let expired: string | undefined;
    let failed: Error | undefined;
    let received = 0;
    const startedAt = this.#timers.now();
    let ended: "client-timeout" | "inactive" | "relist-due" | undefined;
    let watch: KubeWatch | undefined;
    let watchdog: unknown;
    const stop = (reason: typeof ended) => {
      ended ??= reason;
      watch?.stop();
    };
    const armWatchdog = () => {
      this.#timers.clearTimeout(watchdog);
      watchdog = this.#timers.setTimeout(() => stop("inactive"), inactivityMs);
    };
    const clientTimer = this.#timers.setTimeout(() => stop("client-timeout"), clientTimeoutMs);
    const relistTimer = this.#timers.setTimeout(() => stop("relist-due"), relistInMs);
    const onAbort = () => stop(undefined);
    signal.addEventListener("abort", onAbort, { once: true });
    armWatchdog();
    try {
      const starting = this.#o.kube.watch(this.#o.apiVersion, this.#o.kind, {
        namespace: this.#o.namespace,
        labelSelector: this.#o.labelSelector,
        resourceVersion: this.#resourceVersion,
        allowWatchBookmarks: true,
        timeoutSeconds: serverTimeout,
      }, (type, object) => {
        // Runs inside the request layer's line handler, which swallows exceptions: record, then stop.
        if (expired !== undefined || failed !== undefined) return;
        armWatchdog();
        received++;
        try {
          expired = this.#apply(type, object);
        } catch (err) {
          failed = err as Error;
        }
        if (expired !== undefined || failed !== undefined) watch?.stop();
      });
      // The request layer resolves only once response headers arrive: a server that never answers
      // must not hang us past the watchdog.
      const hung = new Promise<"hung">((resolve) => {
        const t = this.#timers.setTimeout(() => resolve("hung"), inactivityMs);
        starting.finally(() => this.#timers.clearTimeout(t)).catch(() => {});
      });
      const first = await Promise.race([starting, hung]);
      if (first === "hung") {
        starting.then((w) => w.stop(), () => {});
        ended = "inactive";
      } else {
        watch = first;
        if (ended !== undefined || expired !== undefined || failed !== undefined || signal.aborted) watch.stop();
        await watch.done;
      }
    } catch (err) {
      if (isKubeError(err) && err.status === 410) expired = err.message;
      else if (!signal.aborted) throw err;
    } finally {
      this.#timers.clearTimeout(watchdog);
      this.#timers.clearTimeout(clientTimer);
      this.#timers.clearTimeout(relistTimer);
      signal.removeEventListener("abort", onAbort);
    }
    if (failed !== undefined) throw failed;
    if (expired !== undefined) {
      this.#notice({ event: "expired", kind: this.#o.kind, message: expired });
      return "expired";
    }
    if (ended === undefined && received === 0 && this.#timers.now() - startedAt < 1_000 && !signal.aborted) {
      // A server that closes every watch at once would otherwise be hammered in a tight loop.
      return "short";
    }
    if (!signal.aborted) this.#notice({ event: "watch-ended", kind: this.#o.kind, reason: ended ?? "server-closed" });
    return ended === "relist-due" ? "expired" : "ended";
  }

  /** Applies one watch event to the cache; returns the message of a 410 ERROR event. */
  #apply(type: WatchEventType, object: KubeObject): string | undefined {
    if (type === "ERROR") {
      const status = object as unknown as { code?: number; message?: string };
      if (status.code === 410) return status.message ?? "resource version too old";
      throw new Error(`watch of ${this.#o.kind} failed: ${status.message ?? JSON.stringify(object)}`);
    }
    const rv = object.metadata?.resourceVersion;
    if (rv) this.#resourceVersion = rv;
    if (type === "BOOKMARK") return undefined;
    const key = keyOf(object);
    const previous = this.#cache.get(key);
    if (type === "DELETED") this.#cache.delete(key);
    else this.#cache.set(key, object);
    this.#o.onChange(type === "ADDED" && previous ? "MODIFIED" : type, object, previous);
    return undefined;
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
