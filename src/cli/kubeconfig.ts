/**
 * `k8zner kubeconfig [-c k8zner.yaml] [--secrets-dir DIR]`: rewrites the cluster's kubeconfig and
 * talosconfig from the live cluster found by its labels (API load balancer, control planes), keeping
 * their certificates while valid and never touching `secrets.yaml`. The work lives in `kubeconfig_run.ts`.
 *
 * @module
 */
import type { Command } from "@commander-js/extra-typings";
import type { CliContext } from "./context.ts";
import type { KubeconfigDeps, KubeconfigFlags } from "./kubeconfig_run.ts";
import { CONFIG_OPTION } from "./load_config.ts";
import { SECRETS_DIR_OPTION } from "./secrets_location.ts";

/** Registers `k8zner kubeconfig`. */
export function registerKubeconfig(program: Command, ctx: CliContext, deps: KubeconfigDeps = {}): void {
  program
    .command("kubeconfig")
    .description("Rewrite the kubeconfig and talosconfig to point at the cluster as it runs now")
    .option(CONFIG_OPTION.flags, CONFIG_OPTION.description)
    .option(SECRETS_DIR_OPTION.flags, SECRETS_DIR_OPTION.description)
    .addHelpText(
      "after",
      "\nFinds the API load balancer and the control planes by their k8zner.io/cluster label (two GETs) and\n" +
        "points the kubeconfig's server and the talosconfig's endpoints and nodes at them. Certificates are\n" +
        "kept while valid; a missing or expiring file is issued from the cluster's secrets.yaml, which is\n" +
        "never generated here. Needs HCLOUD_TOKEN.",
    )
    .action(async (opts) => {
      const { runKubeconfigCommand } = await import("./kubeconfig_run.ts");
      await runKubeconfigCommand(ctx, opts as KubeconfigFlags, deps);
    });
}
