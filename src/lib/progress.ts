/**
 * The progress sink long-running work reports to. Drivers (`bootstrap`, `destroy`) call it; the CLI
 * decides how to show it (a live task list on a terminal, timestamped lines otherwise), and tests
 * record it.
 *
 * @module
 */

/** The state of one step. */
export type TaskState = "pending" | "running" | "done" | "skipped" | "failed";

/** One step of a long operation, e.g. "Infrastructure" or "First control plane". */
export interface TaskHandle {
  /** Marks the step as running (idempotent). */
  start(detail?: string): void;
  /** Replaces the one-line detail shown beside the step. */
  update(detail: string): void;
  /** Marks the step as finished. */
  done(detail?: string): void;
  /** Marks the step as not needed (e.g. "snapshot exists"). */
  skip(reason: string): void;
  /** Marks the step as failed; the caller still throws. */
  fail(message: string): void;
}

/** Where progress goes. */
export interface ProgressSink {
  /** Declares a step; steps are shown in declaration order. */
  task(title: string): TaskHandle;
  /** A free-form note between steps (warnings, hints). Never pass secrets. */
  note(message: string): void;
  /** Stops live rendering and leaves the final state on screen. */
  close(): void;
}

/** A sink that records events, for tests and for `--json` summaries. */
export function recordingProgress(): ProgressSink & { events: string[] } {
  const events: string[] = [];
  return {
    events,
    task(title) {
      return {
        start: (detail) => events.push(`start ${title}${detail ? `: ${detail}` : ""}`),
        update: (detail) => events.push(`update ${title}: ${detail}`),
        done: (detail) => events.push(`done ${title}${detail ? `: ${detail}` : ""}`),
        skip: (reason) => events.push(`skip ${title}: ${reason}`),
        fail: (message) => events.push(`fail ${title}: ${message}`),
      };
    },
    note: (message) => events.push(`note ${message}`),
    close: () => events.push("close"),
  };
}
