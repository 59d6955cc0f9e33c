/**
 * The error of the Talos image step: `ImageBuildError` names the step that failed.
 *
 * @module
 */
import { UserFacingError } from "../../lib/errors.ts";
import type { TaskHandle } from "../../lib/progress.ts";

/** Steps of a build, named in errors. */
export type ImageBuildStep =
  | "find snapshot"
  | "clean up earlier build"
  | "create ssh key"
  | "create build server"
  | "rescue boot"
  | "writing image"
  | "power off"
  | "snapshotting"
  | "clean up build";

/** A failed image lookup or build; `step` says where. Exit code 1, with a hint. */
export class ImageBuildError extends UserFacingError {
  override name = "ImageBuildError";
  constructor(
    readonly step: ImageBuildStep,
    message: string,
    options: { hint?: string; cause?: unknown } = {},
  ) {
    super(message, options);
  }
}

/** Marks the task failed with the error's message and returns the error for `throw`. */
export function fail(task: TaskHandle, err: ImageBuildError): ImageBuildError {
  task.fail(err.message);
  return err;
}

/** `err` itself when it already is an ImageBuildError, else wrapped as `<prefix>: <message>`. */
export function asBuildError(step: ImageBuildStep, prefix: string, err: unknown): ImageBuildError {
  if (err instanceof ImageBuildError) return err;
  return new ImageBuildError(step, `${prefix}: ${messageOf(err)}`, { cause: err });
}

/** The message of any thrown value. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
