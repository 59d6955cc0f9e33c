/**
 * Measures the real operator in a local cloud (issue 11's closing numbers):
 *
 * 1. Hetzner requests per idle hour: a dev cluster applied by the real CLI, brought to Running by the
 *    operator (Cilium and the addons installed with the real Helm), then left alone for `--idle-minutes`
 *    real minutes while every request with the operator's User-Agent is counted (and extrapolated to an
 *    hour), and every Helm process it starts (none expected once converged).
 * 2. Resident memory (`VmRSS` from /proc) of the operator process, sampled every second while Helm
 *    installs the addons and through the idle window; the time from the end of apply (hand-over) to
 *    `AddonsReady`.
 * 3. Spec change to first action: `spec.workers.count` raised on the idle cluster, then the real ms
 *    until the operator's first mutating Hetzner request and its first new Event.
 *
 * Usage: deno run -A scripts/measure_operator.ts [--idle-minutes 10] [--json out.json]
 *
 * @module
 */
import { parseArgs } from "node:util";
import { startLocalCloud } from "../tests/local_cloud/mod.ts";
import {
  applyCluster,
  clusterObject,
  conditionOf,
  mutatingOnly,
  operatorEvents,
  operatorOutput,
  operatorRequests,
  residentKiB,
  setWorkers,
  timeUntil,
} from "../tests/e2e/operator_runtime_harness.ts";

const NAME = "meas";
const WORKERS = 2;

