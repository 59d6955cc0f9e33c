/**
 * One action waiter shared by every step of a run: steps running in parallel hand in their action
 * ids, and each poll asks for all running ids at once (`GET /actions?id=…&id=…`, 25 per request),
 * so parallel steps cost one request per poll instead of one each.
 *
 * @module
 */
import { ActionError, type HcloudClient } from "../../hcloud/mod.ts";
import type { Action } from "../../hcloud/mod.ts";
import { isTransientHcloudError } from "./ensure_common.ts";

/** Waits for actions. */
export interface ActionWaiter {
  /** Resolves when every action succeeded; rejects with `ActionError` when one fails or vanishes. */
  wait(actions: readonly (Action | number)[]): Promise<void>;
  /** Number of `GET /actions` polls made so far (for tests and the request summary). */
  readonly polls: number;
}

/** Options of {@link createActionWaiter}. */
export interface ActionWaiterOptions {
  sleep: (ms: number) => Promise<void>;
  /** Milliseconds between polls; default 1000. */
  pollIntervalMs?: number;
  /** Called when an action finishes (for progress lines). */
  onFinished?: (action: Action) => void;
}

const IDS_PER_REQUEST = 25;
/** Consecutive failed polls before the waiting callers are given the error. */
const MAX_FAILED_POLLS = 5;

interface Waiter {
  remaining: Set<number>;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** Creates a waiter over `hc.actions.list`. */
export function createActionWaiter(hc: Pick<HcloudClient, "actions">, options: ActionWaiterOptions): ActionWaiter {
  const interval = options.pollIntervalMs ?? 1000;
  const waiters = new Set<Waiter>();
  let loop: Promise<void> | undefined;
  let polls = 0;
  let failedPolls = 0;

  const fail = (ids: Set<number>, err: unknown) => {
    for (const w of [...waiters]) {
      if ([...w.remaining].some((id) => ids.has(id))) {
        waiters.delete(w);
        w.reject(err);
      }
    }
  };

  async function poll(): Promise<void> {
    const ids = [...new Set([...waiters].flatMap((w) => [...w.remaining]))];
    for (let i = 0; i < ids.length; i += IDS_PER_REQUEST) {
      const batch = ids.slice(i, i + IDS_PER_REQUEST);
      let found: Action[];
      try {
        polls++;
        found = await hc.actions.list(batch);
      } catch (err) {
        // A poll is only a read: a transient failure is tried again at the next poll.
        if (isTransientHcloudError(err) && ++failedPolls < MAX_FAILED_POLLS) continue;
        fail(new Set(batch), err);
        continue;
      }
      failedPolls = 0;
      const byId = new Map(found.map((a) => [a.id, a]));
      for (const id of batch) {
        const action = byId.get(id);
        if (action === undefined) {
          fail(
            new Set([id]),
            new ActionError({
              actionId: id,
              command: "unknown",
              code: "not_found",
              message: "the API does not know it",
            }),
          );
        } else if (action.status === "error") {
          fail(new Set([id]), actionError(action));
        } else if (action.status === "success") {
          options.onFinished?.(action);
          for (const w of waiters) w.remaining.delete(id);
        }
      }
    }
    for (const w of [...waiters]) {
      if (w.remaining.size === 0) {
        waiters.delete(w);
        w.resolve();
      }
    }
  }

  async function run(): Promise<void> {
    while (waiters.size > 0) {
      await options.sleep(interval);
      await poll();
    }
    loop = undefined;
  }

  return {
    get polls() {
      return polls;
    },
    wait(actions) {
      const remaining = new Set<number>();
      for (const a of actions) {
        if (typeof a === "number") remaining.add(a);
        else if (a.status === "error") return Promise.reject(actionError(a));
        else if (a.status === "running") remaining.add(a.id);
      }
      if (remaining.size === 0) return Promise.resolve();
      const { promise, resolve, reject } = Promise.withResolvers<void>();
      waiters.add({ remaining, resolve, reject });
      loop ??= run();
      return promise;
    },
  };
}

function actionError(action: Action): ActionError {
  return new ActionError({
    actionId: action.id,
    command: action.command,
    code: action.error?.code ?? "action_failed",
    message: action.error?.message ?? "action failed",
  });
}
