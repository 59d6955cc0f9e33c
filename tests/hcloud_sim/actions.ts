/**
 * The actions engine: actions run from `started` to `started + duration` in simulated time,
 * lock the resources they touch (another locking action there gets `423 locked`), and apply
 * their effect when they finish. Faults can make the actions of one request fail or run slowly.
 *
 * @module
 */
import { isoTime, type SimClock } from "./clock.ts";
import { lockedError } from "./errors.ts";
import type { FaultSpec } from "./faults.ts";

/** A resource reference as in `action.resources[]`. */
export interface ActionResource {
  id: number;
  type: string;
}

/** An action as the simulator keeps it. */
export interface ActionRecord {
  id: number;
  command: string;
  status: "running" | "success" | "error";
  started: number;
  endsAt: number;
  finished: number | null;
  resources: ActionResource[];
  error: { code: string; message: string } | null;
  locks: string[];
}

/** Options for starting an action. */
export interface StartOptions {
  /** Simulated duration in ms. */
  durationMs: number;
  /** Start time (defaults to now): chained `next_actions` start when the previous one ends. */
  startAt?: number;
  /** Resources locked while running (default: all of `resources`); `[]` for none. */
  locks?: ActionResource[];
  /** Applied when the action succeeds. */
  onSuccess?: () => void;
  /** Applied when the action fails (e.g. an injected `action_error`). */
  onError?: () => void;
}

interface Task {
  at: number;
  seq: number;
  run: () => void;
}

/** Runs actions and timed effects over simulated time. */
export class ActionEngine {
  readonly actions = new Map<number, ActionRecord>();
  /** Fault to apply to the actions started while handling the current request (set by the router). */
  fault: FaultSpec | undefined;
  readonly #clock: SimClock;
  readonly #nextId: () => number;
  readonly #tasks: Task[] = [];
  #seq = 0;
  #onChange: () => void = () => {};

  constructor(clock: SimClock, nextId: () => number) {
    this.#clock = clock;
    this.#nextId = nextId;
  }

  /** Called whenever the next due time may have changed (the simulator re-arms its timer). */
  set onChange(fn: () => void) {
    this.#onChange = fn;
  }

  /** Throws `423 locked` when a running action holds the resource. */
  assertUnlocked(type: string, id: number): void {
    if (this.isLocked(type, id)) throw lockedError(type, id);
  }

  /** Whether a running action holds the resource. */
  isLocked(type: string, id: number): boolean {
    const key = `${type}:${id}`;
    for (const a of this.actions.values()) if (a.status === "running" && a.locks.includes(key)) return true;
    return false;
  }

  /** Starts an action; its effect runs when simulated time reaches its end. */
  start(command: string, resources: ActionResource[], opts: StartOptions): ActionRecord {
    const now = this.#clock.now();
    const started = opts.startAt ?? now;
    let duration = opts.durationMs;
    const fault = this.fault;
    if (fault?.kind === "slow_action") duration *= fault.factor ?? 10;
    const action: ActionRecord = {
      id: this.#nextId(),
      command,
      status: "running",
      started,
      endsAt: started + Math.max(0, duration),
      finished: null,
      resources,
      error: null,
      locks: (opts.locks ?? resources).map((r) => `${r.type}:${r.id}`),
    };
    this.actions.set(action.id, action);
    this.schedule(action.endsAt, () => {
      action.finished = action.endsAt;
      if (fault?.kind === "action_error") {
        action.status = "error";
        action.error = { code: fault.code ?? "action_failed", message: fault.message ?? "Action failed" };
        opts.onError?.();
      } else {
        action.status = "success";
        opts.onSuccess?.();
      }
    });
    return action;
  }

  /** Starts an action that is already finished (commands Hetzner completes instantly). */
  succeed(command: string, resources: ActionResource[]): ActionRecord {
    return this.start(command, resources, { durationMs: 0, locks: [] });
  }

  /** Runs `run` when simulated time reaches `at`. */
  schedule(at: number, run: () => void): void {
    this.#tasks.push({ at, seq: this.#seq++, run });
    this.#onChange();
  }

  /** Applies everything due by now, in time order (effects may schedule more). */
  tick(): void {
    for (;;) {
      const now = this.#clock.now();
      let next: Task | undefined;
      for (const t of this.#tasks) {
        if (t.at <= now && (!next || t.at < next.at || (t.at === next.at && t.seq < next.seq))) next = t;
      }
      if (!next) return;
      this.#tasks.splice(this.#tasks.indexOf(next), 1);
      next.run();
    }
  }

  /** Simulated time of the next pending task, if any. */
  nextDue(): number | undefined {
    let min: number | undefined;
    for (const t of this.#tasks) if (min === undefined || t.at < min) min = t.at;
    return min;
  }

  /** Whether any action is still running. */
  get busy(): boolean {
    for (const a of this.actions.values()) if (a.status === "running") return true;
    return false;
  }

  /** The API shape of an action (`progress` from elapsed simulated time). */
  render(a: ActionRecord) {
    const now = this.#clock.now();
    const total = a.endsAt - a.started;
    const progress = a.status !== "running"
      ? 100
      : total <= 0
      ? 99
      : Math.max(0, Math.min(99, Math.floor(((now - a.started) / total) * 100)));
    return {
      id: a.id,
      command: a.command,
      status: a.status,
      progress,
      started: isoTime(a.started),
      finished: a.finished === null ? null : isoTime(a.finished),
      resources: a.resources.map((r) => ({ ...r })),
      error: a.error ? { ...a.error } : null,
    };
  }
}
