/**
 * The operator's Prometheus metrics, on a registry of its own: prom-client's default collectors read
 * Node internals (event loop lag, GC, handles) that Deno does not provide, so none are registered.
 *
 * @module
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { HelmExec } from "../../addons/helm/mod.ts";

/** Node roles as metric labels. */
export type MetricRole = "control-plane" | "worker";

/** The operator's metrics; one instance per process. */
export class OperatorMetrics {
  readonly registry = new Registry();
  readonly #reconciles = new Counter({
    name: "k8zner_reconcile_total",
    help: "Reconcile passes by cluster and result (success or error).",
    labelNames: ["cluster", "result"] as const,
    registers: [this.registry],
  });
  readonly #reconcileSeconds = new Histogram({
    name: "k8zner_reconcile_duration_seconds",
    help: "Duration of reconcile passes.",
    labelNames: ["cluster"] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
    registers: [this.registry],
  });
  readonly #nodesDesired = new Gauge({
    name: "k8zner_nodes_desired",
    help: "Nodes the cluster spec asks for, by role.",
    labelNames: ["cluster", "role"] as const,
    registers: [this.registry],
  });
  readonly #nodesReady = new Gauge({
    name: "k8zner_nodes_ready",
    help: "Nodes whose Ready condition is True, by role.",
    labelNames: ["cluster", "role"] as const,
    registers: [this.registry],
  });
  readonly #etcdMembers = new Gauge({
    name: "k8zner_etcd_members",
    help: "Voting etcd members.",
    labelNames: ["cluster"] as const,
    registers: [this.registry],
  });
  readonly #etcdLearners = new Gauge({
    name: "k8zner_etcd_learners",
    help: "etcd learners (members still catching up, not yet voting).",
    labelNames: ["cluster"] as const,
    registers: [this.registry],
  });
  readonly #replacements = new Counter({
    name: "k8zner_node_replacements_total",
    help: "Nodes replaced by healing, by role.",
    labelNames: ["cluster", "role"] as const,
    registers: [this.registry],
  });
  readonly #hcloudRequests = new Counter({
    name: "k8zner_hcloud_requests_total",
    help: "Hetzner Cloud API requests by HTTP method and status code.",
    labelNames: ["method", "code"] as const,
    registers: [this.registry],
  });
  readonly #hcloudRateLimit = new Gauge({
    name: "k8zner_hcloud_rate_limit_remaining",
    help: "The RateLimit-Remaining header of the last Hetzner Cloud API response.",
    registers: [this.registry],
  });
  readonly #helmProcesses = new Counter({
    name: "k8zner_helm_processes_total",
    help: "Helm processes started, by verb (upgrade, rollback, uninstall, ...) and result (success, failure, timeout).",
    labelNames: ["verb", "result"] as const,
    registers: [this.registry],
  });
  readonly #phase = new Gauge({
    name: "k8zner_cluster_phase",
    help: "1 for the cluster's current status.phase, 0 for the others.",
    labelNames: ["cluster", "phase"] as const,
    registers: [this.registry],
  });
  readonly #leader = new Gauge({
    name: "k8zner_leader",
    help: "1 while this replica holds the leader Lease.",
    registers: [this.registry],
  });

  constructor(readonly phases: readonly string[]) {
    this.#leader.set(0);
    this.#hcloudRateLimit.set(0);
  }

  /** Counts a reconcile pass of `cluster` and records how long it took. */
  observeReconcile(cluster: string, result: "success" | "error", seconds: number): void {
    this.#reconciles.inc({ cluster, result });
    this.#reconcileSeconds.observe({ cluster }, seconds);
  }

  /** Sets desired and ready node counts of one role. */
  setNodes(cluster: string, role: MetricRole, counts: { desired: number; ready: number }): void {
    this.#nodesDesired.set({ cluster, role }, counts.desired);
    this.#nodesReady.set({ cluster, role }, counts.ready);
  }

  /** Sets the etcd membership as last read from a control plane. */
  setEtcd(cluster: string, counts: { members: number; learners: number }): void {
    this.#etcdMembers.set({ cluster }, counts.members);
    this.#etcdLearners.set({ cluster }, counts.learners);
  }

  /** Counts one node replacement. */
  countReplacement(cluster: string, role: MetricRole): void {
    this.#replacements.inc({ cluster, role });
  }

  /** Counts one Hetzner API response; `rateLimitRemaining` from its header when present. */
  countHcloudRequest(method: string, code: number, rateLimitRemaining?: number): void {
    this.#hcloudRequests.inc({ method: method.toUpperCase(), code: String(code) });
    if (rateLimitRemaining !== undefined && Number.isFinite(rateLimitRemaining)) {
      this.#hcloudRateLimit.set(rateLimitRemaining);
    }
  }

  /** Counts one Helm process. */
  countHelm(verb: string, result: "success" | "failure" | "timeout"): void {
    this.#helmProcesses.inc({ verb, result });
  }

  /** Sets the one-hot phase gauge of `cluster`. */
  setPhase(cluster: string, phase: string): void {
    for (const p of this.phases) this.#phase.set({ cluster, phase: p }, p === phase ? 1 : 0);
  }

  /** Forgets every series of a deleted cluster. */
  forgetCluster(cluster: string): void {
    for (const metric of [this.#nodesDesired, this.#nodesReady, this.#replacements]) {
      for (const role of ["control-plane", "worker"]) metric.remove({ cluster, role });
    }
    for (const result of ["success", "error"]) this.#reconciles.remove({ cluster, result });
    this.#reconcileSeconds.remove({ cluster });
    for (const p of this.phases) this.#phase.remove({ cluster, phase: p });
    this.#etcdMembers.remove({ cluster });
    this.#etcdLearners.remove({ cluster });
  }

  /** Records whether this replica leads. */
  setLeader(leading: boolean): void {
    this.#leader.set(leading ? 1 : 0);
  }

  /** The exposition text and its content type. */
  async render(): Promise<{ body: string; contentType: string }> {
    return { body: await this.registry.metrics(), contentType: this.registry.contentType };
  }
}

/**
 * Wraps a fetch used for the Hetzner API so every response is counted by method and status, and
 * the `RateLimit-Remaining` header is kept. Network failures are counted with code 0.
 */
export function countingFetch(fetchFn: typeof fetch, metrics: OperatorMetrics): typeof fetch {
  return async (input, init) => {
    const method = init?.method ?? (input instanceof Request ? input.method : "GET");
    let res: Response;
    try {
      res = await fetchFn(input, init);
    } catch (err) {
      metrics.countHcloudRequest(method, 0);
      throw err;
    }
    const remaining = res.headers.get("ratelimit-remaining");
    metrics.countHcloudRequest(method, res.status, remaining === null ? undefined : Number(remaining));
    return res;
  };
}

/** Wraps a {@link HelmExec} so every process is counted by verb (its first argument) and result. */
export function countingHelm(helm: HelmExec, metrics: OperatorMetrics): HelmExec {
  return {
    async run(args, options) {
      const verb = args[0] ?? "helm";
      try {
        const result = await helm.run(args, options);
        metrics.countHelm(verb, result.timedOut ? "timeout" : result.code === 0 ? "success" : "failure");
        return result;
      } catch (err) {
        metrics.countHelm(verb, "failure");
        throw err;
      }
    },
  };
}
