/**
 * The work of `k8zner restore` (registered in `restore.ts`): `--list` prints the bucket's snapshots;
 * otherwise the config (with the environment apply needs), the token and the source are checked before
 * any request, then the restore runs with live progress on stderr and the outcome on stdout.
 *
 * @module
 */
import { runRestore } from "../bootstrap/restore.ts";
import { listSnapshots, parseSnapshotSource, renderSnapshotList } from "../cluster/backup/snapshots.ts";
import { expandSpec } from "../config/mod.ts";
import { UsageError } from "../lib/errors.ts";
import type { CliContext } from "./context.ts";
import {
  type ApplyCommandDeps,
  applyDepsFromEnv,
  createCliProgress,
  parseDuration,
  s3EndpointFromEnv,
} from "./apply_run.ts";
import { createObjectStorage } from "../bootstrap/apply_deps.ts";
import { objectStorageCredentialsFromEnv } from "./backup_run.ts";
import { createRetryReporter, sleepFromEnv } from "./hcloud_env.ts";
import { loadConfig } from "./load_config.ts";
import { resolveSecretsLocation, shownPath } from "./secrets_location.ts";
import { resolve } from "node:path";

/** Flags of `k8zner restore`. */
export interface RestoreFlags {
  config?: string;
  secretsDir?: string;
  from?: string;
  list?: boolean;
  force?: boolean;
  wait?: boolean;
  timeout?: string;
}

/** What tests may replace. */
export type RestoreCommandDeps = ApplyCommandDeps;

/** Runs `k8zner restore`. */
export async function runRestoreCommand(ctx: CliContext, flags: RestoreFlags, deps: RestoreCommandDeps = {}) {
  if (flags.list && flags.from !== undefined) {
    throw new UsageError("--list and --from do not go together", { hint: "List first, then restore with --from" });
  }
  if (!flags.list && flags.from === undefined) {
    throw new UsageError("restore needs --from <s3://bucket/key | file>, or --list to see the snapshots");
  }
  if (flags.list) return await listCommand(ctx, flags, deps);
  const loaded = await loadConfig({ config: flags.config, cwd: ctx.cwd, env: ctx.env, requireEnv: true });
  const waitTimeoutMs = flags.timeout === undefined ? undefined : parseDuration(flags.timeout, "--timeout");
  // Parsed before anything else so a malformed URL is named as such (exit 2).
  const source = parseSnapshotSource(flags.from!);
  const from = source.kind === "s3" ? `s3://${source.bucket}/${source.key}` : resolve(ctx.cwd, source.path);
  const secrets = resolveSecretsLocation(loaded, ctx.cwd, flags.secretsDir);
  const backupCredentials = objectStorageCredentialsFromEnv(ctx);
  if (source.kind === "s3" && !backupCredentials) {
    throw new UsageError(`Reading ${from} needs HETZNER_S3_ACCESS_KEY and HETZNER_S3_SECRET_KEY`);
  }
  const cloudflareApiToken = loaded.spec.domain ? ctx.env("CF_API_TOKEN")?.trim() : undefined;
  const progress = createCliProgress(ctx);
  const applyDeps = applyDepsFromEnv(ctx, { onRetry: createRetryReporter((line) => progress.note(line)), ...deps });
  if (waitTimeoutMs !== undefined) applyDeps.timeouts.waitReadyMs = waitTimeoutMs;
  ctx.io.err(`Restoring cluster "${loaded.spec.name}" from ${flags.from!.trim()}`);
  let result;
  try {
    result = await runRestore(applyDeps, {
      spec: loaded.spec,
      configPath: loaded.displayPath,
      secretsDir: secrets.dir,
      secretsGitignoreDir: secrets.gitignoreDir,
      yes: true,
      wait: flags.wait === true,
      from,
      force: flags.force === true,
      ...(cloudflareApiToken ? { cloudflareApiToken } : {}),
      ...(backupCredentials ? { backupCredentials } : {}),
    }, progress);
  } finally {
    progress.close();
  }
  const shown = (p: string | undefined) => p === undefined ? "(kept)" : shownPath(p, ctx.cwd);
  ctx.io.out(
    [
      `Cluster "${result.cluster}" is restored from the snapshot and handed over to its operator.`,
      `  kubeconfig:  ${shown(result.kubeconfigPath)}`,
      `  talosconfig: ${shown(result.talosconfigPath)}`,
      ...(result.apiEndpoint ? [`  API:         ${result.apiEndpoint}`] : []),
      flags.wait
        ? "The cluster is Ready."
        : "The operator now rebuilds the other control planes and the workers. Follow it with: k8zner doctor --watch",
    ].join("\n"),
  );
  return result;
}

async function listCommand(ctx: CliContext, flags: RestoreFlags, deps: RestoreCommandDeps) {
  const loaded = await loadConfig({ config: flags.config, cwd: ctx.cwd, env: ctx.env, requireEnv: false });
  const credentials = objectStorageCredentialsFromEnv(ctx);
  if (!credentials) throw new UsageError("--list needs HETZNER_S3_ACCESS_KEY and HETZNER_S3_SECRET_KEY");
  const plan = expandSpec(loaded.spec).addons.talosBackup;
  // Only Object Storage is asked: listing needs no Hetzner token.
  const s3Endpoint = s3EndpointFromEnv(ctx);
  const { client } = createObjectStorage(
    {
      fetch: deps.fetch ?? globalThis.fetch,
      sleep: deps.sleep ?? sleepFromEnv(ctx),
      ...(s3Endpoint ? { s3Endpoint } : {}),
    },
    credentials,
    { region: plan.region, endpoint: plan.endpoint },
  );
  const now = ctx.now?.() ?? new Date();
  const entries = await listSnapshots(client, plan.bucket, plan.prefix, now);
  ctx.io.out(renderSnapshotList(plan.bucket, entries));
  return entries;
}
