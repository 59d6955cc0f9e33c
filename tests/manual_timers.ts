/**
 * Hand-driven time for unit tests: timers fire only when a test calls {@link ManualTimers.advance},
 * in due order, with pending promise callbacks run between them.
 *
 * @module
 */
import type { Timers } from "../src/lib/timers.ts";

interface Pending {
  id: number;
  at: number;
  fn: () => void;
}

/** A {@link Timers} whose clock moves only through `advance()`. */
export class ManualTimers implements Timers {
  #now: number;
  #nextId = 1;
  #pending: Pending[] = [];

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.#now = start;
  }

  now = (): number => this.#now;

  setTimeout = (fn: () => void, ms: number): unknown => {
    const id = this.#nextId++;
    this.#pending.push({ id, at: this.#now + Math.max(0, ms), fn });
    return id;
  };

  clearTimeout = (handle: unknown): void => {
    this.#pending = this.#pending.filter((p) => p.id !== handle);
  };

  /** How many timers are waiting. */
  get pendingCount(): number {
    return this.#pending.length;
  }

  /** Moves time forward by `ms`, firing every timer that falls due (and timers those set, if due). */
  async advance(ms: number): Promise<void> {
    const end = this.#now + ms;
    await flush();
    for (;;) {
      this.#pending.sort((a, b) => a.at - b.at || a.id - b.id);
      const next = this.#pending[0];
      if (!next || next.at > end) break;
      this.#pending.shift();
      this.#now = next.at;
      next.fn();
      await flush();
    }
    this.#now = end;
    await flush();
  }
}

/** Lets queued promise callbacks (and the callbacks they queue) run. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise<void>((resolve) => queueMicrotask(resolve));
  await new Promise<void>((resolve) => setTimeout(resolve, 0));
}
