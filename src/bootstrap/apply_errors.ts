/**
 * How a failed `apply` reports itself: what failed, what exists now, and that running apply again
 * resumes. Nothing is ever torn down on failure (ADR 0002 §5; the earlier implementation destroyed
 * the whole cluster).
 *
 * @module
 */
import { exitCodeFor, hintFor, UserFacingError } from "../lib/errors.ts";

/** A failed step of `apply` after it may have changed something. Keeps the cause's exit code. */
export class ApplyFailedError extends UserFacingError {
  override name = "ApplyFailedError";
  readonly exitCode: number;
  /** The step that failed, e.g. "First control plane". */
  readonly step: string;
  constructor(step: string, existing: readonly string[], cause: unknown) {
    const what = cause instanceof Error ? cause.message : String(cause);
    const lines = [`apply stopped at "${step}": ${what}`];
    lines.push(
      existing.length > 0 ? `Exists now (kept, nothing was deleted): ${existing.join(", ")}.` : "Nothing was deleted.",
    );
    const causeHint = hintFor(cause);
    super(lines.join("\n"), {
      cause,
      hint: `${
        causeHint ? `${causeHint.replace(/\.$/, "")}. ` : ""
      }Fix the cause if needed, then run "k8zner apply" again to resume.`,
    });
    this.step = step;
    this.exitCode = exitCodeFor(cause);
  }
}
