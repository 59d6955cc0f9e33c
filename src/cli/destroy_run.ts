/**
 * The work of `k8zner destroy`: load the config (environment checks off: destroying must not need
 * `CF_API_TOKEN`), build the Hetzner client, and run the destroy with the listing on stdout,
 * progress on stderr, and the confirmation asked on the terminal (or `--yes`).
 *
 * @module
 */
import { type DestroyListing, type DestroyOutcome, runDestroy } from "../bootstrap/destroy_command.ts";
import { renderDestroyJson, renderDestroyListing, renderDestroyResult } from "../bootstrap/destroy_listing.ts";
import { createActionWaiter } from "../cluster/infra/action_waiter.ts";
import { CANCEL, type Prompter } from "../config/wizard.ts";
import { UsageError } from "../lib/errors.ts";
import { stopOperator } from "../bootstrap/destroy_operator.ts";
import { createKubeClient, type KubeClient } from "../kube/mod.ts";
import type { CliContext } from "./context.ts";
import {
  createRetryReporter,
  hcloudClientFromEnv,
  type HcloudDeps,
  sleepFromEnv,
  timeScaleFromEnv,
} from "./hcloud_env.ts";
import { loadConfig } from "./load_config.ts";
import { expandSpec } from "../config/mod.ts";
import { type DnsAccess, dnsRecordsToDelete } from "../bootstrap/destroy_command.ts";
import { CF_TOKEN_ENV, cloudflareClientFromEnv } from "./cloudflare_env.ts";
import { resolveSecretsLocation, shownPath } from "./secrets_location.ts";
import { createProgressView } from "./progress_view.ts";

/** Flags of `k8zner destroy`. */
export interface DestroyFlags {
  config?: string;
  yes?: boolean;
  json?: boolean;
  purgeSecrets?: boolean;
  dryRun?: boolean;
  /** `--secrets-dir` (default `secrets/<cluster>/` beside the config). */
  secretsDir?: string;
}

/** Injected dependencies (tests replace them). */
export interface DestroyCommandDeps extends HcloudDeps {
  /** The terminal prompter, created only when a question is asked. */
  createPrompter?: () => Promise<Prompter>;
  /** Milliseconds between action polls (default 1000). */
  actionPollMs?: number;
  /** The Kubernetes client that stops the operator first (default: from the cluster's kubeconfig). */
  createKube?: (kubeconfigYaml: string) => Promise<KubeClient>;
}

/** The user pressed Ctrl-C or Escape at the prompt: nothing was deleted (exit 130). */
export class DestroyCancelledError extends Error {
  override name = "DestroyCancelledError";
  readonly exitCode = 130;
}

/** Runs `k8zner destroy`. */
export async function runDestroyCommand(
  ctx: CliContext,
  flags: DestroyFlags,
  deps: DestroyCommandDeps = {},
): Promise<DestroyOutcome> {
  if (flags.json && !flags.yes && !flags.dryRun) {
    throw new UsageError("Cannot ask for confirmation with --json: the prompt would mix with the JSON output", {
      hint: "Add --yes to destroy, or --dry-run to only list what would be deleted.",
    });
  }
  const loaded = await loadConfig({ config: flags.config, cwd: ctx.cwd, env: ctx.env, requireEnv: false });
  const name = loaded.spec.name;
  const progress = createProgressView({
    write: (text) => ctx.io.err(text.replace(/\n$/, "")),
    live: ctx.color,
    color: ctx.color,
  });
  // Retries go through the progress view so a live task list is not torn by a stray line.
  const hc = hcloudClientFromEnv(ctx, { onRetry: createRetryReporter((line) => progress.note(line)), ...deps });
  const sleep = deps.sleep ?? sleepFromEnv(ctx);
  const timeScale = timeScaleFromEnv(ctx);
  const secretsDir = resolveSecretsLocation(loaded, ctx.cwd, flags.secretsDir).dir;
  const addons = expandSpec(loaded.spec).addons;
  const domain = addons.cloudflare?.domain;
  let dns: DnsAccess | undefined;
  if (domain !== undefined) {
    const cf = cloudflareClientFromEnv(ctx, { fetch: deps.fetch, sleep });
    dns = cf
      ? { domain, owner: addons.externalDns.txtOwnerId, cf }
      : { domain, skipped: `${CF_TOKEN_ENV} is not set; set it to remove this cluster's records (external-dns)` };
  }
  // Backups outlive the cluster on purpose: restoring one is why they exist.
  const kept = addons.talosBackup.enabled
    ? [`bucket ${addons.talosBackup.bucket} (etcd backups; never deleted by k8zner)`]
    : [];
  const shownDir = shownPath(secretsDir, ctx.cwd);
  const confirm = async (listing: DestroyListing): Promise<boolean> => {
    if (flags.yes) return true;
    if (!ctx.io.stdinIsTty) {
      throw new UsageError(
        `Cannot ask to confirm destroying cluster "${name}": stdin is not a terminal; nothing was deleted`,
        { hint: "Check the list above, then pass --yes to destroy without asking." },
      );
    }
    const prompter = await (deps.createPrompter ??
      (async () => (await import("./prompter_clack.ts")).createClackPrompter()))();
    const answer = await prompter.text({
      message: `Type the cluster name to delete these ${listing.items.length + dnsRecordsToDelete(listing).length} ` +
        "resource(s)",
      placeholder: name,
    });
    if (answer === CANCEL) throw new DestroyCancelledError("destroy cancelled; nothing was deleted");
    return answer.trim() === name;
  };
  const outcome = await runDestroy({
    cluster: {
      hc,
      actions: createActionWaiter(hc, {
        sleep,
        ...(deps.actionPollMs !== undefined ? { pollIntervalMs: deps.actionPollMs } : {}),
        ...(timeScale !== undefined ? { timeScale } : {}),
      }),
      sleep,
      clock: deps.clock ?? Date.now,
    },
    progress,
    show: (listing) => {
      if (!flags.json) ctx.io.out(renderDestroyListing(listing, shownDir));
    },
    confirm,
    exists: async (path) => {
      try {
        return (await Deno.stat(path)).isDirectory;
      } catch (err) {
        if (err instanceof Deno.errors.NotFound) return false;
        throw err;
      }
    },
    removeDir: (path) => Deno.remove(path, { recursive: true }),
    stopOperator: async () => {
      // Only the cluster's own kubeconfig (never KUBECONFIG, which may name another cluster).
      let yaml: string;
      try {
        yaml = await Deno.readTextFile(`${secretsDir}/kubeconfig`);
      } catch (err) {
        if (!(err instanceof Deno.errors.NotFound)) throw err;
        return { outcome: "skipped", detail: `no kubeconfig in ${shownDir} to reach the cluster with` };
      }
      const kube = await (deps.createKube ?? ((y: string) => createKubeClient({ kubeconfigYaml: y })))(yaml);
      try {
        return await stopOperator({ kube, sleep, now: deps.clock ?? Date.now }, name);
      } finally {
        kube.close();
      }
    },
    dns,
    kept,
  }, { cluster: name, secretsDir, purgeSecrets: flags.purgeSecrets ?? false, dryRun: flags.dryRun ?? false });
  if (flags.json) ctx.io.out(renderDestroyJson(outcome, shownDir));
  else {
    const result = renderDestroyResult(outcome, shownDir);
    if (result) ctx.io.out(result);
  }
  return outcome;
}
