/**
 * `k8zner plan [-c k8zner.yaml] [--json] [--exit-code]`: what `apply` would create or change in the
 * Hetzner project and in the cluster's spec, with monthly costs from live prices. Read-only.
 * The work lives in `plan_run.ts`, imported when the command runs.
 *
 * @module
 */
import type { Command } from "@commander-js/extra-typings";
import type { CliContext } from "./context.ts";
import type { ApplyCommandDeps } from "./apply_run.ts";
import { CONFIG_OPTION } from "./load_config.ts";
import { SECRETS_DIR_OPTION } from "./secrets_location.ts";

/** Exit code of `plan --exit-code` when apply has something to do. */
export const PLAN_PENDING_EXIT_CODE = 10;

/** Registers `k8zner plan`. */
export function registerPlan(program: Command, ctx: CliContext, deps: ApplyCommandDeps = {}): void {
  program
    .command("plan")
    .description("Show what apply would create or change, with monthly costs from live prices")
    .option(CONFIG_OPTION.flags, CONFIG_OPTION.description)
    .option(SECRETS_DIR_OPTION.flags, SECRETS_DIR_OPTION.description)
    .option("--json", "print the plan as JSON")
    .option("--exit-code", `exit ${PLAN_PENDING_EXIT_CODE} when changes are pending, 0 when none (for drift checks)`)
    .action(async (opts) => {
      const { runPlanCommand } = await import("./plan_run.ts");
      await runPlanCommand(ctx, opts, deps);
    });
}
