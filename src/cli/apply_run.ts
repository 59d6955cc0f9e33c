/**
 * The work of `k8zner apply` (registered in `apply.ts`): reads the config (exit 2 on problems) and
 * the token (exit 1 when missing), both before any request; builds the real dependencies; shows live
 * progress on stderr; prints where the credentials are on stdout.
 *
 * @module
 */
import { runApply } from "../bootstrap/apply.ts";
import { describeVersionChange } from "../bootstrap/version_gate.ts";
import { type ApplyDeps, createApplyDeps } from "../bootstrap/apply_deps.ts";
import { apiExposureWarning } from "../cluster/infra/api_exposure.ts";
import { expandSpec, REQUIRED_ENV } from "../config/mod.ts";
import { UsageError } from "../lib/errors.ts";
import type { ProgressSink } from "../lib/progress.ts";
import type { CliContext } from "./context.ts";
import { checkEndpointUrl } from "./endpoint_url.ts";
import {
  createRetryReporter,
  hcloudClientFromEnv,
  type HcloudDeps,
  sleepFromEnv,
  timeScaleFromEnv,
} from "./hcloud_env.ts";
import { loadConfig } from "./load_config.ts";
import { createProgressView } from "./progress_view.ts";
import { resolveSecretsLocation, shownPath } from "./secrets_location.ts";

/** Flags of `k8zner apply`. */
export interface ApplyFlags {
  config?: string;
  yes?: boolean;
  wait?: boolean;
  /** `--timeout` of `--wait`, e.g. `30m`. */
  timeout?: string;
  /** `--secrets-dir` (default `secrets/<cluster>/` beside the config). */
  secretsDir?: string;
}

/** Parses `90s`, `45m` or `2h` into milliseconds; UsageError otherwise. */
export function parseDuration(text: string, flag: string): number {
  const m = /^(\d+)(s|m|h)$/.exec(text.trim());
  const n = m ? Number(m[1]) * { s: 1000, m: 60_000, h: 3_600_000 }[m[2] as "s" | "m" | "h"] : NaN;
  if (!(n > 0)) {
    throw new UsageError(`${flag} "${text}" is not a duration`, {
      hint: "Use a number with s, m or h, e.g. 90s, 45m, 2h",
    });
  }
  return n;
}

/** What tests may replace. */
export interface ApplyCommandDeps extends HcloudDeps {
  /** Asks a yes/no question; default: a terminal prompt when stdin is a TTY, else none. */
  confirm?: (question: string) => Promise<boolean>;
  /** Changes the real dependencies before the run (e.g. faster polls). */
  adjust?: (deps: ApplyDeps) => ApplyDeps;
}

/** Environment variable overriding every poll interval (ms): a local cloud's simulated time runs fast. */
export const POLL_INTERVAL_ENV = "K8ZNER_POLL_INTERVAL_MS";
/** Environment variable naming the caller-IP service (answers the public IPv4 as text). */
export const IP_URL_ENV = "K8ZNER_IP_URL";
/**
 * Environment variable replacing Hetzner's Object Storage endpoint (`https://<region>.your-objectstorage.com`),
 * like `HCLOUD_ENDPOINT` for the Cloud API: a local S3 endpoint in tests. Buckets are then addressed by path.
 */
export const S3_ENDPOINT_ENV = "K8ZNER_S3_ENDPOINT";

/** Builds the real dependencies of apply and plan from the environment. Throws before any request. */
export function applyDepsFromEnv(ctx: CliContext, deps: ApplyCommandDeps = {}): ApplyDeps {
  const hc = hcloudClientFromEnv(ctx, deps);
  const poll = ctx.env(POLL_INTERVAL_ENV)?.trim();
  let pollIntervalMs: number | undefined;
  if (poll) {
    pollIntervalMs = Number(poll);
    if (!Number.isInteger(pollIntervalMs) || pollIntervalMs < 10 || pollIntervalMs > 60_000) {
      throw new UsageError(`${POLL_INTERVAL_ENV}="${poll}" is not a whole number of milliseconds from 10 to 60000`);
    }
  }
  const timeScale = timeScaleFromEnv(ctx);
  const rawIpUrl = ctx.env(IP_URL_ENV)?.trim() || undefined;
  const ipUrl = rawIpUrl === undefined ? undefined : checkEndpointUrl(IP_URL_ENV, rawIpUrl);
  const s3Endpoint = s3EndpointFromEnv(ctx);
  const applyDeps = createApplyDeps({
    hc,
    hcloudToken: ctx.env("HCLOUD_TOKEN")!.trim(),
    fetch: deps.fetch ?? globalThis.fetch,
    sleep: deps.sleep ?? sleepFromEnv(ctx),
    ...(ipUrl ? { callerIpUrl: ipUrl } : {}),
    ...(s3Endpoint ? { s3Endpoint } : {}),
    ...(pollIntervalMs ? { pollIntervalMs } : {}),
    ...(timeScale !== undefined ? { actionTimeScale: timeScale } : {}),
    ...(ctx.now ? { now: ctx.now } : {}),
  });
  return deps.adjust ? deps.adjust(applyDeps) : applyDeps;
}

