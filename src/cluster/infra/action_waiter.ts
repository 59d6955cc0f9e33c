/**
 * One action waiter shared by every step of a run: steps running in parallel hand in their action
 * ids, and each poll asks for all running ids at once (`GET /actions?id=…&id=…`, 25 per request),
 * so parallel steps cost one request per poll instead of one each.
 *
 * When to poll follows what is waited for: an action is first looked at when one of its kind usually
 * finishes (`EXPECTED_ACTION_MS`), then every quarter of that (1 s to 5 s), so a 12 s server create
 * costs one or two polls instead of twelve at a fixed second. A fixed `pollIntervalMs` is still taken
 * (tests). `timeScale` is for a simulated Hetzner whose time runs faster than real time: every wait is
 * divided by it, so the number of polls per action is the same as against the real API.
 *
 * @module
 */
import { ActionError, type HcloudClient } from "../../hcloud/mod.ts";
import type { Action } from "../../hcloud/mod.ts";
import { isTransientHcloudError } from "./ensure_common.ts";
import { scaledSleep } from "../../lib/timers.ts";

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
  /** Fixed milliseconds between polls; default: scheduled per action from `EXPECTED_ACTION_MS`. */
  pollIntervalMs?: number;
  /** How many times faster than real time the API's actions run (a simulator); default 1. */
  timeScale?: number;
  /** Called when an action finishes (for progress lines). */
  onFinished?: (action: Action) => void;
}

const IDS_PER_REQUEST = 25;

/**
 * How long Hetzner's actions usually take (ms of API time), for the first look at one. Estimates, as
 * Hetzner publishes no durations: a server create is "seconds" (the VM runs when the action ends), a
 * power-on about half of that, network and firewall changes are bookkeeping of a second or two; the
 * sources are collected in the local cloud's latency model (tests/local_cloud/latency_model.ts).
 * An unknown command starts at `DEFAULT_EXPECTED_MS`.
 */
export const EXPECTED_ACTION_MS: Readonly<Record<string, number>> = {
  create_server: 12_000,
  start_server: 6_000,
  stop_server: 3_000,
  shutdown_server: 1_000,
  reboot_server: 5_000,
  reset_server: 3_000,
  delete_server: 5_000,
  enable_rescue: 1_500,
  disable_rescue: 1_500,
  create_image: 45_000,
  attach_to_network: 3_000,
  detach_from_network: 2_000,
  add_subnet: 1_000,
  delete_subnet: 1_000,
  set_firewall_rules: 1_500,
  apply_firewall: 2_000,
  remove_firewall: 2_000,
  create_load_balancer: 8_000,
  add_service: 2_000,
  delete_service: 2_000,
  add_target: 2_000,
  remove_target: 2_000,
  attach_volume: 3_000,
  detach_volume: 3_000,
};
const DEFAULT_EXPECTED_MS = 2_000;
/** Later looks at a running action: a quarter of its expected time, within these bounds. */
const MIN_REPOLL_MS = 1_000;
const MAX_REPOLL_MS = 5_000;
/** The longest single sleep, so an action handed in meanwhile is not looked at much later than due. */
const MAX_SLEEP_MS = 1_000;

/** When to look at an action first, and how often after that (ms of API time). */
export function pollSchedule(command: string | undefined): { firstMs: number; repollMs: number } {
  const expected = (command !== undefined ? EXPECTED_ACTION_MS[command] : undefined) ?? DEFAULT_EXPECTED_MS;
  return { firstMs: expected, repollMs: Math.min(MAX_REPOLL_MS, Math.max(MIN_REPOLL_MS, expected / 4)) };
}
/** Consecutive failed polls before the waiting callers are given the error. */
const MAX_FAILED_POLLS = 5;

interface Waiter {
  remaining: Set<number>;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** Creates a waiter over `hc.actions.list`. */
export function createActionWaiter(hc: Pick<HcloudClient, "actions">, options: ActionWaiterOptions): ActionWaiter {
  const fixed = options.pollIntervalMs;
  const scale = options.timeScale ?? 1;
  if (!(scale > 0)) throw new RangeError(`Cannot wait for actions: time scale ${scale} must be positive`);
  const sleep = scaledSleep(options.sleep, scale);
  const waiters = new Set<Waiter>();
  /** API time (ms) this waiter has slept so far: the clock of the schedule below. */
  let elapsed = 0;
  /** Per running action id: when to look next, and how often after that. */
  const due = new Map<number, { at: number; repollMs: number }>();
  let loop: Promise<void> | undefined;
  let polls = 0;
  let failedPolls = 0;

  const schedule = (id: number, command: string | undefined) => {
    if (due.has(id)) return;
    if (fixed !== undefined) due.set(id, { at: elapsed + fixed, repollMs: fixed });
    else {
      const { firstMs, repollMs } = pollSchedule(command);
      due.set(id, { at: elapsed + firstMs, repollMs });
    }
  };

  const fail = (ids: Set<number>, err: unknown) => {
    for (const w of [...waiters]) {
      if ([...w.remaining].some((id) => ids.has(id))) {
        waiters.delete(w);
        w.reject(err);
      }
    }
  };

  const later = (id: number) => {
    const next = due.get(id);
    if (next && next.at <= elapsed) next.at = elapsed + next.repollMs;
  };

  async function poll(): Promise<void> {
    // The due ids first; the requests they need are filled up with the others (same cost, fresher news).
    const all = [...new Set([...waiters].flatMap((w) => [...w.remaining]))];
    const isDue = (id: number) => (due.get(id)?.at ?? 0) <= elapsed;
    const dueIds = all.filter(isDue);
    const ids = [...dueIds, ...all.filter((id) => !isDue(id)).sort((a, b) => due.get(a)!.at - due.get(b)!.at)]
      .slice(0, Math.ceil(dueIds.length / IDS_PER_REQUEST) * IDS_PER_REQUEST);
    for (let i = 0; i < ids.length; i += IDS_PER_REQUEST) {
      const batch = ids.slice(i, i + IDS_PER_REQUEST);
      let found: Action[];
      try {
        polls++;
        found = await hc.actions.list(batch);
      } catch (err) {
        // A poll is only a read: a transient failure is tried again at the next look.
        if (isTransientHcloudError(err) && ++failedPolls < MAX_FAILED_POLLS) {
          batch.forEach(later);
          continue;
        }
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
        } else {
          later(id);
          continue;
        }
        due.delete(id);
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
      const ids = new Set([...waiters].flatMap((w) => [...w.remaining]));
      for (const id of due.keys()) if (!ids.has(id)) due.delete(id);
      for (const id of ids) schedule(id, undefined);
      const next = Math.min(...[...due.values()].map((d) => d.at));
      const wait = Math.max(0, Math.min(next - elapsed, MAX_SLEEP_MS));
      await sleep(wait);
      elapsed += wait;
      if ([...due.values()].some((d) => d.at <= elapsed)) await poll();
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
        if (typeof a === "number") {
          remaining.add(a);
          schedule(a, undefined);
        } else if (a.status === "error") return Promise.reject(actionError(a));
        else if (a.status === "running") {
          remaining.add(a.id);
          schedule(a.id, a.command);
        }
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
