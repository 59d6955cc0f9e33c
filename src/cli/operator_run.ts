/**
 * `k8zner operator`: the in-cluster controller. Checks flags and environment (exit 2 on a mistake),
 * connects to the Kubernetes API, and runs the operator with JSON logs on stdout until SIGTERM/SIGINT
 * (watches stopped, Lease released, exit 0) or until leadership is lost (exit 1, so the Deployment
 * restarts the pod as a fresh candidate).
 *
 * @module
 */
import { BUILD_INFO } from "../build_info.ts";
import { CLUSTER_PHASES } from "../addons/k8zner_crd.ts";
import { createHcloudClient } from "../hcloud/mod.ts";
import { createHelmExec } from "../addons/helm/mod.ts";
import { createKubeClient } from "../kube/mod.ts";
import { SECRET_DIR_MODE, SECRET_FILE_MODE } from "../lib/secure_files.ts";
import { ExitStatus } from "../lib/errors.ts";
import { realTimers, scaledSleep, scaledTimers } from "../lib/timers.ts";
import { runOperator } from "../operator/operator.ts";
import { PHASE_STEPS } from "../operator/reconcile/steps/mod.ts";
import { countingFetch, createJsonLogger, OperatorMetrics } from "../operator/runtime/mod.ts";
import type { CliContext } from "./context.ts";
import { sleepFromEnv, timeScaleFromEnv } from "./hcloud_env.ts";
import { loadOperatorConfig, type OperatorFlags } from "./operator_config.ts";

/** Injected for tests. */
export interface OperatorCommandDeps {
  fetch?: typeof fetch;
  readTextFile?: (path: string) => Promise<string | undefined>;
  /** Subscribes to SIGTERM and SIGINT; returns the unsubscribe. */
  onStopSignal?: (handler: (signal: string) => void) => () => void;
}

async function pathKind(path: string): Promise<"file" | "directory" | "missing"> {
  try {
    return (await Deno.stat(path)).isDirectory ? "directory" : "file";
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return "missing";
    throw err;
  }
}

function absolutePath(path: string): string {
  return path.startsWith("/") ? path : `${Deno.cwd()}/${path}`;
}

/**
 * The private directory of Helm (0700): its kubeconfig when the operator writes one (0600), its cache,
 * config, data and values files. Removed when the command ends.
 */
async function helmWorkspace(kubeconfig: { path: string } | { yaml: string }) {
  const dir = await Deno.makeTempDir({ prefix: "k8zner-helm-" });
  await Deno.chmod(dir, SECRET_DIR_MODE);
  let kubeconfigPath: string;
  if ("path" in kubeconfig) kubeconfigPath = kubeconfig.path;
  else {
    kubeconfigPath = `${dir}/kubeconfig`;
    await Deno.writeTextFile(kubeconfigPath, kubeconfig.yaml, { mode: SECRET_FILE_MODE, createNew: true });
    await Deno.chmod(kubeconfigPath, SECRET_FILE_MODE);
  }
  return {
    kubeconfigPath,
    workDir: `${dir}/work`,
    remove: () => Deno.remove(dir, { recursive: true }).catch(() => {}),
  };
}

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return undefined;
    throw err;
  }
}

function listenForStop(handler: (signal: string) => void): () => void {
  const signals = ["SIGTERM", "SIGINT"] as const;
  const listeners = signals.map((s) => [s, () => handler(s)] as const);
  for (const [s, fn] of listeners) Deno.addSignalListener(s, fn);
  return () => {
    for (const [s, fn] of listeners) Deno.removeSignalListener(s, fn);
  };
}

