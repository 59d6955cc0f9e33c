/**
 * `k8zner secrets [-c k8zner.yaml] [--json]`: the cluster's credential files and the Argo CD and
 * Grafana admin credentials. Prints secrets on purpose, to stdout only. This file only declares the
 * command; the work lives in `secrets_run.ts`.
 *
 * @module
 */
import type { Command } from "@commander-js/extra-typings";
import type { CliContext } from "./context.ts";
import { CONFIG_OPTION } from "./load_config.ts";
import { SECRETS_DIR_OPTION } from "./secrets_location.ts";
import type { SecretsDeps, SecretsFlags } from "./secrets_run.ts";

/** Registers `k8zner secrets`. */
export function registerSecrets(program: Command, ctx: CliContext, deps: SecretsDeps = {}): void {
  program
    .command("secrets")
    .description("Show the cluster's credential files and the Argo CD and Grafana admin logins")
    .option(CONFIG_OPTION.flags, CONFIG_OPTION.description)
    .option(SECRETS_DIR_OPTION.flags, SECRETS_DIR_OPTION.description)
    .option("--json", "print them as JSON")
    .addHelpText(
      "after",
      "\nThe output contains passwords: it goes to stdout only. With a domain it shows the https URLs of the UIs,\n" +
        "without one the kubectl port-forward command for each. The kubeconfig read is secrets/<cluster>/kubeconfig\n" +
        "beside the config file (or in --secrets-dir), or the file KUBECONFIG names when it is set.",
    )
    .action(async (opts) => {
      const { runSecrets } = await import("./secrets_run.ts");
      await runSecrets(ctx, opts as SecretsFlags, deps);
    });
}