/** `K8ZNER_S3_ENDPOINT`, checked: the S3 secret signs every request to it (https, or plain http only to loopback). */
export function s3EndpointFromEnv(ctx: CliContext): string | undefined {
  const raw = ctx.env(S3_ENDPOINT_ENV)?.trim() || undefined;
  return raw === undefined ? undefined : checkEndpointUrl(S3_ENDPOINT_ENV, raw);
}

/** The progress view of long commands: live on a terminal, plain timestamped lines otherwise (CI, NO_COLOR, pipes). */
export function createCliProgress(ctx: CliContext): ProgressSink {
  return createProgressView({
    write: (text) => ctx.io.err(text.replace(/\n$/, "")),
    live: ctx.color,
    color: ctx.color,
  });
}

/** The terminal prompt, only when there is a terminal to ask on. */
function terminalConfirm(ctx: CliContext): ((question: string) => Promise<boolean>) | undefined {
  if (!ctx.io.stdinIsTty) return undefined;
  return async (question) => {
    const { createClackPrompter } = await import("./prompter_clack.ts");
    const answer = await createClackPrompter().confirm({ message: question, initial: false });
    return answer === true;
  };
}

/** Runs `k8zner apply`. */
export async function runApplyCommand(ctx: CliContext, flags: ApplyFlags, deps: ApplyCommandDeps = {}) {
  const loaded = await loadConfig({ config: flags.config, cwd: ctx.cwd, env: ctx.env, requireEnv: true });
  const waitTimeoutMs = flags.timeout === undefined ? undefined : parseDuration(flags.timeout, "--timeout");
  const progress = createCliProgress(ctx);
  // Retries go through the progress view so a live task list is not torn by a stray line.
  const applyDeps = applyDepsFromEnv(ctx, { onRetry: createRetryReporter((line) => progress.note(line)), ...deps });
  if (waitTimeoutMs !== undefined) applyDeps.timeouts.waitReadyMs = waitTimeoutMs;
  const secrets = resolveSecretsLocation(loaded, ctx.cwd, flags.secretsDir);
  const cloudflareApiToken = loaded.spec.domain ? ctx.env("CF_API_TOKEN")?.trim() : undefined;
  const [accessEnv, secretEnv] = REQUIRED_ENV.backup;
  // Present whenever backup is set: loadConfig (requireEnv) refused the file otherwise, exit 2.
  const backupCredentials = loaded.spec.backup
    ? { accessKeyId: ctx.env(accessEnv)!.trim(), secretAccessKey: ctx.env(secretEnv)!.trim() }
    : undefined;
  const confirm = deps.confirm ?? terminalConfirm(ctx);
  ctx.io.err(
    `Applying ${loaded.displayPath} (cluster "${loaded.spec.name}", ${loaded.spec.mode}, ${loaded.spec.region})`,
  );
  const warning = apiExposureWarning(expandSpec(loaded.spec));
  if (warning) ctx.io.err(warning);
  let result;
  try {
    result = await runApply(applyDeps, {
      spec: loaded.spec,
      configPath: loaded.displayPath,
      configPositions: loaded.positions,
      secretsDir: secrets.dir,
      secretsGitignoreDir: secrets.gitignoreDir,
      yes: flags.yes === true,
      wait: flags.wait === true,
      ...(confirm ? { confirm } : {}),
      showPlan: (text) => progress.note(text),
      ...(cloudflareApiToken ? { cloudflareApiToken } : {}),
      ...(backupCredentials ? { backupCredentials } : {}),
    }, progress);
  } finally {
    progress.close();
  }
  const shown = (p: string) => shownPath(p, ctx.cwd);
  if (result.outcome === "bootstrapped") {
    ctx.io.out(
      [
        `Cluster "${result.cluster}" is bootstrapped and handed over to its operator.`,
        `  kubeconfig:  ${shown(result.kubeconfigPath!)}`,
        `  talosconfig: ${shown(result.talosconfigPath!)}`,
        `  API:         ${result.apiEndpoint}`,
        flags.wait
          ? "The cluster is Ready."
          : "The operator now installs the CNI, the other nodes and the addons. Follow it with: k8zner doctor --watch",
      ].join("\n"),
    );
  } else if (result.outcome === "updated") {
    ctx.io.out(`Cluster "${result.cluster}" updated; the operator reconciles the changes (k8zner doctor --watch).`);
    const upgrade = result.plan?.cluster.upgrade;
    if (upgrade) ctx.io.out(`${describeVersionChange(upgrade)}.`);
  } else if (result.outcome === "unchanged") {
    ctx.io.out(`Cluster "${result.cluster}" is up to date.`);
  } else {
    ctx.io.out(`Nothing changed.`);
  }
  return result;
}
