/**
 * Actions: read them, and wait for many at once with one `GET /actions?id=…&id=…` per poll.
 *
 * @module
 */
import { ActionError } from "./errors.ts";
import type { Transport } from "./transport.ts";
import type { Action } from "./types.ts";

/** Options of `waitForActions`. */
export interface WaitForActionsOptions {
  /** Called when an action's status or progress changes; a finished action is reported once. */
  onProgress?: (action: Action) => void;
  /** Stops waiting (rejects with the signal's reason). */
  signal?: AbortSignal;
  /** Milliseconds between polls; default 1000. */
  pollInterval?: number;
}

/** The action calls. */
export interface ActionsApi {
  /** `GET /actions/{id}`; undefined when unknown. */
  get(id: number): Promise<Action | undefined>;
  /** `GET /actions?id=…` for up to 25 ids (the API's default page size). */
  list(ids: readonly number[]): Promise<Action[]>;
  /**
   * Waits until every action succeeded; returns them in the order of `ids`. Fails fast with an
   * `ActionError` when one fails or the API does not know one of the ids.
   */
  waitFor(ids: readonly number[], options?: WaitForActionsOptions): Promise<Action[]>;
}

/** Ids per `GET /actions` request: the API's default page size, so no page is cut off. */
export const ACTIONS_PER_REQUEST = 25;

/** Creates the action calls over a transport. */
export function createActionsApi(t: Transport): ActionsApi {
  const list = async (ids: readonly number[], signal?: AbortSignal) =>
    (await t.request<{ actions: Action[] }>("GET", "/actions", { query: { id: ids }, signal })).actions;

  return {
    get: (id) => t.getOrUndefined<Action>(`/actions/${id}`, "action"),
    list: (ids) => list(ids),
    async waitFor(ids, options = {}) {
      const pollInterval = options.pollInterval ?? 1000;
      const pending = new Set(ids);
      const done = new Map<number, Action>();
      const lastSeen = new Map<number, string>();
      while (pending.size > 0) {
        if (options.signal?.aborted) throw options.signal.reason;
        const running = [...pending];
        for (let i = 0; i < running.length; i += ACTIONS_PER_REQUEST) {
          const batch = running.slice(i, i + ACTIONS_PER_REQUEST);
          const actions = await list(batch, options.signal);
          const byId = new Map(actions.map((a) => [a.id, a]));
          for (const id of batch) {
            const action = byId.get(id);
            if (action === undefined) {
              throw new ActionError({
                actionId: id,
                command: "unknown",
                code: "not_found",
                message: "the API does not know this action",
              });
            }
            const seen = `${action.status}:${action.progress}`;
            if (lastSeen.get(id) !== seen) {
              lastSeen.set(id, seen);
              options.onProgress?.(action);
            }
            if (action.status === "error") {
              throw new ActionError({
                actionId: id,
                command: action.command,
                code: action.error?.code ?? "action_failed",
                message: action.error?.message ?? "action failed",
              });
            }
            if (action.status === "success") {
              pending.delete(id);
              done.set(id, action);
            }
          }
        }
        if (pending.size > 0) await t.sleep(pollInterval, options.signal);
      }
      return ids.map((id) => done.get(id)!);
    },
  };
}
