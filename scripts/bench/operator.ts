/**
 * Section "operator": the real `k8zner operator` process the local cloud runs for a dev cluster
 * (1 control plane, 2 workers) applied by the real CLI. Once it has converged (AddonsReady, workers
 * ready) and settled, it is watched idle for `idleMinutes` real minutes: its Hetzner requests (by
 * User-Agent), its Kubernetes requests (the fake API's request log, by its service account), the Helm
 * processes it starts, its resident memory at the end. Then `spec.workers.count` is raised `runs` times,
 * each time measuring the real ms until its first mutating Hetzner request. Last, the process is
 * restarted (SIGTERM; the local cloud's kubelet starts a new one) and the requests of its first passes
 * counted: what a running process spends once an hour (the server listing, `SERVER_LISTING_MAX_AGE_MS`)
 * and every 6 h (the infrastructure check, `INFRASTRUCTURE_RECHECK_MS`), which a window of a few real
 * minutes cannot show because the operator runs on the real clock. Window rate plus that fresh pass is an
 * upper bound of an idle hour (it counts the 6-hourly check every hour).
 *
 * Reuses the measurements of scripts/measure_operator.ts through the same harness.
 *
 * @module
 */
import { type LocalCloud, startLocalCloud } from "../../tests/local_cloud/mod.ts";
import {
  applyCluster,
  clusterObject,
  conditionOf,
  mutatingOnly,
  operatorOutput,
  operatorRequests,
  residentKiB,
  setWorkers,
  timeUntil,
} from "../../tests/e2e/operator_runtime_harness.ts";
import type { BenchRow, SectionOptions } from "./types.ts";

const NAME = "benchop";
const WORKERS = 2;
/** The operator's Kubernetes identity (its ServiceAccount). */
export const OPERATOR_USER = "system:serviceaccount:k8zner-system:k8zner-operator";
/** Time for passes in flight (status writes, the last listing) to finish before an idle window opens. */
const SETTLE_MS = 30_000;

/** The operator's Kubernetes requests over every API server of the cloud, from the given log lengths on. */
export function operatorKubeRequests(cloud: LocalCloud, since: ReadonlyMap<object, number> = new Map()): number {
  let n = 0;
  for (const api of cloud.kubeApiServers.values()) {
    n += api.requests.slice(since.get(api) ?? 0).filter((r) => r.user === OPERATOR_USER).length;
  }
  return n;
}

