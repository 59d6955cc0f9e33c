/**
 * Shows a {@link ProgressSink} to a person: on a terminal, a live task list with spinners and elapsed
 * time, redrawn in place; otherwise (pipe, CI, NO_COLOR) plain timestamped lines, one per change.
 *
 * @module
 */
import { formatElapsed } from "../lib/duration.ts";
import type { ProgressSink, TaskHandle, TaskState } from "../lib/progress.ts";

export { formatElapsed };

const SPINNER = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
const ICON: Record<TaskState, string> = { pending: "·", running: "", done: "✔", skipped: "↷", failed: "✖" };
const COLOR: Record<TaskState, string> = {
  pending: "\x1b[2m",
  running: "\x1b[36m",
  done: "\x1b[32m",
  skipped: "\x1b[2m",
  failed: "\x1b[31m",
};
const RESET = "\x1b[0m";

/** One row of the task list. */
export interface TaskRow {
  title: string;
  state: TaskState;
  detail: string;
  startedAt?: number;
  endedAt?: number;
}

/** Renders the task list as it looks at `now` (pure; `frame` picks the spinner glyph). */
export function renderTaskList(rows: TaskRow[], now: number, frame: number, color: boolean): string {
  const width = Math.max(0, ...rows.map((r) => r.title.length));
  return rows.map((r) => {
    const icon = r.state === "running" ? SPINNER[frame % SPINNER.length]! : ICON[r.state];
    const elapsed = r.startedAt === undefined ? "" : formatElapsed((r.endedAt ?? now) - r.startedAt);
    const text = `${icon} ${r.title.padEnd(width)}  ${elapsed.padStart(6)}  ${r.detail}`.trimEnd();
    return color ? `${COLOR[r.state]}${text}${RESET}` : text;
  }).join("\n");
}

/** Options for {@link createProgressView}. */
export interface ProgressViewOptions {
  write(text: string): void;
  /** Live redraw (a TTY); otherwise plain lines. */
  live: boolean;
  color: boolean;
  now?: () => number;
  /** Redraw interval for the live view; injectable so tests need no timers. */
  tickMs?: number;
}

/** Creates a sink that draws to `write`. */
export function createProgressView(opts: ProgressViewOptions): ProgressSink {
  const now = opts.now ?? Date.now;
  const rows: TaskRow[] = [];
  let drawnLines = 0;
  let frame = 0;
  let timer: ReturnType<typeof setInterval> | undefined;

  const redraw = () => {
    const text = renderTaskList(rows, now(), frame++, opts.color);
    const up = drawnLines > 0 ? `\x1b[${drawnLines}A\x1b[0J` : "";
    opts.write(`${up}${text}\n`);
    drawnLines = rows.length;
  };
  const line = (row: TaskRow, what: string) => {
    const ts = new Date(now()).toISOString().slice(11, 19);
    const elapsed = row.startedAt !== undefined && row.state !== "running"
      ? ` (${formatElapsed((row.endedAt ?? now()) - row.startedAt)})`
      : "";
    opts.write(`${ts} ${what.padEnd(7)} ${row.title}${row.detail ? `: ${row.detail}` : ""}${elapsed}\n`);
  };
  const changed = (row: TaskRow, what: string) => {
    if (opts.live) {
      if (timer === undefined && opts.tickMs !== 0) timer = setInterval(redraw, opts.tickMs ?? 100);
      redraw();
    } else line(row, what);
  };

  return {
    task(title): TaskHandle {
      const row: TaskRow = { title, state: "pending", detail: "" };
      rows.push(row);
      const finish = (state: TaskState, detail: string | undefined, what: string) => {
        if (row.startedAt === undefined) row.startedAt = now();
        row.state = state;
        row.endedAt = now();
        if (detail !== undefined) row.detail = detail;
        changed(row, what);
      };
      return {
        start(detail) {
          if (row.state === "running") return;
          row.state = "running";
          row.startedAt = now();
          if (detail !== undefined) row.detail = detail;
          changed(row, "start");
        },
        update(detail) {
          if (row.detail === detail) return;
          row.detail = detail;
          if (row.state === "pending") {
            row.state = "running";
            row.startedAt = now();
          }
          changed(row, "...");
        },
        done: (detail) => finish("done", detail, "done"),
        skip: (reason) => finish("skipped", reason, "skip"),
        fail: (message) => finish("failed", message, "FAILED"),
      };
    },
    note(message) {
      if (opts.live && drawnLines > 0) {
        opts.write(`\x1b[${drawnLines}A\x1b[0J${message}\n`);
        drawnLines = 0;
        redraw();
      } else opts.write(`${message}\n`);
    },
    close() {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
      if (opts.live && rows.length > 0) redraw();
    },
  };
}
