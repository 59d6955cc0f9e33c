/**
 * `k8zner config validate` and `k8zner config schema`.
 *
 * @module
 */
import type { Command } from "@commander-js/extra-typings";
import { UsageError } from "../lib/errors.ts";
import type { CliContext } from "./context.ts";
import { CONFIG_OPTION, type ConfigFs, denoConfigFs, displayPath, resolveConfigPath } from "./load_config.ts";

/** Registers the `config` command group. `fs` is injectable for tests. */
export function registerConfig(program: Command, ctx: CliContext, fs: ConfigFs = denoConfigFs): void {
  const config = program.command("config").description("Check k8zner.yaml or print its JSON Schema");

  config
    .command("validate")
    .description("Check k8zner.yaml and report every problem with line and column (exit 2 when invalid)")
    .option(CONFIG_OPTION.flags, CONFIG_OPTION.description)
    .option("--json", "print the result as JSON")
    .option("--require-env", "also check the environment variables that domain and backup need")
    .action(async (opts) => {
      const path = await resolveConfigPath({ config: opts.config, cwd: ctx.cwd, env: ctx.env, fs });
      const shown = displayPath(path, ctx.cwd);
      const text = await fs.readTextFile(path);
      const { ConfigError, parseConfig } = await import("../config/mod.ts");
      const result = parseConfig(text, shown, { env: ctx.env, requireEnv: opts.requireEnv ?? false });
      if (opts.json) {
        ctx.io.out(
          JSON.stringify({ file: shown, valid: result.problems.length === 0, problems: result.problems }, null, 2),
        );
        if (result.problems.length > 0) {
          throw new UsageError(`${shown} is not valid (${result.problems.length} problems, listed above)`);
        }
        return;
      }
      if (result.problems.length > 0) throw new ConfigError(shown, result.problems);
      ctx.io.out(`${shown} is valid`);
    });

  config
    .command("schema")
    .description("Print the JSON Schema (draft 2020-12) of k8zner.yaml, for editors")
    .action(async () => {
      const { configJsonSchema } = await import("../config/mod.ts");
      ctx.io.out(JSON.stringify(configJsonSchema(), null, 2));
    });
}