/** The operator's Kubernetes requests from the given log lengths on, counted by `METHOD path`, most first. */
export function operatorKubeBreakdown(cloud: LocalCloud, since: ReadonlyMap<object, number>): Array<[string, number]> {
  const counts = new Map<string, number>();
  for (const api of cloud.kubeApiServers.values()) {
    for (const r of api.requests.slice(since.get(api) ?? 0)) {
      if (r.user !== OPERATOR_USER) continue;
      const key = `${r.method} ${r.path}${/(^|&)watch=(1|true)/.test(r.query) ? "?watch" : ""}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return [...counts].sort((a, b) => b[1] - a[1]);
}

/** The request log length of every API server now. */
export function kubeLogMarks(cloud: LocalCloud): Map<object, number> {
  return new Map([...cloud.kubeApiServers.values()].map((api) => [api, api.requests.length]));
}

/** Ready workers in the cluster's status. */
export function workersReady(store: Parameters<typeof clusterObject>[0], name: string): number {
  const status = clusterObject(store, name)?.status as { workers?: { ready?: number } } | undefined;
  return status?.workers?.ready ?? 0;
}

/** Waits until the operator has installed the addons and every worker is ready (the operator's output on timeout). */
export async function untilConverged(
  cloud: LocalCloud,
  store: Parameters<typeof clusterObject>[0],
  name: string,
  workers: number,
): Promise<void> {
  await timeUntil(
    "AddonsReady True and every worker ready",
    () => conditionOf(store, name, "AddonsReady")?.status === "True" && workersReady(store, name) === workers,
    600_000,
    200,
  ).catch((err) => {
    throw new Error(`${err.message}\n${operatorOutput(cloud)}`);
  });
}

/** Idle hour (extrapolated), RSS after the idle window, spec change to first action. */
export async function operatorIdle(opts: SectionOptions): Promise<BenchRow[]> {
  await using cloud = await startLocalCloud({ speed: 200 });
  const cluster = await applyCluster(cloud, NAME, "dev", WORKERS);
  try {
    await untilConverged(cloud, cluster.store, NAME, WORKERS);
    opts.log(`operator: converged; settling ${SETTLE_MS / 1000} s before the idle window`);
    await new Promise((r) => setTimeout(r, SETTLE_MS));

    const pod = [...cloud.operatorPods.values()][0]!;
    const pid = pod.pid!;
    const hetznerFrom = cloud.sim.requests.length;
    const kubeFrom = kubeLogMarks(cloud);
    const helmFrom = cloud.helmInvocations().length;
    const started = performance.now();
    const windowMs = opts.idleMinutes * 60_000;
    opts.log(`operator: idle window of ${opts.idleMinutes} real min opens (pid ${pid})`);
    while (performance.now() - started < windowMs) {
      await new Promise((r) => setTimeout(r, Math.min(30_000, windowMs - (performance.now() - started))));
      opts.log(
        `operator: idle ${((performance.now() - started) / 60_000).toFixed(1)} min, ` +
          `${operatorRequests(cloud, hetznerFrom).length} Hetzner, ${operatorKubeRequests(cloud, kubeFrom)} Kubernetes`,
      );
    }
    const idleMs = performance.now() - started;
    const rssKiB = await residentKiB(pid);
    if (pod.restarts !== 0 || pod.pid !== pid) throw new Error("the operator restarted during the idle window");
    const perHour = (n: number) => n * 3_600_000 / idleMs;
    const idleHetzner = operatorRequests(cloud, hetznerFrom);
    const idleKube = operatorKubeRequests(cloud, kubeFrom);
    const idleHelm = cloud.helmInvocations().length - helmFrom;
    opts.log(
      `operator: idle Hetzner requests: ${
        idleHetzner.map((r) => `${r.method} ${r.path}${r.query}`).join(", ") || "none"
      }`,
    );

    opts.log(
      `operator: idle Kubernetes requests by path: ${
        operatorKubeBreakdown(cloud, kubeFrom).slice(0, 8).map(([k, n]) => `${n} ${k}`).join(", ")
      }`,
    );

    const reaction: number[] = [];
    for (let i = 0; i < opts.runs; i++) {
      const want = WORKERS + i + 1;
      const before = cloud.sim.requests.length;
      setWorkers(cluster.store, NAME, want);
      const first = await timeUntil(
        "the operator's first mutating request",
        () => mutatingOnly(operatorRequests(cloud, before))[0],
        60_000,
        5,
      );
      reaction.push(first.ms);
      opts.log(
        `operator: workers -> ${want}: ${first.value.method} ${first.value.path} after ${first.ms.toFixed(0)} ms`,
      );
      await timeUntil(`${want} workers ready`, () => workersReady(cluster.store, NAME) === want, 300_000, 200);
      await new Promise((r) => setTimeout(r, 5_000));
    }

    // A fresh process's first passes: the infrastructure check and the server listing an idle hour
    // includes (at most) once.
    await new Promise((r) => setTimeout(r, 20_000));
    const restartFrom = cloud.sim.requests.length;
    const current = [...cloud.operatorPods.values()][0]!;
    const oldPid = current.pid;
    current.kill("SIGTERM");
    await timeUntil("the operator restarted", () => current.pid !== undefined && current.pid !== oldPid, 60_000, 50);
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    const fresh = operatorRequests(cloud, restartFrom);
    opts.log(`operator: a fresh process's first passes: ${fresh.map((r) => `${r.method} ${r.path}`).join(", ")}`);

    const section = "operator";
    const window = `${(idleMs / 60_000).toFixed(1)} real min idle, extrapolated`;
    return [
      {
        section,
        metric: "idle hetzner requests",
        unit: "requests/h",
        runs: [perHour(idleHetzner.length)],
        goal: { op: "<=", value: 12 },
        note: window,
      },
      {
        section,
        metric: "idle hetzner requests, bound",
        unit: "requests/h",
        runs: [perHour(idleHetzner.length) + fresh.length],
        goal: { op: "<=", value: 12 },
        note: `window rate + a fresh process's first passes (${fresh.length}: listing + infrastructure check)`,
      },
      { section, metric: "idle kubernetes requests", unit: "requests/h", runs: [perHour(idleKube)], note: window },
      {
        section,
        metric: "idle helm processes",
        unit: "processes",
        runs: [idleHelm],
        goal: { op: "==", value: 0 },
        note: window,
      },
      {
        section,
        metric: "resident memory after idle window",
        unit: "MiB",
        runs: [(rssKiB ?? NaN) / 1024],
        note: `VmRSS after ${(idleMs / 60_000).toFixed(1)} real min idle`,
      },
      {
        section,
        metric: "spec change to first action",
        unit: "ms",
        runs: reaction,
        goal: { op: "<=", value: 2000 },
        note: "workers.count +1 -> first mutating Hetzner request",
      },
    ];
  } finally {
    await Deno.remove(cluster.dir, { recursive: true });
  }
}
