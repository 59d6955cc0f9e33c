/**
 * `k8zner backup now [-o FILE]`: an etcd snapshot on demand, to a local file or the cluster's backup
 * bucket. This file only declares the command; the work lives in `backup_run.ts`, imported when it runs.
 *
 * @module
 */
import type { Command } from "@commander-js/extra-typings";
import type { CliContext } from "./context.ts";
import type { BackupCommandDeps } from "./backup_run.ts";
import { CONFIG_OPTION } from "./load_config.ts";
import { SECRETS_DIR_OPTION } from "./secrets_location.ts";

/** Registers the `backup` command group. */
export function registerBackup(program: Command, ctx: CliContext, deps: BackupCommandDeps = {}): void {
  const backup = program.command("backup").description("Take etcd snapshots of the cluster on demand");
  backup
    .command("now")
    .description("Take an etcd snapshot now, to a local file or the cluster's backup bucket")
    .option(CONFIG_OPTION.flags, CONFIG_OPTION.description)
    .option(SECRETS_DIR_OPTION.flags, SECRETS_DIR_OPTION.description)
    .option("-o, --output <file>", "write the snapshot to this file (mode 0600) instead of the bucket")
    .addHelpText(
      "after",
      "\nAsks the first control plane whose etcd runs for a snapshot over the Talos API and checks its\n" +
        "integrity. Without --output it goes to <name>-etcd-backups/etcd-backups/<name>-<UTC time>.snapshot\n" +
        "(backup: true and HETZNER_S3_ACCESS_KEY/HETZNER_S3_SECRET_KEY needed), beside the hourly\n" +
        "snapshots; k8zner restore --list shows both. The snapshot holds every Secret of the cluster.\n" +
        "Needs HCLOUD_TOKEN.",
    )
    .action(async (opts) => {
      const { runBackupNowCommand } = await import("./backup_run.ts");
      await runBackupNowCommand(ctx, opts, deps);
    });
}
