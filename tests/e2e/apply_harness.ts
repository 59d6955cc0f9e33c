/**
 * Shared setup of the `apply`/`plan` end-to-end tests: a working directory with a `k8zner.yaml`,
 * the environment that points the real CLI at a local cloud, and readings of the fakes (Talos
 * Bootstrap calls, the objects in the cluster's fake Kubernetes API).
 *
 * @module
 */
import type { LocalCloud } from "../local_cloud/mod.ts";
import type { RequestRecord } from "../hcloud_sim/mod.ts";
import type { FakeKubeApi, FakeKubeStore } from "../kube_fake/mod.ts";
import { type K8znerResult, runK8zner } from "./k8zner_process.ts";

/** Poll interval handed to the CLI: the local cloud's simulated time runs much faster than Hetzner's. */
export const E2E_POLL_MS = "100";

/** A `k8zner.yaml` for cluster `name`. */
export function renderConfig(name: string, mode: "dev" | "ha", workers = 2): string {
  return [
    `name: ${name}`,
    "region: fsn1",
    `mode: ${mode}`,
    "workers:",
    `  count: ${workers}`,
    "  size: cx33",
    "",
  ].join("\n");
}

/** A temporary working directory holding `k8zner.yaml`. */
export async function makeWorkdir(config: string): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "k8zner-e2e-" });
  await Deno.writeTextFile(`${dir}/k8zner.yaml`, config);
  return dir;
}

/**
 * Cap on each wait of the CLI (retry backoff, the pause between apply passes): a local cloud answers
 * in milliseconds and runs its simulated time 200 times faster, so waits sized for Hetzner only slow
 * the tests. The attempts stay as they are; deadlines (measured by the clock) are not shortened.
 */
export const E2E_MAX_SLEEP_MS = "20";

/** The environment that points the CLI at `cloud` (plain output, as in CI). */
export function cloudEnv(cloud: LocalCloud, extra: Record<string, string> = {}): Record<string, string> {
  return {
    HCLOUD_ENDPOINT: cloud.hcloudUrl,
    HCLOUD_TOKEN: "x",
    K8ZNER_IP_URL: cloud.ipEchoUrl,
    K8ZNER_POLL_INTERVAL_MS: E2E_POLL_MS,
    K8ZNER_MAX_SLEEP_MS: E2E_MAX_SLEEP_MS,
    // Actions are polled on the simulator's clock, so the CLI polls each as often as against Hetzner.
    K8ZNER_TIME_SCALE: String(cloud.speed),
    CI: "1",
    ...extra,
  };
}

/**
 * Runs the CLI in `dir` against `cloud`; returns the result and the Hetzner requests it made (the operator and
 * the cloud controller working in the same cloud meanwhile are told apart by their User-Agents: under load the
 * cloud controller may still be building the ingress load balancer while a later command runs).
 */
export async function k8zner(
  cloud: LocalCloud,
  dir: string,
  args: string[],
  env: Record<string, string> = cloudEnv(cloud),
): Promise<K8znerResult & { requests: RequestRecord[] }> {
  const before = cloud.sim.requests.length;
  const result = await runK8zner(args, { cwd: dir, env });
  return {
    ...result,
    requests: cloud.sim.requests.slice(before).filter(isCliRequest),
  };
}

/** Whether the operator (not the CLI) sent `request`. */
export function isOperatorRequest(request: RequestRecord): boolean {
  return request.userAgent?.startsWith("k8zner-operator/") === true;
}

/** Whether a simulator request came from the k8zner CLI: neither the operator nor the cloud controller. */
export function isCliRequest(request: RequestRecord): boolean {
  return !isOperatorRequest(request) && !isCcmRequest(request);
}

/** Whether a simulator request came from the cloud controller in the cluster (its User-Agent, `hcloud-cloud-controller/<version> hcloud-go/<version>`). */
export function isCcmRequest(request: RequestRecord): boolean {
  return request.userAgent?.startsWith("hcloud-cloud-controller/") === true;
}

/** `METHOD /path` of a request with numeric IDs folded to `{id}`, and its query's keys (sorted). */
export function endpointOf(request: RequestRecord): string {
  const path = request.path.replace(/\/\d+(?=\/|$)/g, "/{id}");
  const keys = [...new Set(new URLSearchParams(request.query).keys())].sort();
  return `${request.method} ${path}${keys.length ? `?${keys.join("&")}` : ""}`;
}

/** How many requests went to each endpoint ({@link endpointOf}). */
export function byEndpoint(requests: readonly RequestRecord[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of requests) counts[endpointOf(r)] = (counts[endpointOf(r)] ?? 0) + 1;
  return counts;
}

