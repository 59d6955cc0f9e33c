/**
 * Errors the CLI knows how to present. Library code throws these (or TypeError/RangeError for
 * programming mistakes); only `main.ts` turns them into exit codes.
 *
 * @module
 */

/** Exit codes every command follows. */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
} as const;

/** A mistake the user can fix in their input (flags, config file, environment): exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
  /** One line telling the user what to do next. */
  readonly hint: string | undefined;
  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.hint = options.hint;
  }
}

/** A failure with a hint for the user that is not their input's fault: exit code 1. */
export class UserFacingError extends Error {
  override name = "UserFacingError";
  readonly hint: string | undefined;
  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.hint = options.hint;
  }
}

/**
 * Ends a command with an exit code that is an answer, not a failure (e.g. `plan --exit-code` gives 10
 * when changes are pending): `main.ts` exits with it and prints nothing.
 */
export class ExitStatus extends Error {
  override name = "ExitStatus";
  constructor(readonly exitCode: number) {
    super(`exit status ${exitCode}`);
  }
}

/** Maps an error to the process exit code. Errors may declare their own `exitCode`. */
export function exitCodeFor(err: unknown): number {
  if (err instanceof UsageError) return ExitCode.usage;
  if (err && typeof err === "object" && "exitCode" in err && typeof err.exitCode === "number") {
    return err.exitCode;
  }
  return ExitCode.failure;
}

/** The `hint` of an error, if it carries one. */
export function hintFor(err: unknown): string | undefined {
  if (err && typeof err === "object" && "hint" in err && typeof err.hint === "string") return err.hint;
  return undefined;
}

/**
 * Renders an error as the CLI prints it: `error: <message>`, optional `hint: …`, and with
 * `verbose` the chain of causes, one per line.
 */
export function formatError(err: unknown, verbose: boolean): string {
  const lines = [`error: ${messageOf(err)}`];
  const hint = hintFor(err);
  if (hint) lines.push(`hint: ${hint}`);
  if (verbose) {
    let cause = err instanceof Error ? err.cause : undefined;
    for (let depth = 0; cause !== undefined && depth < 10; depth++) {
      lines.push(`  caused by: ${messageOf(cause)}`);
      cause = cause instanceof Error ? cause.cause : undefined;
    }
  } else if (err instanceof Error && err.cause !== undefined) {
    lines.push("(run with -v to see the cause)");
  }
  return lines.join("\n");
}

function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
