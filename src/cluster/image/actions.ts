/**
 * Actions on the image build server that survive a busy or flaky API. Hetzner answers `423 locked`
 * while another action runs on the server (the request did nothing), and a 5xx, a timeout or a
 * dropped connection may come after the API started the action anyway. Starting such an action
 * blindly again could, for a reset, reboot the server out of the rescue system mid-write; so after
 * an ambiguous failure the server is read again and the action is started again only when its
 * effect is not there yet.
 *
 * @module
 */
import { type Action, ActionError, type Server } from "../../hcloud/mod.ts";
import { isTransientHcloudError, readWithRetry } from "../infra/ensure_common.ts";
import type { ImageBuildContext } from "./build.ts";

/** How many times one build-server action is started in total before its failure is final. */
export const BUILD_ACTION_ATTEMPTS = 6;

/** Failed `GET /actions` polls tolerated while waiting (each poll is only a read). */
const WAIT_ATTEMPTS = 5;

/** One action on the build server: how to start it, and how to see that it took effect. */
export interface BuildServerAction {
  /** For error messages: `enable rescue`, `boot into rescue`, `power off`. */
  what: string;
  /**
   * Starts the action (it may read the server first to choose, e.g. poweron or reset) and returns
   * it, or undefined when there is nothing to wait for.
   */
  start: () => Promise<Action | undefined>;
  /** True when the server shows the action's effect, so a lost response needs no second start. */
  done: (server: Server) => boolean | Promise<boolean>;
  /** Poll interval while waiting for the action (default: the build's). */
  pollIntervalMs?: number;
}

/**
 * Starts `action` on server `id` and waits for it. On `423 locked` it waits for the server's running
 * actions and starts again; on a lost response (5xx, timeout, network error, also `conflict` and
 * `rate_limit_exceeded` the client gave up on) it waits for whatever now runs on the server, reads
 * the server, and starts again only when `done` says the effect is missing. Bounded by
 * {@link BUILD_ACTION_ATTEMPTS}; other errors and failed actions are thrown as they are.
 */
export async function runBuildServerAction(
  ctx: ImageBuildContext,
  id: number,
  action: BuildServerAction,
): Promise<void> {
  const { hcloud, signal } = ctx.deps;
  for (let attempt = 1;; attempt++) {
    signal?.throwIfAborted();
    let started: Action | undefined;
    try {
      started = await action.start();
    } catch (err) {
      if (!isTransientHcloudError(err) || attempt >= BUILD_ACTION_ATTEMPTS) throw err;
      await waitForRunningActions(ctx, id);
      const server = await readWithRetry(ctx.deps.sleep, () => hcloud.servers.get(id));
      if (!server) throw new Error(`build server ${id} disappeared during ${action.what}`, { cause: err });
      if (await action.done(server)) return;
      continue;
    }
    if (started) await waitForBuildActions(ctx, [started], action.pollIntervalMs ?? ctx.pollIntervalMs);
    return;
  }
}

/**
 * Waits for actions of the build; a poll that fails transiently (a 500 on `GET /actions`) is
 * tried again instead of failing a build that is going well. A failed action still throws.
 * With the run's shared action waiter (`deps.actions`), each action is first looked at when one of
 * its kind usually finishes and its polls share requests with the infrastructure's; without it
 * (tests), every `pollInterval`.
 */
export async function waitForBuildActions(
  ctx: ImageBuildContext,
  actions: readonly Action[],
  pollInterval: number = ctx.pollIntervalMs,
  options: { signal?: AbortSignal | undefined } = { signal: ctx.deps.signal },
): Promise<void> {
  if (actions.length === 0) return;
  const waiter = ctx.deps.actions;
  for (let attempt = 1;; attempt++) {
    try {
      options.signal?.throwIfAborted();
      if (waiter) await waiter.wait(actions);
      else await ctx.deps.hcloud.waitForActions(actions.map((a) => a.id), { pollInterval, signal: options.signal });
      options.signal?.throwIfAborted();
      return;
    } catch (err) {
      if (!isTransientHcloudError(err) || attempt >= WAIT_ATTEMPTS) throw err;
      await ctx.deps.sleep(pollInterval, options.signal);
    }
  }
}

/**
 * Waits until no action runs on server `id` (whoever started it). A running action that fails is
 * not this caller's failure: the caller reads the server afterwards and decides from what it sees.
 * Sleeps one poll interval when nothing runs, so a `locked` answer that raced the end of an action
 * is not retried at once.
 */
export async function waitForRunningActions(
  ctx: ImageBuildContext,
  id: number,
  signal: AbortSignal | undefined = ctx.deps.signal,
): Promise<void> {
  const running = await readWithRetry(ctx.deps.sleep, () => ctx.deps.hcloud.servers.listRunningActions(id));
  if (running.length === 0) {
    await ctx.deps.sleep(ctx.pollIntervalMs, signal);
    return;
  }
  try {
    await waitForBuildActions(ctx, running, ctx.pollIntervalMs, { signal });
  } catch (err) {
    if (!(err instanceof ActionError)) throw err;
  }
}
