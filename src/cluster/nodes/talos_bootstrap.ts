/**
 * The first control plane's Talos steps: bootstrap etcd exactly once, fetch the admin kubeconfig, and the
 * composite {@linkcode bootstrapFirstControlPlane} that runs configure -> wait -> etcd -> kubeconfig.
 *
 * "Exactly once" is detected, not remembered (ADR 0002): before `Bootstrap`, the node is asked whether etcd
 * already has members (`EtcdMemberList`, or service `etcd` Running); `AlreadyExists` from `Bootstrap` counts as
 * done. A killed apply that re-runs therefore never bootstraps a second etcd cluster.
 *
 * @module
 */
import { isTalosError, type TalosClient } from "../../talos/api_client.ts";
import type { TaskHandle } from "../../lib/progress.ts";
import { readKubeconfigFacts } from "../credentials/credentials.ts";
import { configureNode, type ConfigureOutcome, waitForConfigured } from "./talos_configure.ts";
import { isTransientTalosError, pollUntil, reasonOf, type TalosDeps, waitReasonOf } from "./talos_deps.ts";

/** What {@linkcode ensureEtcdBootstrapped} found or did. */
export type EtcdOutcome = "bootstrapped" | "already-bootstrapped";

/** Options of the etcd and kubeconfig steps. */
export interface TalosStepOptions {
  deps: Pick<TalosDeps, "sleep" | "now">;
  task?: TaskHandle;
  /** Default 10 min (etcd) / 15 min (kubeconfig). */
  timeoutMs?: number;
  /** Default 5 s. */
  intervalMs?: number;
  /** Deadline of each call (default 15 s). */
  callTimeoutMs?: number;
  signal?: AbortSignal;
}

/** Disaster recovery: etcd starts from this snapshot instead of empty (`talosctl bootstrap --recover-from`). */
export interface EtcdRecovery {
  /** The etcd snapshot (a secret: it holds every Secret of the cluster), integrity already checked. */
  snapshot: Uint8Array;
}

/**
 * True when etcd on the node already has members (or runs); false when it waits for its bootstrap.
 * Transient connection failures propagate so the caller retries.
 */
export async function isEtcdBootstrapped(
  client: TalosClient,
  options: { callTimeoutMs?: number; signal?: AbortSignal } = {},
): Promise<boolean> {
  const call = { timeoutMs: options.callTimeoutMs ?? 15_000, ...(options.signal ? { signal: options.signal } : {}) };
  try {
    const replies = await client.etcdMemberList(call);
    if (replies.some((r) => r.members.length > 0)) return true;
  } catch (err) {
    if (options.signal?.aborted) throw err;
    // Before the bootstrap etcd does not run, so the member list fails; the service state tells the rest.
  }
  const services = await client.serviceList(call);
  return services.some((reply) => reply.services.some((s) => s.id === "etcd" && s.state === "Running"));
}

/**
 * Bootstraps etcd on the node behind `client` unless it is already bootstrapped. Calls `Bootstrap` at most once
 * per detected "not bootstrapped" state; `ALREADY_EXISTS` counts as done, `FAILED_PRECONDITION` ("not available
 * yet", "time is not in sync yet") and connection failures are retried.
 */
export async function ensureEtcdBootstrapped(
  client: TalosClient,
  options: TalosStepOptions & { recover?: EtcdRecovery },
): Promise<EtcdOutcome> {
  let called = false;
  const callTimeoutMs = options.callTimeoutMs ?? 15_000;
  const signal = options.signal ? { signal: options.signal } : {};
  return await pollUntil(
    options.deps,
    `bootstrap etcd on ${client.endpoint}`,
    { timeoutMs: options.timeoutMs ?? 600_000, intervalMs: options.intervalMs ?? 5_000, signal: options.signal },
    async () => {
      try {
        if (await isEtcdBootstrapped(client, { callTimeoutMs, ...signal })) {
          return { done: true, value: called ? "bootstrapped" as const : "already-bootstrapped" as const };
        }
      } catch (err) {
        if (isTransientTalosError(err)) return { done: false, reason: waitReasonOf(err) };
        throw err;
      }
      called = true;
      try {
        if (options.recover) {
          // Uploaded again on every attempt: Talos keeps the last upload until a Bootstrap consumes it.
          options.task?.update(`uploading the etcd snapshot to ${client.endpoint}`);
          await client.etcdRecover(options.recover.snapshot, {
            timeoutMs: Math.max(callTimeoutMs, 120_000),
            ...signal,
          });
        }
        options.task?.update(`bootstrapping etcd on ${client.endpoint}${options.recover ? " from the snapshot" : ""}`);
        await client.bootstrap({
          timeoutMs: callTimeoutMs,
          ...signal,
          ...(options.recover ? { recoverEtcd: true } : {}),
        });
        return { done: true, value: "bootstrapped" as const };
      } catch (err) {
        if (isTalosError(err, "ALREADY_EXISTS")) return { done: true, value: "already-bootstrapped" as const };
        if (isTalosError(err, "FAILED_PRECONDITION") || isTransientTalosError(err)) {
          return { done: false, reason: waitReasonOf(err) };
        }
        throw err;
      }
    },
    (reason) => options.task?.update(`waiting to bootstrap etcd on ${client.endpoint} (${reason})`),
  );
}

/**
 * Fetches the admin kubeconfig the node generates, retrying until it can (the control plane is still coming up).
 * Refusals that waiting cannot fix (`PERMISSION_DENIED`, `UNIMPLEMENTED` on a worker…) are thrown at once.
 */
