/**
 * What is wrong with a k8zner.yaml, located by field path and line:column, and the error that
 * carries all of it to the CLI (exit code 2).
 *
 * @module
 */
import { UsageError } from "../lib/errors.ts";

/** One mistake in the file. Lines and columns are 1-based. */
export interface ConfigProblem {
  /** Dotted field path, e.g. `workers.count`; `api_allowlist[1]` for list items; "" for the whole file. */
  path: string;
  line: number;
  column: number;
  message: string;
  /** What the field accepts, when that helps. */
  allowed?: string;
}

/** Renders one problem as `file:line:column: path: message (allowed: …)`. */
export function formatProblem(file: string, p: ConfigProblem): string {
  const where = `${file}:${p.line}:${p.column}`;
  const subject = p.path === "" ? "" : `${p.path}: `;
  const allowed = p.allowed ? ` (allowed: ${p.allowed})` : "";
  return `${where}: ${subject}${p.message}${allowed}`;
}

/**
 * How many problems are printed; a generated or badly broken file can have thousands, and a
 * terminal full of them hides the first (usually the cause of the rest).
 */
export const MAX_PROBLEMS_SHOWN = 50;

/** Renders problems one per line, in file order: the first {@link MAX_PROBLEMS_SHOWN}, then a count of the rest. */
export function formatProblems(file: string, problems: readonly ConfigProblem[]): string {
  const sorted = sortProblems(problems);
  const lines = sorted.slice(0, MAX_PROBLEMS_SHOWN).map((p) => formatProblem(file, p));
  const rest = sorted.length - MAX_PROBLEMS_SHOWN;
  if (rest > 0) {
    lines.push(`… and ${rest} more ${rest === 1 ? "problem" : "problems"} ('k8zner config validate --json' lists all)`);
  }
  return lines.join("\n");
}

/** Orders problems by line, then column, then path. */
export function sortProblems(problems: readonly ConfigProblem[]): ConfigProblem[] {
  return [...problems].sort((a, b) => a.line - b.line || a.column - b.column || a.path.localeCompare(b.path));
}

/** A config file with one or more problems. A {@link UsageError}: the CLI exits with code 2. */
export class ConfigError extends UsageError {
  override name = "ConfigError";
  readonly exitCode = 2;
  readonly file: string;
  readonly problems: readonly ConfigProblem[];
  constructor(file: string, problems: readonly ConfigProblem[], options: { hint?: string } = {}) {
    const count = problems.length === 1 ? "1 problem" : `${problems.length} problems`;
    super(`${file} has ${count}:\n${formatProblems(file, problems)}`, {
      hint: options.hint ?? "Fix the lines above; 'k8zner config schema' prints every field and what it accepts",
    });
    this.file = file;
    this.problems = sortProblems(problems);
  }
}
