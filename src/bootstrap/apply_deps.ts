/**
 * What `apply` and `plan` need from the outside world, injected: the Hetzner client and the clients
 * built from the cluster's credentials (Talos, Kubernetes), timers, the caller-IP lookup and the
 * image build's SSH. {@link createApplyDeps} wires the real ones; tests swap single members.
 *
 * @module
 */
import type { HcloudClient } from "../hcloud/mod.ts";
import { createKubeClient, type KubeClient } from "../kube/mod.ts";
import { createActionWaiter } from "../cluster/infra/action_waiter.ts";
import { DEFAULT_CALLER_IP_URL, detectCallerIp } from "../cluster/infra/caller_ip.ts";
import type { ClusterDeps } from "../cluster/infra/deps.ts";
import type { TalosImageDeps } from "../cluster/image/ensure_image.ts";
import { createSshRunner } from "../cluster/image/ssh.ts";
import { createTalosDeps, type TalosCredentialsPem, type TalosDeps } from "../cluster/nodes/talos_deps.ts";
import { createS3Client, type S3Client } from "../s3/mod.ts";

/** Object Storage credentials (`HETZNER_S3_ACCESS_KEY`/`HETZNER_S3_SECRET_KEY`); never printed. */
export interface ObjectStorageCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/** Poll intervals (real milliseconds). */
export interface PollIntervals {
  /** Hetzner actions (one `GET /actions?id=…` per poll for all running actions). */
  actionsMs: number;
  /** Talos API probes (configure, etcd, kubeconfig). */
  talosMs: number;
  /** Kubernetes API probes and status polls. */
  kubeMs: number;
  /** A snapshot being made (minutes on Hetzner). */
  snapshotMs: number;
}

/** Defaults for the real cloud. */
export const DEFAULT_POLL_INTERVALS: Readonly<PollIntervals> = {
  actionsMs: 1000,
  talosMs: 2000,
  kubeMs: 2000,
  snapshotMs: 10_000,
};

/** The dependencies of `runApply` and `computeApplyPlan`. */
export interface ApplyDeps {
  hc: HcloudClient;
  /** Steps of `src/cluster/` (shares `hc` and one action waiter). */
  cluster: ClusterDeps;
  /** The image build's extra needs (SSH to the rescue system). */
  image: Omit<TalosImageDeps, "hcloud">;
  /** A Talos toolkit authenticated with the cluster's talosconfig credentials. */
  talos(credentials: TalosCredentialsPem): TalosDeps;
  /** A Kubernetes client for a kubeconfig (YAML). */
  kube(kubeconfigYaml: string): Promise<KubeClient>;
  /** The caller's public IPv4 (for the firewall when `api_allowlist` is empty). */
  detectCallerIp(): Promise<string>;
  /**
   * An Object Storage client for location `region`, and the endpoint it talks to (Hetzner's
   * `https://<region>.your-objectstorage.com`, or the override of a local cloud).
   */
  objectStorage(
    credentials: ObjectStorageCredentials,
    location: { region: string; endpoint: string },
  ): { client: S3Client; endpoint: string };
  /** Wall clock (certificates, timestamps in the cluster status). */
  now(): Date;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** The Hetzner API token, handed to the operator in its Secret (never printed). */
  hcloudToken: string;
  intervals: PollIntervals;
  /** Overall timeouts (real ms) of the long waits. */
  timeouts: { talosMs: number; kubeApiMs: number; waitReadyMs: number };
}

/** Inputs of {@link createApplyDeps}. */
export interface RealApplyDepsOptions {
  hc: HcloudClient;
  hcloudToken: string;
  fetch: typeof fetch;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Where the caller's IPv4 is asked (`K8ZNER_IP_URL`); default icanhazip. */
  callerIpUrl?: string;
  /** Object Storage endpoint instead of Hetzner's (`K8ZNER_S3_ENDPOINT`); buckets are then addressed by path. */
  s3Endpoint?: string;
  /**
   * Overrides every poll interval (a local cloud with simulated time runs much faster than Hetzner);
   * Hetzner actions keep their own schedule when `actionTimeScale` is given.
   */
  pollIntervalMs?: number;
  /** How many times faster than real time Hetzner's actions run (a simulator; see `createActionWaiter`). */
  actionTimeScale?: number;
  /** `--wait` timeout in ms (default 30 min). */
  waitTimeoutMs?: number;
  now?: () => Date;
}