/**
 * Checks the CLI's Hetzner requests of a first `apply` against the budget of issue 14 (at most 60 for
 * an ha apply, CLI, operator and cloud controller together): one discovery whose lists the conflict
 * check and the image build share (each collection read at most once), no read of a single server,
 * action polls on each action's schedule. Returns what failed, empty when within.
 */
export function firstApplyOverBudget(requests: readonly RequestRecord[]): string[] {
  const problems: string[] = [];
  const gets = requests.filter((r) => r.method === "GET");
  const polls = gets.filter((r) => r.path === "/actions").length;
  for (const [endpoint, n] of Object.entries(byEndpoint(gets.filter((r) => r.path !== "/actions")))) {
    if (n > 1) problems.push(`${endpoint} sent ${n} times (at most once)`);
  }
  if (polls > FIRST_APPLY_BUDGET.polls) problems.push(`${polls} action polls (at most ${FIRST_APPLY_BUDGET.polls})`);
  const changes = mutating(requests).length;
  if (changes > FIRST_APPLY_BUDGET.mutating) {
    problems.push(`${changes} mutating requests (at most ${FIRST_APPLY_BUDGET.mutating})`);
  }
  if (requests.length > FIRST_APPLY_BUDGET.total) {
    problems.push(`${requests.length} requests (at most ${FIRST_APPLY_BUDGET.total})`);
  }
  return problems;
}

/**
 * The CLI's budget for a first apply (measured 08:48 UTC 2026-12-07, ADR 0010: 38 requests, 11 of
 * them polls, 9 other GETs, 18 mutating, of which the first control plane's are its create and its
 * attach; 39 and 19 with the power-on before). A little room for a poll more when the machine is
 * slow; none for a mutating request more.
 */
export const FIRST_APPLY_BUDGET = { total: 40, polls: 13, mutating: 18 } as const;

/** Requests that change something (anything but GET/HEAD). */
export function mutating(requests: readonly RequestRecord[]): RequestRecord[] {
  return requests.filter((r) => r.method !== "GET" && r.method !== "HEAD");
}

/** Successful Talos `Bootstrap` calls over every node of the cloud (alive now). */
export function bootstrapCalls(cloud: LocalCloud): number {
  let n = 0;
  for (const node of cloud.talosNodes.values()) {
    n += node.state.calls.filter((c) => c.method === "Bootstrap" && c.code === 0).length;
  }
  return n;
}

/** Every `Bootstrap` call, failed ones included. */
export function bootstrapAttempts(cloud: LocalCloud): number {
  let n = 0;
  for (const node of cloud.talosNodes.values()) n += node.state.calls.filter((c) => c.method === "Bootstrap").length;
  return n;
}

/**
 * The fake Kubernetes API behind the cluster's load balancer (undefined while none answers). Apart from
 * {@link handoverObjects}: polls that only want the store (every 20 ms in some scenarios) should not copy
 * six objects, among them a CRD, to get it.
 */
export function clusterApi(cloud: LocalCloud, cluster: string): FakeKubeApi | undefined {
  const lb = [...cloud.sim.state.loadBalancers.values()].find((l) => l.name === `${cluster}-kube`);
  return lb ? cloud.kubeApis.get(lb.id) : undefined;
}

/** The store of {@link clusterApi}: what the cluster's API serves. */
export function clusterStore(cloud: LocalCloud, cluster: string): FakeKubeStore | undefined {
  return clusterApi(cloud, cluster)?.store;
}

/** The cluster's hand-over objects in the fake Kubernetes API behind its load balancer. */
export function handoverObjects(cloud: LocalCloud, cluster: string) {
  const api = clusterApi(cloud, cluster);
  const store = api?.store;
  return {
    store,
    apiRunning: api !== undefined,
    crd: store?.getObject("apiextensions.k8s.io/v1", "CustomResourceDefinition", "k8znerclusters.k8zner.io"),
    deployment: store?.getObject("apps/v1", "Deployment", "k8zner-operator", "k8zner-system"),
    cloudSecret: store?.getObject("v1", "Secret", "k8zner-cloud-credentials", "k8zner-system"),
    talosSecret: store?.getObject("v1", "Secret", "k8zner-talos-credentials", "k8zner-system"),
    /** The combined Secret of clusters applied before the credentials split; apply removes it. */
    legacySecret: store?.getObject("v1", "Secret", "k8zner-credentials", "k8zner-system"),
    cluster: store?.getObject("k8zner.io/v1alpha1", "K8znerCluster", cluster, "k8zner-system"),
  };
}

/** One status the operator wrote to a K8znerCluster. */
export interface StatusRecord {
  generation: number;
  observedGeneration: number;
  /** As `--wait` heads its line: `Running`, or e.g. `Provisioning (CNI)`. */
  headline: string;
}

