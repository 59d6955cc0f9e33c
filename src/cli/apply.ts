/**
 * `k8zner apply [-c k8zner.yaml] [--yes] [--wait]`: creates the cluster the config describes and
 * hands it over to its operator, resumes a run that stopped, or updates a running cluster's spec.
 * This file only declares the command; the work lives in `apply_run.ts`, imported when it runs
 * (it pulls in the Talos, SSH and Kubernetes libraries).
 *
 * @module
 */
import type { Command } from "@commander-js/extra-typings";
import type { CliContext } from "./context.ts";
import type { ApplyCommandDeps } from "./apply_run.ts";
import { CONFIG_OPTION } from "./load_config.ts";
import { SECRETS_DIR_OPTION } from "./secrets_location.ts";

/** Registers `k8zner apply`. */
export function registerApply(program: Command, ctx: CliContext, deps: ApplyCommandDeps = {}): void {
  program
    .command("apply")
    .description("Create the cluster (or resume a stopped run), or update a running cluster's spec")
    .option(CONFIG_OPTION.flags, CONFIG_OPTION.description)
    .option(SECRETS_DIR_OPTION.flags, SECRETS_DIR_OPTION.description)
    .option("-y, --yes", "apply changes to a running cluster without asking")
    .option("--wait", "after the hand-over, follow the cluster's status until it is Ready")
    .option("--timeout <duration>", "how long --wait follows the status, e.g. 90s, 45m, 2h", "30m")
    .action(async (opts) => {
      const { runApplyCommand } = await import("./apply_run.ts");
      await runApplyCommand(ctx, opts, deps);
    });
}
