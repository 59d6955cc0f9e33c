/**
 * One Helm release brought to what the catalog wants: read its state from Helm's storage (done by the
 * caller, one list per pass), decide (`planRelease`), run Helm only when the decision is not "none" and
 * no backoff is pending, then report `status.addons[name]`, an Event and the retry time.
 *
 * While Helm runs (minutes for Cilium with `--wait`) the entry is patched to Installing, Upgrading or
 * Recovering at once, so `kubectl get k8z -o yaml` and `apply --wait` show what is going on; the
 * cluster object's status in the context is updated with it, so the end of the pass compares against
 * what is stored.
 *
 * A Helm run does not hold the pass: after {@link HELM_INLINE_WAIT_MS} it goes on in the background (kept
 * in the cluster's memory) and later passes report it busy until it ends, then take its result. Otherwise a
 * node dying during an addon install (its DaemonSet pod never ready, so `--wait` runs into its timeout)
 * would keep healing, which runs in every pass, from replacing it for the whole Helm timeout.
 *
 * @module
 */
import type { AddonRelease } from "../../../addons/catalog.ts";
import { chartArchive } from "../../../addons/catalog.ts";
import { type AddonPhaseName, K8ZNER_API_VERSION, K8ZNER_CLUSTER_KIND } from "../../../addons/k8zner_crd.ts";
import {
  type ChartSource,
  helmErrorSummary,
  type HelmResult,
  nextBackoff,
  planRelease,
  type ReleaseBackoff,
  type ReleasePlan,
  type ReleaseRevision,
  rollbackArgs,
  uninstallArgs,
  upgradeInstallArgs,
  valuesHash,
  waitMs,
} from "../../../addons/helm/mod.ts";
import type { ReconcileContext } from "../context.ts";
import { renderTime } from "../conditions.ts";

/** `status.addons[name]` as the operator writes it (every key always present, so idle passes compare equal). */
export interface AddonStatusEntry {
  phase: AddonPhaseName;
  chartVersion: string;
  valuesHash: string;
  attempts: number;
  lastError: string;
  retryAt: string;
  message: string;
  lastTransitionTime: string;
  installOrder: number;
}

/** What reconciling one release found. */
export interface ReleaseOutcome {
  name: string;
  /** Deployed with the wanted chart version and values. */
  ready: boolean;
  entry: AddonStatusEntry;
  /** When to look again (a backoff expiring); absent when ready. */
  requeueAfterMs?: number;
}

/** Options of {@link reconcileRelease}. */
export interface ReconcileReleaseOptions {
  /** Position in install order (shown by doctor). */
  installOrder: number;
  /** Set when the release must not run yet: the sentence why (e.g. it waits for the CCM). */
  blockedBy?: string;
}

/** Extra time Helm's own `--timeout` gets before the process is killed. */
const KILL_GRACE_MS = 60_000;

/**
 * How long a pass waits for a Helm run before leaving it to the background (real time: a child process).
 * Short: a spec change waits for the pass in progress, and users expect one to act within seconds.
 */
export const HELM_INLINE_WAIT_MS = 500;
/**
 * Requeue while a Helm run goes on in the background. The run's end queues a pass itself (`ctx.requeue`),
 * so this is only the fallback: every pass also asks the control planes' etcd, which is not free.
 */
export const HELM_RUNNING_POLL_MS = 15_000;

type RunResult = HelmResult & { verb: string };

/** A Helm run of one release that outlives the pass that started it. */
interface HelmRun {
  plan: ReleasePlan;
  attempt: number;
  busy: AddonPhaseName;
  message: string;
  done: Promise<RunResult>;
  result?: RunResult;
}

function runKey(name: string): string {
  return `helm-run/${name}`;
}

/** The same words after an install and in every later pass, so an idle pass changes nothing. */
function deployedMessage(chartVersion: string): string {
  return `Deployed with chart ${chartVersion} and the wanted values`;
}

function memoryKey(name: string): string {
  return `helm-backoff/${name}`;
}

function previousEntry(ctx: ReconcileContext, name: string): Partial<AddonStatusEntry> | undefined {
  const addons = (ctx.cluster.status as { addons?: Record<string, Partial<AddonStatusEntry>> } | undefined)?.addons;
  return addons?.[name];
}

