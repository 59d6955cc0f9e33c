/**
 * `k8zner cost [-c k8zner.yaml] [--json]`: declares the command only; the work lives in
 * `cost_run.ts`, loaded when the command runs so `k8zner --help` stays fast.
 *
 * @module
 */
import type { Command } from "@commander-js/extra-typings";
import type { CliContext } from "./context.ts";
import type { HcloudDeps } from "./hcloud_env.ts";
import { CONFIG_OPTION } from "./load_config.ts";

/** Registers `k8zner cost`. */
export function registerCost(program: Command, ctx: CliContext, deps: HcloudDeps = {}): void {
  program
    .command("cost")
    .description("Monthly cost of the configured cluster from live Hetzner prices, next to what exists now")
    .option(CONFIG_OPTION.flags, CONFIG_OPTION.description)
    .option("--json", "print the estimate as JSON")
    .action(async (opts) => {
      const { runCost } = await import("./cost_run.ts");
      await runCost(ctx, opts, deps);
    });
}
