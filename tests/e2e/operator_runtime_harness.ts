/**
 * Readings and levers for end-to-end tests (and `scripts/measure_operator.ts`) of the real operator
 * processes in a local cloud: a cluster applied by the real CLI, its K8znerCluster and status, the
 * operator's Hetzner requests (told apart by User-Agent), the Lease holder, a CNI stand-in kept on
 * every Node, and a process's resident memory.
 *
 * @module
 */
import type { RequestRecord } from "../hcloud_sim/mod.ts";
import type { FakeKubeStore, KubeObj } from "../kube_fake/mod.ts";
import { type LocalCloud, type OperatorPod, type OperatorSpawn } from "../local_cloud/mod.ts";
import { clusterStore, isOperatorRequest, k8zner, makeWorkdir, renderConfig } from "./apply_harness.ts";
import { startK8zner } from "./k8zner_process.ts";

const NAMESPACE = "k8zner-system";

/** A cluster the real CLI applied and handed to the operator. */
export interface AppliedCluster {
  readonly name: string;
  readonly dir: string;
  /** The cluster's fake Kubernetes API objects. */
  readonly store: FakeKubeStore;
}

/** Runs `k8zner apply` for a new cluster `name` in `cloud`; throws with the CLI's output when it fails. */
export async function applyCluster(
  cloud: LocalCloud,
  name: string,
  mode: "dev" | "ha",
  workers: number,
): Promise<AppliedCluster> {
  const dir = await makeWorkdir(renderConfig(name, mode, workers));
  const r = await k8zner(cloud, dir, ["apply"]);
  if (r.code !== 0) throw new Error(`apply of ${name} failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
  const store = clusterStore(cloud, name);
  if (!store) throw new Error(`apply of ${name}: no Kubernetes API behind its load balancer`);
  return { name, dir, store };
}

/** The K8znerCluster `name`. */
export function clusterObject(store: FakeKubeStore, name: string): KubeObj | undefined {
  return store.getObject("k8zner.io/v1alpha1", "K8znerCluster", name, NAMESPACE);
}

/** A condition of the cluster's status, e.g. `CNIReady`. */
export function conditionOf(
  store: FakeKubeStore,
  name: string,
  type: string,
): { status: string; reason?: string; message?: string } | undefined {
  const status = clusterObject(store, name)?.status as
    | { conditions?: Array<{ type: string; status: string; reason?: string; message?: string }> }
    | undefined;
  return status?.conditions?.find((c) => c.type === type);
}

/** Changes the K8znerCluster's spec as `kubectl edit` would (a new generation). */
export function editSpec(store: FakeKubeStore, name: string, edit: (spec: Record<string, unknown>) => void): void {
  const obj = clusterObject(store, name);
  if (!obj) throw new Error(`Cannot edit K8znerCluster "${name}": not found`);
  const spec = structuredClone(obj.spec) as Record<string, unknown>;
  edit(spec);
  store.put({ ...obj, spec });
}

/** Sets `spec.workers.count`. */
export function setWorkers(store: FakeKubeStore, name: string, count: number): void {
  editSpec(store, name, (spec) => {
    (spec.workers as { count: number }).count = count;
  });
}

/** Hetzner requests the operator sent, from index `since` of the simulator's log on. */
export function operatorRequests(cloud: LocalCloud, since = 0): RequestRecord[] {
  return cloud.sim.requests.slice(since).filter(isOperatorRequest);
}

/** Requests that change something. */
export function mutatingOnly(requests: readonly RequestRecord[]): RequestRecord[] {
  return requests.filter((r) => r.method !== "GET" && r.method !== "HEAD");
}

/** The holder of the operator's Lease in the cluster, if any. */
export function leaseHolder(store: FakeKubeStore): string | undefined {
  const leases = store.listObjects("coordination.k8s.io/v1", "Lease", NAMESPACE);
  const held = leases.map((l) => (l.spec as { holderIdentity?: string } | undefined)?.holderIdentity).filter(
    (h): h is string => typeof h === "string" && h !== "",
  );
  if (held.length > 1) throw new Error(`more than one Lease holder in ${NAMESPACE}: ${held.join(", ")}`);
  return held[0];
}

/** The operator's Events in `k8zner-system`, oldest first (`reason: note`). */
export function operatorEvents(store: FakeKubeStore): Array<{ reason: string; note: string; created: string }> {
  return store.listObjects("v1", "Event", NAMESPACE).map((e) => ({
    reason: String(e.reason ?? ""),
    note: String(e.message ?? e.note ?? ""),
    created: String((e.metadata as { creationTimestamp?: string }).creationTimestamp ?? ""),
  }));
}

/** The pod's JSON log lines, parsed (other lines skipped). */
export function jsonLines(pod: OperatorPod): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  for (const line of pod.lines) {
    if (!line.startsWith("{")) continue;
    try {
      out.push(JSON.parse(line));
    } catch {
      // a line cut by a crash is no log record
    }
  }
  return out;
}

/** The last `n` output lines of every operator pod, for failure messages. */
export function operatorOutput(cloud: LocalCloud, n = 30): string {
  return [...cloud.operatorPods.values()].map((p) =>
    `--- ${p.name} (restarts ${p.restarts}):\n${p.lines.slice(-n).join("\n")}`
  ).join("\n");
}

/** `VmRSS` of process `pid` in KiB (Linux `/proc`), undefined once it is gone. */
export async function residentKiB(pid: number): Promise<number | undefined> {
  try {
    const status = await Deno.readTextFile(`/proc/${pid}/status`);
    const m = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Polls until `probe` returns something truthy; returns it and the real ms it took. */
export async function timeUntil<T>(
  what: string,
  probe: () => T | undefined | false,
  timeoutMs: number,
  everyMs = 10,
): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  for (;;) {
    const value = probe();
    if (value) return { value, ms: performance.now() - started };
    if (performance.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * The local cloud's operator spawner with one lever: `holds.set(podName, ms)` makes that pod's next
 * container start wait `ms` (as a slow image pull or a node under pressure would), once. The local
 * cloud restarts a killed container after its simulated CrashLoopBackOff, a few real milliseconds;
 * holding it lets a test see what the other replica does meanwhile. `pid` is 0 while held.
 */
export function spawnWithHolds(holds: Map<string, number>): OperatorSpawn {
  return (args, options) => {
    const podName = options.env.POD_NAME ?? "";
    const hold = holds.get(podName) ?? 0;
    if (hold <= 0) return startK8zner(args, options);
    holds.delete(podName);
    let child: ReturnType<typeof startK8zner> | undefined;
    let settle!: (status: { code: number; signal: Deno.Signal | null }) => void;
    const done = new Promise<{ code: number; signal: Deno.Signal | null }>((resolve) => settle = resolve);
    const timer = setTimeout(() => {
      child = startK8zner(args, options);
      child.done.then((r) => settle({ code: r.code, signal: r.signal }));
    }, hold);
    return {
      get pid() {
        return child?.pid ?? 0;
      },
      done,
      kill(signal: Deno.Signal = "SIGTERM") {
        if (child) return child.kill(signal);
        clearTimeout(timer);
        settle({ code: 128, signal });
      },
    };
  };
}
