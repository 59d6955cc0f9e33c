/**
 * `k8zner generate`: files for inspection or for other tools. `generate talos` writes what
 * `talosctl gen config` would for the cluster a k8zner.yaml describes (see `generate_talos.ts`,
 * imported when the command runs so start-up stays free of the certificate libraries).
 *
 * @module
 */
import type { Command } from "@commander-js/extra-typings";
import type { CliContext } from "./context.ts";
import { CONFIG_OPTION } from "./load_config.ts";

/** Registers `k8zner generate talos`. */
export function registerGenerate(program: Command, ctx: CliContext): void {
  const generate = program.command("generate").description("Write files for inspection or for other tools");
  generate
    .command("talos")
    .description("Write Talos secrets, controlplane.yaml, worker.yaml and talosconfig (like talosctl gen config)")
    .option(CONFIG_OPTION.flags, CONFIG_OPTION.description)
    .requiredOption("-o, --output <dir>", "required: the directory to write into (created with mode 0700)")
    .option("--endpoint <url>", "Kubernetes API endpoint (default: the API load balancer's private IP)")
    .action(async (opts) => {
      const { runGenerateTalos } = await import("./generate_talos.ts");
      await runGenerateTalos(ctx, opts);
    });
}