function log(msg: string): void {
  console.log(`${new Date().toISOString()} ${msg}`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: Deno.args,
    options: { "idle-minutes": { type: "string", default: "10" }, json: { type: "string" } },
  });
  const idleMinutes = Number(values["idle-minutes"]);
  if (!(idleMinutes > 0)) throw new RangeError(`--idle-minutes must be > 0, got "${values["idle-minutes"]}"`);
  await using cloud = await startLocalCloud({ speed: 200 });
  const started = performance.now();
  const cluster = await applyCluster(cloud, NAME, "dev", WORKERS);
  log(`apply done in ${Math.round(performance.now() - started)} ms`);
  const workersReady = () => {
    const status = clusterObject(cluster.store, NAME)?.status as { workers?: { ready?: number } } | undefined;
    return status?.workers?.ready ?? 0;
  };
  const installRss: number[] = [];
  const sampler = setInterval(async () => {
    const pid = [...cloud.operatorPods.values()][0]?.pid;
    const kib = pid === undefined ? undefined : await residentKiB(pid);
    if (kib !== undefined) installRss.push(kib);
  }, 1_000);
  const converged = await timeUntil(
    "AddonsReady True and every worker ready",
    () => conditionOf(cluster.store, NAME, "AddonsReady")?.status === "True" && workersReady() === WORKERS,
    300_000,
    200,
  ).catch((err) => {
    throw new Error(`${err.message}\n${operatorOutput(cloud)}`);
  }).finally(() => clearInterval(sampler));
  const helmAtConvergence = cloud.helmInvocations().length;
  log(
    `AddonsReady ${Math.round(converged.ms)} ms after apply (hand-over); ${helmAtConvergence} Helm processes; ` +
      `operator VmRSS while installing: max ${Math.max(...installRss)} KiB over ${installRss.length} samples`,
  );
  // Let in-flight passes (status writes, the last server listing) finish before the window opens.
  await new Promise((r) => setTimeout(r, 30_000));

  const pod = [...cloud.operatorPods.values()][0]!;
  const pid = pod.pid!;
  const windowStart = cloud.sim.requests.length;
  const windowStartMs = performance.now();
  const rss: Array<{ minute: number; kib: number | undefined }> = [];
  rss.push({ minute: 0, kib: await residentKiB(pid) });
  log(`idle window opens: ${idleMinutes} min, operator pid ${pid}, VmRSS ${rss[0]!.kib} KiB`);
  const endAt = windowStartMs + idleMinutes * 60_000;
  while (performance.now() < endAt) {
    await new Promise((r) => setTimeout(r, Math.min(30_000, Math.max(0, endAt - performance.now()))));
    const minute = (performance.now() - windowStartMs) / 60_000;
    rss.push({ minute: Math.round(minute * 10) / 10, kib: await residentKiB(pid) });
    log(
      `idle ${minute.toFixed(1)} min: VmRSS ${rss.at(-1)!.kib} KiB, operator requests so far ${
        operatorRequests(cloud, windowStart).length
      }`,
    );
  }
  const idleMs = performance.now() - windowStartMs;
  const idleHelm = cloud.helmInvocations().slice(helmAtConvergence);
  log(`idle: ${idleHelm.length} Helm processes: ${idleHelm.map((a) => a.slice(0, 3).join(" ")).join(", ") || "none"}`);
  const idleRequests = operatorRequests(cloud, windowStart);
  const perHour = idleRequests.length * 3_600_000 / idleMs;
  log(
    `idle: ${idleRequests.length} operator requests in ${(idleMs / 60_000).toFixed(1)} min -> ${
      perHour.toFixed(1)
    }/h: ${idleRequests.map((r) => `${r.method} ${r.path}${r.query}`).join(", ") || "none"}`,
  );
  if (pod.restarts !== 0 || pod.pid !== pid) log(`WARNING: the operator restarted during the window`);

  // Spec change to first action, on the cluster that has been idle.
  const before = cloud.sim.requests.length;
  const eventsBefore = operatorEvents(cluster.store).length;
  setWorkers(cluster.store, NAME, WORKERS + 1);
  // Both polled from the change on, every 5 ms (Event timestamps have only second precision).
  const [firstMutation, firstEventSeen] = await Promise.all([
    timeUntil(
      "the operator's first mutating request",
      () => mutatingOnly(operatorRequests(cloud, before))[0],
      60_000,
      5,
    ),
    timeUntil("the operator's first new Event", () => operatorEvents(cluster.store).slice(eventsBefore)[0], 60_000, 5),
  ]);
  const firstEvent = firstEventSeen.value;
  const firstEventMs = firstEventSeen.ms;
  // The cost of the passes the idle window does not show: a fresh process ensures the infrastructure
  // and lists the servers, what a running one does every 6 h and every 60 min (the budget's cadences).
  await timeUntil("the new worker ready", () => workersReady() === WORKERS + 1, 120_000, 200);
  await new Promise((r) => setTimeout(r, 20_000));
  const restartFrom = cloud.sim.requests.length;
  pod.kill("SIGTERM");
  await timeUntil("the operator restarted", () => pod.pid !== undefined && pod.pid !== pid, 60_000, 50);
  await new Promise((r) => setTimeout(r, 30_000));
  const freshPass = operatorRequests(cloud, restartFrom).map((r) => `${r.method} ${r.path}${r.query}`);
  log(`a fresh process's first passes: ${freshPass.length} requests: ${freshPass.join(", ")}`);
  const result = {
    handoverToAddonsReadyMs: converged.ms,
    helmProcessesToConverge: helmAtConvergence,
    helmProcessesIdle: idleHelm.length,
    installRssMaxKiB: Math.max(...installRss),
    freshProcessRequests: freshPass,
    idleMinutes: idleMs / 60_000,
    idleRequests: idleRequests.map((r) => `${r.method} ${r.path}${r.query}`),
    requestsPerHour: perHour,
    rssKiB: rss,
    specChangeToFirstMutatingRequestMs: firstMutation.ms,
    firstMutatingRequest: `${firstMutation.value.method} ${firstMutation.value.path}`,
    specChangeToFirstEventMs: firstEventMs,
    firstEvent: `${firstEvent.reason}: ${firstEvent.note}`,
    operatorPid: pid,
  };
  log(`result ${JSON.stringify(result)}`);
  if (values.json) await Deno.writeTextFile(values.json, JSON.stringify(result, null, 2) + "\n");
  await Deno.remove(cluster.dir, { recursive: true });
}

if (import.meta.main) await main();
