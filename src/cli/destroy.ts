/**
 * `k8zner destroy [-c k8zner.yaml] [--yes] [--dry-run] [--purge-secrets] [--json]`: deletes every
 * Hetzner resource labelled for the cluster (and the cloud controller's load balancers and CSI
 * volumes proven to be its own) and, with a domain, its external-dns records in Cloudflare, after
 * listing them with the monthly cost freed and asking for the cluster name. This file only declares the command; the work lives in `destroy_run.ts`.
 *
 * @module
 */
import type { Command } from "@commander-js/extra-typings";
import type { CliContext } from "./context.ts";
import type { DestroyCommandDeps, DestroyFlags } from "./destroy_run.ts";
import { CONFIG_OPTION } from "./load_config.ts";
import { SECRETS_DIR_OPTION } from "./secrets_location.ts";

/** Registers `k8zner destroy`. */
export function registerDestroy(program: Command, ctx: CliContext, deps: DestroyCommandDeps = {}): void {
  program
    .command("destroy")
    .description("Delete the cluster's Hetzner resources (found by its labels) after listing them")
    .option(CONFIG_OPTION.flags, CONFIG_OPTION.description)
    .option(SECRETS_DIR_OPTION.flags, SECRETS_DIR_OPTION.description)
    .option("-y, --yes", "do not ask for the cluster name (needed without a terminal)")
    .option("--dry-run", "only list what would be deleted and the cost it frees")
    .option("--purge-secrets", "also remove the secrets directory once the cloud holds nothing of the cluster")
    .option("--json", "print the listing and result as JSON (with --yes or --dry-run)")
    .addHelpText(
      "after",
      "\nOnly resources labelled k8zner.io/cluster=<name> are deleted, plus load balancers and volumes the\n" +
        "cloud controller and CSI driver created for this cluster. Talos snapshots are kept (shared).\n" +
        "With a domain and CF_API_TOKEN, also this cluster's Cloudflare DNS records: external-dns owner records\n" +
        "(external-dns/owner=<name>) and the records they name, never another owner's. The etcd backup bucket\n" +
        "is kept. Needs HCLOUD_TOKEN; a second run finds nothing and changes nothing.",
    )
    .action(async (opts) => {
      const { runDestroyCommand } = await import("./destroy_run.ts");
      await runDestroyCommand(ctx, opts as DestroyFlags, deps);
    });
}
