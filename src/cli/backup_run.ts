/**
 * The work of `k8zner backup now` (registered in `backup.ts`): reads the config (exit 2 on problems), the
 * token and, for the bucket, the Object Storage keys, before any request; shows progress on stderr and
 * prints where the snapshot is on stdout.
 *
 * @module
 */
import { type BackupNowResult, runBackupNow } from "../bootstrap/backup_now.ts";
import { REQUIRED_ENV } from "../config/mod.ts";
import { formatSize } from "../cluster/backup/snapshots.ts";
import type { ObjectStorageCredentials } from "../bootstrap/apply_deps.ts";
import type { CliContext } from "./context.ts";
import { type ApplyCommandDeps, applyDepsFromEnv, createCliProgress } from "./apply_run.ts";
import { createRetryReporter } from "./hcloud_env.ts";
import { loadConfig } from "./load_config.ts";
import { resolveSecretsLocation, shownPath } from "./secrets_location.ts";
import { resolve } from "node:path";

/** Flags of `k8zner backup now`. */
export interface BackupNowFlags {
  config?: string;
  secretsDir?: string;
  output?: string;
}

/** What tests may replace. */
export type BackupCommandDeps = ApplyCommandDeps;

/** The Object Storage keys from the environment, when both are set (never printed). */
export function objectStorageCredentialsFromEnv(ctx: CliContext): ObjectStorageCredentials | undefined {
  const [accessEnv, secretEnv] = REQUIRED_ENV.backup;
  const accessKeyId = ctx.env(accessEnv)?.trim();
  const secretAccessKey = ctx.env(secretEnv)?.trim();
  return accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : undefined;
}

/** Runs `k8zner backup now`. */
export async function runBackupNowCommand(
  ctx: CliContext,
  flags: BackupNowFlags,
  deps: BackupCommandDeps = {},
): Promise<BackupNowResult> {
  const loaded = await loadConfig({ config: flags.config, cwd: ctx.cwd, env: ctx.env, requireEnv: false });
  const secrets = resolveSecretsLocation(loaded, ctx.cwd, flags.secretsDir);
  const progress = createCliProgress(ctx);
  const applyDeps = applyDepsFromEnv(ctx, { onRetry: createRetryReporter((line) => progress.note(line)), ...deps });
  const backupCredentials = objectStorageCredentialsFromEnv(ctx);
  ctx.io.err(`Taking an etcd snapshot of cluster "${loaded.spec.name}"`);
  let result: BackupNowResult;
  try {
    result = await runBackupNow(applyDeps, {
      spec: loaded.spec,
      secretsDir: secrets.dir,
      ...(flags.output !== undefined ? { output: resolve(ctx.cwd, flags.output) } : {}),
      ...(backupCredentials ? { backupCredentials } : {}),
    }, progress);
  } finally {
    progress.close();
  }
  const where = result.location.startsWith("s3://") ? result.location : shownPath(result.location, ctx.cwd);
  ctx.io.out(`Snapshot of "${loaded.spec.name}" (${formatSize(result.bytes)}, from ${result.node}): ${where}`);
  return result;
}
