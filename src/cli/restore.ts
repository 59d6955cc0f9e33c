/**
 * `k8zner restore --from <s3://bucket/key | file> [--force] [--wait]` and `k8zner restore --list`: a cluster
 * whose control planes are all gone, brought back from an etcd snapshot. This file only declares the
 * command; the work lives in `restore_run.ts`, imported when it runs.
 *
 * @module
 */
import type { Command } from "@commander-js/extra-typings";
import type { CliContext } from "./context.ts";
import type { RestoreCommandDeps } from "./restore_run.ts";
import { CONFIG_OPTION } from "./load_config.ts";
import { SECRETS_DIR_OPTION } from "./secrets_location.ts";

/** Registers `k8zner restore`. */
export function registerRestore(program: Command, ctx: CliContext, deps: RestoreCommandDeps = {}): void {
  program
    .command("restore")
    .description("Bring the cluster back from an etcd snapshot when all its control planes are gone")
    .option(CONFIG_OPTION.flags, CONFIG_OPTION.description)
    .option(SECRETS_DIR_OPTION.flags, SECRETS_DIR_OPTION.description)
    .option("--from <snapshot>", "s3://<bucket>/<key> (see --list) or a local snapshot file")
    .option("--list", "list the snapshots in the cluster's backup bucket, newest first, and exit")
    .option("--force", "restore even though the cluster answers: its control-plane servers are deleted first")
    .option("--wait", "after the hand-over, follow the cluster's status until it is Ready")
    .option("--timeout <duration>", "how long --wait follows the status, e.g. 90s, 45m, 2h", "30m")
    .addHelpText(
      "after",
      "\nChecks the snapshot's integrity before anything else, and refuses (exit 2) while any control plane\n" +
        "of the cluster answers with etcd running or its Kubernetes API answers. Then it does what apply\n" +
        "does for a new cluster, except that etcd on the first control plane starts from the snapshot\n" +
        "(Talos etcd recovery); the operator then rebuilds the other nodes from the restored K8znerCluster.\n" +
        "Needs the cluster's own secrets.yaml (the snapshot is encrypted with its keys), HCLOUD_TOKEN, and\n" +
        "for s3:// sources and --list HETZNER_S3_ACCESS_KEY/HETZNER_S3_SECRET_KEY. The hourly talos-backup\n" +
        "snapshots (zstd-compressed, .snap.zst) are listed too and restored as they are.",
    )
    .action(async (opts) => {
      const { runRestoreCommand } = await import("./restore_run.ts");
      await runRestoreCommand(ctx, opts, deps);
    });
}
