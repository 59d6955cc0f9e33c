/**
 * What every command receives from the composition root: the outside world, injected so
 * commands can be tested without touching the real process.
 *
 * @module
 */

/** Where a command writes. `out` is for data (stdout), `err` for progress and diagnostics (stderr). */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** True when stdout is an interactive terminal. */
  readonly stdoutIsTty: boolean;
  /** True when stdin is an interactive terminal (prompts are allowed). */
  readonly stdinIsTty: boolean;
}

/** The injected dependencies of the CLI. */
export interface CliContext {
  readonly io: Io;
  readonly env: (name: string) => string | undefined;
  readonly cwd: string;
  /** Use colour: a TTY, and neither NO_COLOR nor CI set. */
  readonly color: boolean;
  /** The clock; the real time when absent. Tests inject a fixed instant for reproducible output. */
  readonly now?: () => Date;
}

/** Colour only on a TTY and never with `NO_COLOR` or `CI` set. */
export function shouldUseColor(stdoutIsTty: boolean, env: (name: string) => string | undefined): boolean {
  if (!stdoutIsTty) return false;
  if (env("NO_COLOR") !== undefined && env("NO_COLOR") !== "") return false;
  if (env("CI") !== undefined && env("CI") !== "") return false;
  return true;
}