export async function fetchKubeconfig(client: TalosClient, options: TalosStepOptions): Promise<string> {
  const signal = options.signal ? { signal: options.signal } : {};
  return await pollUntil(
    options.deps,
    `fetch the kubeconfig from ${client.endpoint}`,
    { timeoutMs: options.timeoutMs ?? 900_000, intervalMs: options.intervalMs ?? 5_000, signal: options.signal },
    async () => {
      try {
        const text = await client.kubeconfig({ timeoutMs: options.callTimeoutMs ?? 30_000, ...signal });
        if (readKubeconfigFacts(text)) return { done: true, value: text };
        return { done: false, reason: "the node returned an incomplete kubeconfig" };
      } catch (err) {
        if (isTalosError(err, "PERMISSION_DENIED", "UNAUTHENTICATED", "UNIMPLEMENTED", "INVALID_ARGUMENT")) throw err;
        if (isTalosError(err)) return { done: false, reason: waitReasonOf(err) };
        throw err;
      }
    },
    (reason) => options.task?.update(`waiting for the kubeconfig from ${client.endpoint} (${reason})`),
  );
}

/** Inputs of {@linkcode bootstrapFirstControlPlane}. */
export interface FirstControlPlaneInput {
  /** Talos API endpoint of the first control plane (its public IP, or `ip:port`). */
  endpoint: string;
  /** Its rendered machine config (a secret). */
  configYaml: string;
  deps: TalosDeps;
  /** Progress rows; each is started and finished (done or skipped) here. */
  tasks?: { configure?: TaskHandle; etcd?: TaskHandle; kubeconfig?: TaskHandle };
  /** Per-step timeouts and poll interval (defaults as in the step functions). */
  timeouts?: { configureMs?: number; readyMs?: number; etcdMs?: number; kubeconfigMs?: number };
  intervalMs?: number;
  /**
   * Skips fetching the kubeconfig (e.g. a valid one is on disk); the result's `kubeconfig` is then undefined.
   */
  skipKubeconfig?: boolean;
  /** Bootstrap etcd from a snapshot (restore) instead of empty. */
  recover?: EtcdRecovery;
  signal?: AbortSignal;
}

/** What {@linkcode bootstrapFirstControlPlane} did. */
export interface FirstControlPlaneResult {
  configure: ConfigureOutcome;
  talosVersion: string;
  etcd: EtcdOutcome;
  /** The admin kubeconfig (a credential: never log it). */
  kubeconfig: string | undefined;
}

/**
 * Configure (maintenance mode) -> wait until configured -> bootstrap etcd once -> fetch the kubeconfig. Every
 * step detects work already done, so running it again after a crash at any point completes without repeating
 * it. A failed step marks its task failed and throws; nothing is undone.
 */
export async function bootstrapFirstControlPlane(input: FirstControlPlaneInput): Promise<FirstControlPlaneResult> {
  const { deps, endpoint, tasks = {}, timeouts = {} } = input;
  const common = {
    deps,
    ...(input.intervalMs !== undefined ? { intervalMs: input.intervalMs } : {}),
    ...(input.signal ? { signal: input.signal } : {}),
  };
  const configure = await step(tasks.configure, async (task) => {
    const outcome = await configureNode({
      ...common,
      endpoint,
      configYaml: input.configYaml,
      ...(task ? { task } : {}),
      ...(timeouts.configureMs !== undefined ? { timeoutMs: timeouts.configureMs } : {}),
    });
    const version = await waitForConfigured({
      ...common,
      endpoint,
      after: outcome,
      ...(task ? { task } : {}),
      ...(timeouts.readyMs !== undefined ? { timeoutMs: timeouts.readyMs } : {}),
    });
    const detail = `${endpoint} runs Talos ${version || "(unknown version)"}`;
    if (outcome === "already-configured") task?.skip(`already configured: ${detail}`);
    else task?.done(detail);
    return { outcome, version };
  });
  const client = deps.talosClient(endpoint);
  try {
    const etcd = await step(tasks.etcd, async (task) => {
      const outcome = await ensureEtcdBootstrapped(client, {
        ...common,
        ...(task ? { task } : {}),
        ...(timeouts.etcdMs !== undefined ? { timeoutMs: timeouts.etcdMs } : {}),
        ...(input.recover ? { recover: input.recover } : {}),
      });
      if (outcome === "already-bootstrapped") task?.skip("etcd already bootstrapped");
      else task?.done(`etcd ${input.recover ? "recovered from the snapshot" : "bootstrapped"} on ${endpoint}`);
      return outcome;
    });
    let kubeconfig: string | undefined;
    if (input.skipKubeconfig) tasks.kubeconfig?.skip("kubeconfig on disk is still valid");
    else {
      kubeconfig = await step(tasks.kubeconfig, async (task) => {
        const text = await fetchKubeconfig(client, {
          ...common,
          ...(task ? { task } : {}),
          ...(timeouts.kubeconfigMs !== undefined ? { timeoutMs: timeouts.kubeconfigMs } : {}),
        });
        task?.done("admin kubeconfig fetched");
        return text;
      });
    }
    return { configure: configure.outcome, talosVersion: configure.version, etcd, kubeconfig };
  } finally {
    await client.close();
  }
}

async function step<T>(task: TaskHandle | undefined, run: (task: TaskHandle | undefined) => Promise<T>): Promise<T> {
  task?.start();
  try {
    return await run(task);
  } catch (err) {
    task?.fail(reasonOf(err));
    throw err;
  }
}
