/**
 * Small helpers the ensure steps share: refusing to touch a name another owner holds, retrying
 * requests that met a locked resource, tolerating "already done" answers, and reporting a step.
 *
 * @module
 */
import { isHcloudError } from "../../hcloud/mod.ts";
import { UserFacingError } from "../../lib/errors.ts";
import type { TaskHandle } from "../../lib/progress.ts";
import type { ClusterDeps } from "./deps.ts";
import type { ObservedCluster, ResourceKind } from "./observed.ts";
import { conflictChange } from "./plan.ts";

/** Throws a UserFacingError listing every conflict (of `kinds`, or all), before anything is created. */
export function assertNoConflicts(observed: ObservedCluster, kinds?: readonly ResourceKind[]): void {
  const conflicts = observed.conflicts.filter((c) => kinds === undefined || kinds.includes(c.kind));
  if (conflicts.length === 0) return;
  throw new UserFacingError(
    `Cannot create cluster "${observed.name}": ${conflicts.length} name${conflicts.length > 1 ? "s are" : " is"} ` +
      `taken by objects k8zner does not own:\n${
        conflicts.map((c) => `  ${c.kind} ${c.name}: ${conflictChange(c).detail}`).join("\n")
      }`,
    { hint: "Rename or delete those objects in the Hetzner console, or choose another cluster name." },
  );
}

/** How many times a request that met `423 locked` is tried again (the resource is busy with an action). */
const LOCKED_ATTEMPTS = 10;

/**
 * Runs a mutating request; when the resource is locked by a running action (the API did nothing),
 * waits and tries again. Answers whose code is in `alreadyDone` mean an earlier attempt already
 * did it: they resolve to undefined. With `repeatable` (deletes, where a repeat is harmless and a
 * 404 means done), server errors and lost responses are tried again too, beyond the client's own
 * retries.
 */
export async function mutate<T>(
  deps: Pick<ClusterDeps, "sleep">,
  request: () => Promise<T>,
  alreadyDone: readonly string[] = [],
  options: { repeatable?: boolean } = {},
): Promise<T | undefined> {
  for (let attempt = 1;; attempt++) {
    try {
      return await request();
    } catch (err) {
      if (alreadyDone.length > 0 && isHcloudError(err, ...alreadyDone)) return undefined;
      const again = isHcloudError(err) &&
        (err.code === "locked" || (options.repeatable === true && (err.status >= 500 || err.status === 0)));
      if (!again || attempt >= LOCKED_ATTEMPTS) throw err;
      await deps.sleep(Math.min(1000 * attempt, 5000));
    }
  }
}

/** Runs one step under its task: started, then done with `fn`'s summary (or skipped), or failed. */
export async function runTask<T>(
  task: TaskHandle,
  fn: () => Promise<{ result: T; changed: boolean; detail: string }>,
): Promise<T> {
  task.start();
  try {
    const { result, changed, detail } = await fn();
    if (changed) task.done(detail);
    else task.skip(detail);
    return result;
  } catch (err) {
    task.fail(err instanceof Error ? err.message : String(err));
    throw err;
  }
}

/**
 * True for failures where the API did nothing lasting or a repeat is harmless for a read: server
 * errors, lost responses, `locked`, `conflict`, `rate_limit_exceeded`. A driver can re-run
 * discovery and the ensure steps after such a failure (ADR 0002: the next pass resumes).
 */
export function isTransientHcloudError(err: unknown): boolean {
  return isHcloudError(err) &&
    (err.status >= 500 || err.status === 0 || ["locked", "conflict", "rate_limit_exceeded"].includes(err.code));
}

/** Runs a read (GETs only), trying again up to 5 times on transient failures. */
export async function readWithRetry<T>(sleep: (ms: number) => Promise<void>, read: () => Promise<T>): Promise<T> {
  for (let attempt = 1;; attempt++) {
    try {
      return await read();
    } catch (err) {
      if (!isTransientHcloudError(err) || attempt >= 5) throw err;
      await sleep(Math.min(500 * 2 ** (attempt - 1), 5000));
    }
  }
}
