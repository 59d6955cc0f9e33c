/**
 * The operator's work queue, as controller-runtime's: keys (`namespace/name` of a K8znerCluster), not
 * events, so a burst of events for one cluster becomes one reconcile. A key is never handed to two
 * workers at once; one added while it is being processed runs again once the current pass ends.
 * Failures back off per key (1 s doubling to 5 min); successes requeue after a level-triggered delay.
 *
 * @module
 */
import { realTimers, type Timers } from "../../lib/timers.ts";

/** Options of {@link WorkQueue}. */
export interface WorkQueueOptions {
  timers?: Timers;
  /** First retry delay after a failure. Default 1 s. */
  baseDelayMs?: number;
  /** Longest retry delay. Default 5 min. */
  maxDelayMs?: number;
}

/** A de-duplicating queue of keys with per-key delays and failure backoff. */
export class WorkQueue {
  readonly #timers: Timers;
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  /** Keys ready to hand out, in order. */
  #ready: string[] = [];
  /** Keys handed out and not yet `done()`. */
  #processing = new Set<string>();
  /** Keys added while processing: they go back in the queue at `done()`. */
  #dirty = new Set<string>();
  /** Delayed adds: key -> [when due, timer]. Only the earliest is kept. */
  #delayed = new Map<string, { at: number; handle: unknown }>();
  #failures = new Map<string, number>();
  #waiters: ((key: string | undefined) => void)[] = [];
  #shutDown = false;

  constructor(options: WorkQueueOptions = {}) {
    this.#timers = options.timers ?? realTimers;
    this.#baseDelayMs = options.baseDelayMs ?? 1_000;
    this.#maxDelayMs = options.maxDelayMs ?? 300_000;
    if (!(this.#baseDelayMs > 0) || !(this.#maxDelayMs >= this.#baseDelayMs)) {
      throw new RangeError(
        `Cannot create a work queue with delays ${this.#baseDelayMs}..${this.#maxDelayMs} ms: need 0 < base <= max`,
      );
    }
  }

  /** Number of keys ready to be handed out (not counting delayed or processing ones). */
  get length(): number {
    return this.#ready.length;
  }

  /** Whether `key` is being processed right now. */
  isProcessing(key: string): boolean {
    return this.#processing.has(key);
  }

  /** Queues `key` now. A key already queued stays once; one being processed runs again after it. */
  add(key: string): void {
    if (this.#shutDown) return;
    const delayed = this.#delayed.get(key);
    if (delayed) {
      this.#timers.clearTimeout(delayed.handle);
      this.#delayed.delete(key);
    }
    if (this.#processing.has(key)) {
      this.#dirty.add(key);
      return;
    }
    if (this.#ready.includes(key)) return;
    const waiter = this.#waiters.shift();
    if (waiter) {
      this.#processing.add(key);
      waiter(key);
    } else this.#ready.push(key);
  }

  /** Queues `key` after `ms`; an earlier pending add of the same key wins. */
  addAfter(key: string, ms: number): void {
    if (this.#shutDown) return;
    if (ms <= 0) return this.add(key);
    const at = this.#timers.now() + ms;
    const existing = this.#delayed.get(key);
    if (existing && existing.at <= at) return;
    if (existing) this.#timers.clearTimeout(existing.handle);
    const handle = this.#timers.setTimeout(() => {
      this.#delayed.delete(key);
      this.add(key);
    }, ms);
    this.#delayed.set(key, { at, handle });
  }

  /** Queues `key` after its failure backoff (1 s, 2 s, 4 s … 5 min) and counts the failure; returns the delay. */
  addRateLimited(key: string): number {
    const failures = this.#failures.get(key) ?? 0;
    this.#failures.set(key, failures + 1);
    const delay = this.backoffFor(failures);
    this.addAfter(key, delay);
    return delay;
  }

  /** The delay after `failures` earlier failures: base·2^failures, capped at the maximum. */
  backoffFor(failures: number): number {
    return Math.min(this.#maxDelayMs, this.#baseDelayMs * 2 ** Math.min(failures, 30));
  }

  /** How many failures in a row `key` has had. */
  failures(key: string): number {
    return this.#failures.get(key) ?? 0;
  }

  /** Clears the failure count of `key` (after a success). */
  forget(key: string): void {
    this.#failures.delete(key);
  }

  /** Waits for the next key and marks it processing; undefined once the queue is shut down. */
  get(): Promise<string | undefined> {
    if (this.#shutDown) return Promise.resolve(undefined);
    const key = this.#ready.shift();
    if (key !== undefined) {
      this.#processing.add(key);
      return Promise.resolve(key);
    }
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Ends processing of `key`; if it was added meanwhile it is queued again. */
  done(key: string): void {
    this.#processing.delete(key);
    if (this.#dirty.delete(key)) this.add(key);
  }

  /** Stops handing out keys, cancels delayed adds and releases waiting `get()` calls with undefined. */
  shutDown(): void {
    this.#shutDown = true;
    for (const { handle } of this.#delayed.values()) this.#timers.clearTimeout(handle);
    this.#delayed.clear();
    this.#ready = [];
    for (const waiter of this.#waiters.splice(0)) waiter(undefined);
  }
}

/** What a reconcile pass asks for next. */
export interface ReconcileResult {
  /** Run the key again after this many ms (level-triggered resync: 30 s normally, less while scaling). */
  requeueAfterMs?: number;
  /** The object is gone (or finalized): do not requeue; a watch event brings the key back if needed. */
  forget?: boolean;
}

/** Options of {@link runWorkers}. */
export interface RunWorkersOptions {
  /** Parallel workers; a key still never runs twice at once. Default 1. */
  concurrency?: number;
  /** Requeue delay when the reconcile does not name one. Default 30 s. */
  defaultRequeueMs?: number;
  /** Told about each failed pass (for logs, events and metrics); must not throw. */
  onError?: (key: string, err: unknown, retryInMs: number) => void;
}

/**
 * Runs `reconcile` for keys from `queue` until it is shut down. A thrown error requeues the key
 * with backoff; a success resets the backoff and requeues after the requested (or default) delay.
 */
export async function runWorkers(
  queue: WorkQueue,
  reconcile: (key: string) => Promise<ReconcileResult | void>,
  options: RunWorkersOptions = {},
): Promise<void> {
  const defaultRequeueMs = options.defaultRequeueMs ?? 30_000;
  const worker = async () => {
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      try {
        const result = await reconcile(key);
        queue.forget(key);
        if (!result?.forget) queue.addAfter(key, result?.requeueAfterMs ?? defaultRequeueMs);
      } catch (err) {
        const delay = queue.addRateLimited(key);
        options.onError?.(key, err, delay);
      } finally {
        queue.done(key);
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 1 }, worker));
}