/**
 * Every status the operator wrote to the K8znerCluster, without consecutive repeats, replayed from the fake
 * API's change history: what the operator went through, whereas `--wait`, polling, sees only what
 * the status says at each of its polls.
 */
export function clusterStatusHistory(cloud: LocalCloud, cluster: string): StatusRecord[] {
  const store = clusterStore(cloud, cluster);
  if (!store) return [];
  const history: StatusRecord[] = [];
  const stop = store.watch(
    store.typeOf("k8zner.io/v1alpha1", "K8znerCluster"),
    "k8zner-system",
    (o) => (o.metadata as { name: string }).name === cluster,
    "1",
    (event) => {
      const s = (event.object.status ?? {}) as {
        observedGeneration?: number;
        phase?: string;
        provisioningPhase?: string;
      };
      if (!s.phase) return;
      const record = {
        generation: Number((event.object.metadata as { generation?: number }).generation ?? 0),
        observedGeneration: s.observedGeneration ?? 0,
        // The same headline as summarizeClusterStatus (src/cluster/handover/status.ts).
        headline: s.provisioningPhase && s.provisioningPhase !== "Running"
          ? `${s.phase} (${s.provisioningPhase})`
          : s.phase,
      };
      const last = history.at(-1);
      if (JSON.stringify(last) !== JSON.stringify(record)) history.push(record);
    },
  );
  stop();
  return history;
}

/** `values` without consecutive repeats. */
export function withoutRepeats(values: readonly string[]): string[] {
  return values.filter((v, i) => i === 0 || values[i - 1] !== v);
}

/** Whether `part` is `whole` with some elements left out (order kept). */
export function isSubsequence(part: readonly string[], whole: readonly string[]): boolean {
  let i = 0;
  for (const w of whole) if (i < part.length && part[i] === w) i++;
  return i === part.length;
}

/**
 * Requests and connections the cluster's fake Kubernetes APIs have seen, by client: Helm and kubectl
 * name themselves in their User-Agent, k8zner's client (CLI and operator) sends none. Each HTTPS
 * connection cost both sides a mutual-TLS handshake.
 */
export function kubeTraffic(
  cloud: LocalCloud,
): { requests: Record<string, number>; connections: Record<string, number> } {
  const clientOf = (userAgent: string | undefined) => userAgent ? userAgent.split("/")[0]! : "k8zner";
  const requests: Record<string, number> = {};
  const connections: Record<string, number> = {};
  for (const api of new Set([...cloud.kubeApis.values(), ...cloud.kubeApiServers.values()])) {
    for (const r of api.requests) requests[clientOf(r.userAgent)] = (requests[clientOf(r.userAgent)] ?? 0) + 1;
    for (const c of api.connections()) connections[clientOf(c)] = (connections[clientOf(c)] ?? 0) + 1;
  }
  return { requests, connections };
}

/** File mode bits (e.g. 0o600). */
export async function modeOf(path: string): Promise<number> {
  return (await Deno.stat(path)).mode! & 0o777;
}

/** Counts by method, e.g. `{GET: 30, POST: 17}`. */
export function byMethod(requests: readonly RequestRecord[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of requests) counts[r.method] = (counts[r.method] ?? 0) + 1;
  return counts;
}

/** `<lb> <listen>-><destination>` for every load balancer service that touches Talos (50000) or trustd (50001). */
export function talosServicesOnLoadBalancers(cloud: LocalCloud): string[] {
  const talos = (port: unknown) => port === 50000 || port === 50001;
  return [...cloud.sim.state.loadBalancers.values()].flatMap((lb) =>
    lb.services.filter((s) =>
      talos(s.listen_port) || talos(s.destination_port) ||
      talos((s.health_check as { port?: number } | undefined)?.port)
    ).map((s) => `${lb.name} ${s.listen_port}->${s.destination_port}`)
  );
}

/**
 * Waits until the real operator has settled on `cluster`: its status observes the current generation and
 * `Progressing` is False. Returns the status. The deadline is generous on purpose: it only ends a run that hangs,
 * and a slow CI machine running four end-to-end files at once took over 120 s for two clusters' Helm installs.
 */
export async function operatorSettled(
  cloud: LocalCloud,
  cluster: string,
  timeoutMs = 300_000,
): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const object = handoverObjects(cloud, cluster).cluster;
    const status = object?.status as
      | { observedGeneration?: number; conditions?: Array<{ type: string; status: string }> }
      | undefined;
    const generation = (object?.metadata as { generation?: number } | undefined)?.generation;
    const progressing = status?.conditions?.find((c) => c.type === "Progressing")?.status;
    if (status && status.observedGeneration === generation && progressing === "False") return status;
    if (Date.now() > deadline) {
      throw new Error(`the operator did not settle on ${cluster} in ${timeoutMs} ms: ${JSON.stringify(status)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
