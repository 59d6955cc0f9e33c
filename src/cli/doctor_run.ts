/**
 * The work of `k8zner doctor`: load the config (environment checks off: diagnosing must not need
 * `CF_API_TOKEN`), find the kubeconfig, run the checks once or every N seconds, print, and exit 1
 * when a check failed.
 *
 * @module
 */
import { runDoctor } from "../bootstrap/doctor.ts";
import {
  type DoctorReport,
  failures,
  isHealthy,
  renderDoctorJson,
  renderDoctorText,
} from "../bootstrap/doctor_report.ts";
import { DEFAULT_CALLER_IP_URL, detectCallerIp } from "../cluster/infra/caller_ip.ts";
import { expandSpec } from "../config/mod.ts";
import type { HcloudClient } from "../hcloud/mod.ts";
import { createKubeClient, type KubeClient } from "../kube/mod.ts";
import { UsageError, UserFacingError } from "../lib/errors.ts";
import { checkEndpointUrl } from "./endpoint_url.ts";
import type { CliContext } from "./context.ts";
import { hcloudClientFromEnv, type HcloudDeps, realSleep } from "./hcloud_env.ts";
import { findKubeconfig } from "./cluster_kubeconfig.ts";
import { loadConfig } from "./load_config.ts";
import { resolveSecretsLocation } from "./secrets_location.ts";
import type { EndpointProbes } from "../bootstrap/doctor_endpoints.ts";
import { createEndpointProbes } from "./doctor_probes.ts";
import { DNS_SERVER_ENV, parseDnsServer } from "./dns_server_env.ts";

/** Flags of `k8zner doctor`. */
export interface DoctorFlags {
  config?: string;
  json?: boolean;
  /** `true` (bare `--watch`) or the interval in seconds. */
  watch?: string | boolean;
  /** `--secrets-dir`: where the kubeconfig is (default `secrets/<cluster>/` beside the config). */
  secretsDir?: string;
}

/** Injected dependencies (tests replace them). */
export interface DoctorCommandDeps extends HcloudDeps {
  /** Fetch used to detect the caller's IP (default: the global fetch). */
  ipFetch?: typeof fetch;
  createKube?: (kubeconfigYaml: string) => Promise<KubeClient>;
  /** Sleep between `--watch` rounds (default: a real timer). */
  watchSleep?: (ms: number) => Promise<void>;
  /** Stop `--watch` after this many rounds (tests); unbounded by default (until Ctrl-C). */
  maxRounds?: number;
  /** DNS, TLS and HTTP probes of the public endpoints (default: the real network). */
  probes?: EndpointProbes;
}

/** Default `--watch` interval. */
export const DEFAULT_WATCH_SECONDS = 5;

/** Exit code 1 after the report is printed, without repeating it. */
export class DoctorFailedError extends UserFacingError {
  override name = "DoctorFailedError";
  readonly exitCode = 1;
}

/** Parses the `--watch` value: undefined (no watch), or seconds between rounds. */
export function parseWatch(value: string | boolean | undefined): number | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === true) return DEFAULT_WATCH_SECONDS;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 3600) {
    throw new UsageError(`Cannot use --watch "${value}": not a whole number of seconds from 1 to 3600`, {
      hint: `e.g. --watch 10, or --watch alone for every ${DEFAULT_WATCH_SECONDS} s`,
    });
  }
  return n;
}

/** Runs `k8zner doctor`; returns the last report. Throws {@link DoctorFailedError} when a check failed. */
export async function runDoctorCommand(
  ctx: CliContext,
  flags: DoctorFlags,
  deps: DoctorCommandDeps = {},
): Promise<DoctorReport> {
  const interval = parseWatch(flags.watch);
  const loaded = await loadConfig({ config: flags.config, cwd: ctx.cwd, env: ctx.env, requireEnv: false });
  const { spec } = loaded;
  const secrets = resolveSecretsLocation(loaded, ctx.cwd, flags.secretsDir);
  const desired = expandSpec(spec);
  const hasToken = (ctx.env("HCLOUD_TOKEN") ?? "").trim() !== "";
  const hc: HcloudClient | undefined = hasToken ? hcloudClientFromEnv(ctx, deps) : undefined;
  const rawIpUrl = ctx.env("K8ZNER_IP_URL")?.trim() || undefined;
  const ipUrl = rawIpUrl === undefined ? DEFAULT_CALLER_IP_URL : checkEndpointUrl("K8ZNER_IP_URL", rawIpUrl);
  const nameServer = parseDnsServer(ctx.env(DNS_SERVER_ENV));
  const probes = deps.probes ?? createEndpointProbes(nameServer ? { nameServer } : {});
  const sleep = deps.watchSleep ?? ((ms: number) => realSleep(ms));
  const now = ctx.now ?? (() => new Date());
  let report: DoctorReport;
  for (let round = 1;; round++) {
    report = await runDoctor({
      hc,
      kubeconfig: await findKubeconfig(ctx, secrets.dir),
      createKube: deps.createKube ?? ((yaml) => createKubeClient({ kubeconfigYaml: yaml })),
      detectCallerIp: () => detectCallerIp(deps.ipFetch ?? globalThis.fetch, ipUrl),
      ipUrl,
      now,
      probes,
    }, desired);
    if (flags.json) {
      ctx.io.out(renderDoctorJson(report, { compact: interval !== undefined }));
    } else {
      const clear = interval !== undefined && ctx.io.stdoutIsTty ? "\x1b[H\x1b[2J" : "";
      const footer = interval !== undefined
        ? `\n\nchecked ${report.checkedAt.slice(11, 19)} UTC, every ${interval} s; Ctrl-C to stop\n`
        : "";
      ctx.io.out(`${clear}${renderDoctorText(report, ctx.color)}${footer}`);
    }
    if (interval === undefined || (deps.maxRounds !== undefined && round >= deps.maxRounds)) break;
    await sleep(interval * 1000);
  }
  if (!isHealthy(report)) {
    const failed = failures(report);
    throw new DoctorFailedError(`doctor: ${failed.length} check(s) failed: ${failed.join(", ")}`);
  }
  return report;
}