async function chartSource(chartsDir: string, release: AddonRelease): Promise<ChartSource> {
  const archive = `${chartsDir.replace(/\/+$/, "")}/${chartArchive(release.chart)}`;
  try {
    if ((await Deno.stat(archive)).isFile) return { archive };
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  // Out-of-cluster development: no image, so no archives; Helm fetches the same pinned version.
  return { pin: release.chart };
}

function verbOf(plan: ReleasePlan): { phase: AddonPhaseName; doing: string } {
  switch (plan.action) {
    case "install":
      return { phase: "Installing", doing: "installing" };
    case "upgrade":
      return { phase: plan.reason === "failed" ? "Installing" : "Upgrading", doing: "upgrading" };
    case "rollback":
      return { phase: "Recovering", doing: `rolling back to revision ${plan.to}` };
    case "reinstall":
      return { phase: "Recovering", doing: "uninstalling and installing again" };
    case "none":
      return { phase: "Installed", doing: "nothing" };
  }
}

/** Reconciles one release; never throws for a Helm failure (that is reported in the entry). */
export async function reconcileRelease(
  ctx: ReconcileContext,
  release: AddonRelease,
  revisions: readonly ReleaseRevision[],
  options: ReconcileReleaseOptions,
): Promise<ReleaseOutcome> {
  const now = ctx.now();
  const hash = await valuesHash(release.values);
  const target = { chartVersion: release.chart.version, valuesHash: hash };
  const plan = planRelease(revisions, target);
  const previous = previousEntry(ctx, release.name);
  const sameTarget = previous?.chartVersion === target.chartVersion && previous?.valuesHash === hash;
  const attempts = sameTarget ? previous?.attempts ?? 0 : 0;
  const entry = (phase: AddonPhaseName, fields: Partial<AddonStatusEntry>): AddonStatusEntry => ({
    phase,
    chartVersion: target.chartVersion,
    valuesHash: hash,
    attempts,
    lastError: previous?.lastError ?? "",
    retryAt: "",
    message: "",
    installOrder: options.installOrder,
    ...fields,
    lastTransitionTime: previous?.phase === phase && previous.lastTransitionTime
      ? previous.lastTransitionTime
      : renderTime(now),
  });

  const running = ctx.memory.get(runKey(release.name)) as HelmRun | undefined;
  if (running) {
    if (!running.result) return busyOutcome(release.name, entry(running.busy, { message: running.message }));
    ctx.memory.delete(runKey(release.name));
    return await finishRun(ctx, release, running, revisions, entry);
  }

  if (plan.action === "none") {
    ctx.memory.delete(memoryKey(release.name));
    return {
      name: release.name,
      ready: true,
      entry: entry("Installed", { message: deployedMessage(target.chartVersion) }),
    };
  }
  if (options.blockedBy) {
    return {
      name: release.name,
      ready: false,
      entry: entry(previous?.phase === "Failed" ? "Failed" : "Pending", {
        message: options.blockedBy,
        retryAt: previous?.retryAt ?? "",
      }),
    };
  }
  const backoff = ctx.memory.get(memoryKey(release.name)) as ReleaseBackoff | undefined;
  const wait = waitMs(backoff, now);
  if (wait > 0) {
    return {
      name: release.name,
      ready: false,
      requeueAfterMs: wait,
      entry: entry("Failed", {
        message: previous?.message ?? "The last Helm run failed",
        retryAt: renderTime(backoff!.retryAtMs),
      }),
    };
  }

  const { phase: busy, doing } = verbOf(plan);
  const message = `Helm is ${doing} ${release.name}`;
  await announce(ctx, release.name, entry(busy, { message }));
  const run: HelmRun = {
    plan,
    attempt: attempts + 1,
    busy,
    message,
    done: runPlan(ctx, release, plan, target, revisions).catch((err: Error): RunResult => ({
      code: -1,
      stdout: "",
      stderr: err.message,
      verb: "run",
    })),
  };
  run.done.then((result) => {
    run.result = result;
    ctx.requeue?.();
  });
  ctx.memory.set(runKey(release.name), run);
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([
    run.done,
    new Promise((resolve) => timer = setTimeout(resolve, ctx.addons.helmInlineWaitMs ?? HELM_INLINE_WAIT_MS)),
  ]);
  clearTimeout(timer);
  if (!run.result) return busyOutcome(release.name, entry(busy, { message }));
  ctx.memory.delete(runKey(release.name));
  return await finishRun(ctx, release, run, revisions, entry);
}

function busyOutcome(name: string, entry: AddonStatusEntry): ReleaseOutcome {
  return { name, ready: false, requeueAfterMs: HELM_RUNNING_POLL_MS, entry };
}

/** Takes the result of a finished Helm run: the status entry, an Event, and the backoff on failure. */
async function finishRun(
  ctx: ReconcileContext,
  release: AddonRelease,
  run: HelmRun,
  revisions: readonly ReleaseRevision[],
  entry: (phase: AddonPhaseName, fields: Partial<AddonStatusEntry>) => AddonStatusEntry,
): Promise<ReleaseOutcome> {
  const { plan, attempt: runs } = run;
  const result = run.result!;
  const chartVersion = release.chart.version;
  const done = ctx.now();
  const backoff = ctx.memory.get(memoryKey(release.name)) as ReleaseBackoff | undefined;
  if (result.code !== 0) {
    const next = nextBackoff(backoff, done);
    ctx.memory.set(memoryKey(release.name), next);
    const lastError = helmErrorSummary(result.stderr, result.code);
    const retryInS = Math.round((next.retryAtMs - done) / 1000);
    const message = `helm ${result.verb} failed (attempt ${runs}); retrying in ${retryInS} s`;
    ctx.log.warn("helm failed", { release: release.name, verb: result.verb, code: result.code, attempt: runs });
    await ctx.events.record(ctx.cluster, "Warning", "AddonFailed", "Helm", `${release.name}: ${message}: ${lastError}`);
    return {
      name: release.name,
      ready: false,
      requeueAfterMs: next.retryAtMs - done,
      entry: entry("Failed", { attempts: runs, lastError, message, retryAt: renderTime(next.retryAtMs) }),
    };
  }
  ctx.memory.delete(memoryKey(release.name));
  const everDeployed = revisions.some((r) => r.status === "deployed" || r.status === "superseded");
  const [reason, what] = plan.action === "install" || (plan.action === "upgrade" && !everDeployed)
    ? ["AddonInstalled", "installed"]
    : plan.action === "upgrade"
    ? ["AddonUpgraded", `upgraded (${plan.reason})`]
    : ["AddonRecovered", plan.action === "rollback" ? `recovered by rollback to revision ${plan.to}` : "reinstalled"];
  ctx.log.info("helm release ready", { release: release.name, action: plan.action, attempt: runs });
  await ctx.events.record(
    ctx.cluster,
    "Normal",
    reason,
    "Helm",
    `${release.name} ${what}: chart ${chartVersion}, attempt ${runs}`,
  );
  return {
    name: release.name,
    ready: true,
    entry: entry("Installed", { attempts: runs, message: deployedMessage(chartVersion) }),
  };
}

/** Runs what `plan` says; the result of the last Helm process (or the first failing one). */
async function runPlan(
  ctx: ReconcileContext,
  release: AddonRelease,
  plan: ReleasePlan,
  target: { chartVersion: string; valuesHash: string },
  revisions: readonly ReleaseRevision[],
): Promise<RunResult> {
  const helm = ctx.addons.helm;
  const timeoutMs = release.timeoutSeconds * 1000 + KILL_GRACE_MS;
  const run = async (verb: string, args: string[], values?: string) => {
    ctx.log.info("helm", { release: release.name, verb });
    const result = await helm.run(args, { timeoutMs, signal: ctx.signal, ...(values ? { values } : {}) });
    return { ...result, verb };
  };
  const common = { release: release.name, namespace: release.namespace, timeoutSeconds: release.timeoutSeconds };
  const install = async () =>
    await run(
      "upgrade --install",
      upgradeInstallArgs({
        ...common,
        source: await chartSource(ctx.addons.chartsDir, release),
        ...target,
        ...(release.clientSideApply ? { clientSideApply: true } : {}),
      }),
      // JSON is YAML: Helm reads it as a values file.
      JSON.stringify(release.values),
    );
  if (plan.action === "rollback") {
    await ctx.requireLeadership(`helm rollback ${release.name}`);
    const rolled = await run("rollback", rollbackArgs({ ...common, revision: plan.to }));
    if (rolled.code !== 0) return rolled;
    const good = revisions.find((r) => r.version === plan.to);
    // Back on the last good revision; bring it to the wanted chart and values in the same pass.
    if (good?.chartVersion === target.chartVersion && good.valuesHash === target.valuesHash) return rolled;
    return await install();
  }
  if (plan.action === "reinstall") {
    // Only reached when the release never had a good revision: nothing that worked is removed.
    await ctx.requireLeadership(`helm uninstall ${release.name}`);
    const removed = await run("uninstall", uninstallArgs(common));
    if (removed.code !== 0) return removed;
  }
  return await install();
}

async function announce(ctx: ReconcileContext, name: string, entry: AddonStatusEntry): Promise<void> {
  const cluster = ctx.cluster;
  const updated = await ctx.kube.patchStatus(
    K8ZNER_API_VERSION,
    K8ZNER_CLUSTER_KIND,
    cluster.metadata.name,
    cluster.metadata.namespace,
    { addons: { [name]: entry } },
  );
  cluster.status = updated.status;
}