/** Runs the operator until stopped. */
export async function runOperatorCommand(
  ctx: CliContext,
  flags: OperatorFlags,
  deps: OperatorCommandDeps = {},
): Promise<void> {
  const config = await loadOperatorConfig(flags, {
    env: ctx.env,
    readTextFile: deps.readTextFile ?? readIfExists,
    randomSuffix: () => crypto.randomUUID().slice(0, 8),
    pathKind,
    absolutePath,
  });
  const sleep = sleepFromEnv(ctx);
  const timeScale = timeScaleFromEnv(ctx);
  // One clock for every schedule of the operator (real unless a test scales it, see OPERATOR_CLOCK_SCALE_ENV).
  // The Kubernetes and Hetzner clients keep the real clock: their waits (request timeouts, Hetzner's
  // rate limit, which refills in real seconds) belong to the servers, not to the operator's schedule.
  const clockScale = config.clockScale ?? 1;
  const timers = scaledTimers(realTimers, clockScale);
  const operatorSleep = scaledSleep(sleep, clockScale);
  // The action waiter divides its schedule by how much faster Hetzner's actions run than the operator's
  // clock: a simulator at speed 200 against an operator clock at 60 is 200/60 times as fast.
  const actionTimeScale = timeScale === undefined && config.clockScale === undefined
    ? undefined
    : (timeScale ?? 1) / clockScale;
  const log = createJsonLogger({ write: (line) => ctx.io.out(line), level: config.logLevel });
  const metrics = new OperatorMetrics(CLUSTER_PHASES);
  const fetchFn = countingFetch(deps.fetch ?? globalThis.fetch, metrics);
  const kube = await createKubeClient({
    kubeconfigYaml: config.kube.kubeconfigYaml,
    ...(config.kube.tokenFile ? { tokenFile: config.kube.tokenFile } : {}),
    sleep,
  });
  const helmFiles = await helmWorkspace(config.helm.kubeconfig);
  const helm = createHelmExec({
    helmPath: config.helm.binary,
    kubeconfigPath: helmFiles.kubeconfigPath,
    workDir: helmFiles.workDir,
  });
  const stop = new AbortController();
  const unsubscribe = (deps.onStopSignal ?? listenForStop)((signal) => {
    log.info("stopping", { signal });
    stop.abort();
  });
  log.info("starting", {
    identity: config.identity,
    namespace: config.namespace,
    kubernetes: config.kube.source,
    talosAddressMapEntries: config.talosAddressMap.size,
    helm: config.helm.binary,
    chartsDir: config.helm.chartsDir,
    ...(config.clockScale !== undefined ? { testClockScale: config.clockScale } : {}),
  });
  for (
    const [what, path, want] of [
      ["helm binary", config.helm.binary, "file"],
      ["charts directory", config.helm.chartsDir, "directory"],
    ] as const
  ) {
    if ((await pathKind(path)) !== want) {
      log.warn(`${what} not found: addons cannot be installed from it`, { path });
    }
  }
  try {
    const result = await runOperator({
      kube,
      identity: config.identity,
      namespace: config.namespace,
      log,
      metrics,
      ...(config.healthAddress ? { healthAddress: config.healthAddress } : {}),
      ...(config.metricsAddress ? { metricsAddress: config.metricsAddress } : {}),
      steps: PHASE_STEPS,
      hcloud: (token) =>
        createHcloudClient({
          token,
          ...(config.hcloudEndpoint ? { endpoint: config.hcloudEndpoint } : {}),
          fetch: fetchFn,
          sleep,
          // Apart from the CLI's, in Hetzner's logs and the simulator's records.
          userAgent: `k8zner-operator/${BUILD_INFO.version}`,
          onRetry: (event) => log.info("Hetzner API retry", { ...event }),
        }),
      talosAddressMap: config.talosAddressMap,
      addons: {
        helm,
        chartsDir: config.helm.chartsDir,
        random: (n) => crypto.getRandomValues(new Uint8Array(n)),
      },
      now: timers.now,
      sleep: operatorSleep,
      timers,
      ...(actionTimeScale !== undefined ? { actionTimeScale } : {}),
      lease: config.lease,
      onListening: ({ health, metrics }) =>
        log.info("listening", {
          ...(health ? { health: `${health.hostname}:${health.port}` } : {}),
          ...(metrics ? { metrics: `${metrics.hostname}:${metrics.port}` } : {}),
        }),
    }, stop.signal);
    if (result.reason === "lost-leadership") {
      log.error("lost leadership, exiting so the pod restarts as a candidate", { reason: result.message });
      throw new ExitStatus(1);
    }
    log.info("stopped");
  } finally {
    unsubscribe();
    kube.close();
    await helmFiles.remove();
  }
}