/** The real dependencies. */
export function createApplyDeps(options: RealApplyDepsOptions): ApplyDeps {
  const p = options.pollIntervalMs;
  const intervals: PollIntervals = p === undefined
    ? { ...DEFAULT_POLL_INTERVALS }
    : { actionsMs: p, talosMs: p, kubeMs: p, snapshotMs: p };
  const sleep = options.sleep;
  const clock = Date.now;
  const scale = options.actionTimeScale;
  // One waiter for the run: the image build's actions and the infrastructure's share each poll.
  const actions = createActionWaiter(options.hc, {
    sleep,
    ...(scale !== undefined ? { timeScale: scale } : p !== undefined ? { pollIntervalMs: p } : {}),
  });
  return {
    hc: options.hc,
    cluster: { hc: options.hc, actions, sleep, clock },
    image: {
      actions,
      ssh: createSshRunner({ sleep, delayMs: sshDelayMs(intervals), attempts: sshAttempts(intervals) }),
      sleep,
      // On a simulator's clock the image build polls as often per action as against Hetzner.
      pollIntervalMs: scale === undefined ? intervals.actionsMs : DEFAULT_POLL_INTERVALS.actionsMs / scale,
      snapshotPollIntervalMs: scale === undefined ? intervals.snapshotMs : DEFAULT_POLL_INTERVALS.snapshotMs / scale,
    },
    talos: (credentials) =>
      createTalosDeps(credentials, { sleep, now: clock, ...(scale !== undefined ? { timeScale: scale } : {}) }),
    kube: (kubeconfigYaml) => createKubeClient({ kubeconfigYaml, sleep, now: clock }),
    detectCallerIp: () => detectCallerIp(options.fetch, options.callerIpUrl ?? DEFAULT_CALLER_IP_URL),
    objectStorage: (credentials, location) => createObjectStorage(options, credentials, location),
    now: options.now ?? (() => new Date()),
    sleep,
    hcloudToken: options.hcloudToken,
    intervals,
    timeouts: { talosMs: 600_000, kubeApiMs: 900_000, waitReadyMs: options.waitTimeoutMs ?? 30 * 60_000 },
  };
}

/**
 * An Object Storage client for `location` (Hetzner's endpoint, or `s3Endpoint` of a local cloud), and the
 * endpoint it talks to.
 */
export function createObjectStorage(
  options: Pick<RealApplyDepsOptions, "fetch" | "sleep" | "s3Endpoint" | "now">,
  credentials: ObjectStorageCredentials,
  location: { region: string; endpoint: string },
): { client: S3Client; endpoint: string } {
  const endpoint = options.s3Endpoint ?? location.endpoint;
  const client = createS3Client({
    endpoint,
    region: location.region,
    ...credentials,
    fetch: options.fetch,
    sleep: options.sleep,
    ...(options.now ? { clock: () => options.now!().getTime() } : {}),
    // Hetzner documents virtual-hosted addressing; a local endpoint on an IP address can only take paths.
    addressing: options.s3Endpoint === undefined ? "virtual-hosted" : "path",
  });
  return { client, endpoint };
}

/** Rescue SSH is polled at the Talos interval, at most every 5 s. */
function sshDelayMs(intervals: PollIntervals): number {
  return Math.min(5000, intervals.talosMs);
}

/**
 * A rescue system takes a while to boot whatever the poll interval: wait for SSH by time (at least
 * 2 minutes; 60 attempts at the default 5 s), not by a fixed count that a short interval shrinks.
 */
function sshAttempts(intervals: PollIntervals): number {
  return Math.max(60, Math.ceil(120_000 / sshDelayMs(intervals)));
}
