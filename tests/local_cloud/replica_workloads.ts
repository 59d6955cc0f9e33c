/**
 * The Deployment, StatefulSet and Job controllers of a local cloud cluster, modelled without pods:
 * each replica is placed on a Node as kube-scheduler would place its pod, and counts as ready once
 * a pod could run there. The status written is what the real controllers write for that state, so
 * Helm's `--wait` (kstatus) sees the same thing it would see on a real cluster:
 *
 * - Placement (scheduling.ts): `nodeSelector`, required node affinity, NoSchedule/NoExecute taints vs
 *   the template's tolerations (no DaemonSet defaults here), `spec.unschedulable`; a required pod
 *   anti-affinity term matching the template's own labels allows one replica per value of its
 *   `topologyKey`; host-network pods with container ports allow one per node. Replicas that fit
 *   nowhere stay pending: a chart pinned to control planes without tolerating their taint never
 *   becomes ready. A placed replica stays while its Node exists and has no untolerated NoExecute
 *   taint (scheduling is `IgnoredDuringExecution`); a template change re-places every replica.
 * - Running: a host-network pod runs while its node's kubelet posts status (Ready not Unknown), any
 *   other pod only once the node's network is ready (Ready True), as the kubelet stand-in runs pods.
 * - Deployment: `replicas`/`updatedReplicas` (pods exist, pending or not), `readyReplicas`,
 *   `availableReplicas`, `unavailableReplicas`, `Available` from `maxUnavailable` (RollingUpdate,
 *   25% by default, rounded down; Recreate needs all), `Progressing` (`ReplicaSetUpdated` while
 *   rolling, `NewReplicaSetAvailable` once done, False `ProgressDeadlineExceeded` after
 *   `progressDeadlineSeconds`, 600 by default, without progress), `observedGeneration`. A
 *   Deployment whose pods someone else runs (named in `runElsewhere`, e.g. the k8zner operator's, see
 *   operator_pods.ts, or any with pods it owns) is counted from those pods instead.
 * - StatefulSet: pods are made in order (OrderedReady: the next only once the previous is ready;
 *   Parallel: all at once), `currentRevision`/`updateRevision` equal once a rollout completed.
 *   Volume claims are not modelled.
 * - Job: `startTime` and `active` at once; `Complete` (with `SuccessCriteriaMet`, Kubernetes ≥ 1.31)
 *   and `succeeded` = completions once its pod could run, leaving what its command would (job_effects.ts).
 *
 * Failures on demand come from workload_failures.ts; a template whose env names a missing Secret or
 * ConfigMap (key) never gets ready either (`CreateContainerConfigError`, container_config.ts).
 *
 * @module
 */
import type { FakeKubeStore, KubeObj } from "../kube_fake/mod.ts";
import { matchLabelSelector } from "../kube_fake/selectors.ts";
import { readyStatus } from "./node_status.ts";
import { fitsNode, nodeTaints, type SchedulingSpec, untoleratedTaint } from "./scheduling.ts";
import { activeFailure } from "./workload_failures.ts";
import { ownedPods, podReady, templateHash } from "./workload_pods.ts";
import { containerConfigError } from "./container_config.ts";
import { applyJobEffects } from "./job_effects.ts";

interface Template {
  metadata?: { labels?: Record<string, string> };
  spec?: SchedulingSpec & { containers?: Array<{ ports?: Array<{ hostPort?: number }> }> };
}

interface Placement {
  hash: string;
  nodes: string[];
  /** StatefulSet: the revision whose rollout last completed. */
  currentRevision?: string;
}

type Condition = Record<string, string>;

/** A replica modelled without a Pod object (see {@link ReplicaWorkloads.modelledPods}). */
export interface ModelledPod {
  namespace: string;
  name: string;
  template: { metadata?: { labels?: Record<string, string> }; spec?: unknown };
  nodeName: string;
  /** Its containers were started (it has an IP); a pod failing on demand runs but is not ready. */
  running: boolean;
  ready: boolean;
}

/** The Deployment, StatefulSet and Job controllers of one cluster store (they remember placements). */
export class ReplicaWorkloads {
  readonly #store: FakeKubeStore;
  /** Where each workload's replicas are, by workload uid. */
  readonly #placements = new Map<string, Placement>();

  /** Deployments (`namespace/name`) whose pods another part of the local cloud runs as real Pods. */
  readonly #runElsewhere: ReadonlySet<string>;

  constructor(store: FakeKubeStore, options: { runElsewhere?: Iterable<string> } = {}) {
    this.#store = store;
    this.#runElsewhere = new Set(options.runElsewhere ?? []);
  }

  /** One pass over every Deployment, StatefulSet and Job. Synchronous on the store. */
  reconcile(): void {
    const store = this.#store;
    const nodes = store.viewObjects("v1", "Node");
    const seen = new Set<string>();
    const pods = store.viewObjects("v1", "Pod");
    for (const d of store.viewObjects("apps/v1", "Deployment")) {
      seen.add(uidOf(d));
      this.#deployment(d, nodes, ownedPods(pods, d));
    }
    for (const s of store.viewObjects("apps/v1", "StatefulSet")) {
      seen.add(uidOf(s));
      this.#statefulSet(s, nodes);
    }
    for (const j of store.viewObjects("batch/v1", "Job")) {
      seen.add(uidOf(j));
      this.#job(j, nodes);
    }
    for (const uid of this.#placements.keys()) if (!seen.has(uid)) this.#placements.delete(uid);
  }

  /**
   * The pods this controller models without Pod objects (Deployments and StatefulSets whose pods nobody
   * runs for real), one per placed replica: a name as the ReplicaSet or StatefulSet would give it, the
   * template, its node and whether it is ready. The EndpointSlice stand-in (endpoint_slices.ts) reads them.
   */
  modelledPods(): ModelledPod[] {
    const out: ModelledPod[] = [];
    const nodes = new Map(this.#store.viewObjects("v1", "Node").map((n) => [(n.metadata as { name: string }).name, n]));
    const kinds = [["apps/v1", "Deployment"], ["apps/v1", "StatefulSet"]] as const;
    for (const [apiVersion, kind] of kinds) {
      for (const w of this.#store.viewObjects(apiVersion, kind)) {
        const placement = this.#placements.get(uidOf(w));
        if (!placement) continue;
        const meta = w.metadata as { name: string; namespace: string };
        const template = ((w.spec ?? {}) as { template?: Template }).template ?? {};
        const failed = activeFailure(this.#store, w) !== undefined || this.#configError(w, template);
        placement.nodes.forEach((nodeName, i) => {
          const running = runs(template.spec ?? {}, nodes.get(nodeName));
          out.push({
            namespace: meta.namespace,
            name: kind === "StatefulSet" ? `${meta.name}-${i}` : `${meta.name}-${placement.hash}-${i}`,
            template,
            nodeName,
            running,
            ready: running && !failed,
          });
        });
      }
    }
    return out;
  }

  /** Places up to `wanted` replicas of `workload`; returns the placement and how many of them run. */
  #place(
    workload: KubeObj,
    template: Template,
    wanted: number,
    nodes: KubeObj[],
  ): { placed: string[]; running: number } {
    const hash = templateHash(template);
    const uid = uidOf(workload);
    let placement = this.#placements.get(uid);
    if (!placement || placement.hash !== hash) {
      placement = { hash, nodes: [], ...(placement ? { currentRevision: placement.currentRevision } : {}) };
      this.#placements.set(uid, placement);
    }
    const spec = template.spec ?? {};
    const byName = new Map(nodes.map((n) => [(n.metadata as { name: string }).name, n]));
    placement.nodes = placement.nodes.filter((name) => {
      const node = byName.get(name);
      return node !== undefined &&
        untoleratedTaint(nodeTaints(node), spec.tolerations ?? [], ["NoExecute"]) === undefined;
    }).slice(0, wanted);
    const spread = spreadKeys(template);
    while (placement.nodes.length < wanted) {
      const taken = placement.nodes.map((n) => byName.get(n)!);
      const candidates = nodes.filter((node) =>
        fitsNode(spec, node) &&
        spread.every((key) => {
          const value = labelsOf(node)[key];
          return value === undefined || !taken.some((t) => labelsOf(t)[key] === value);
        })
      );
      if (candidates.length === 0) break;
      const load = (n: KubeObj) => placement!.nodes.filter((p) => p === (n.metadata as { name: string }).name).length;
      candidates.sort((a, b) => load(a) - load(b));
      placement.nodes.push((candidates[0]!.metadata as { name: string }).name);
    }
    const running = placement.nodes.filter((name) => runs(spec, byName.get(name)!)).length;
    const ready = activeFailure(this.#store, workload) === undefined && !this.#configError(workload, template);
    return { placed: placement.nodes, running: ready ? running : 0 };
  }

  /** Whether the template's containers cannot start (`CreateContainerConfigError`, container_config.ts). */
  #configError(workload: KubeObj, template: Template): boolean {
    const namespace = (workload.metadata as { namespace: string }).namespace;
    return containerConfigError(this.#store, namespace, template.spec as never) !== undefined;
  }

  #deployment(d: KubeObj, nodes: KubeObj[], owned: KubeObj[]): void {
    const spec = (d.spec ?? {}) as {
      replicas?: number;
      template?: Template;
      progressDeadlineSeconds?: number;
      strategy?: { type?: string; rollingUpdate?: { maxUnavailable?: number | string; maxSurge?: number | string } };
    };
    const replicas = spec.replicas ?? 1;
    const template = spec.template ?? {};
    const failure = activeFailure(this.#store, d);
    let ready: number;
    let total = replicas;
    const meta = d.metadata as { name: string; namespace: string };
    if (owned.length > 0 || this.#runElsewhere.has(`${meta.namespace}/${meta.name}`)) {
      total = owned.length;
      ready = failure === undefined ? owned.filter(podReady).length : 0;
    } else {
      ready = this.#place(d, template, replicas, nodes).running;
    }
    const old = (d.status ?? {}) as { conditions?: Condition[]; readyReplicas?: number };
    const now = timestamp(this.#store);
    const rs = `${(d.metadata as { name: string }).name}-${templateHash(template)}`;
    const complete = failure === undefined && ready === replicas && total === replicas;
    const available = ready >= replicas - maxUnavailable(spec.strategy, replicas);
    const previous = old.conditions?.find((c) => c.type === "Progressing");
    const progressed = (old.readyReplicas ?? 0) !== ready || previous === undefined;
    const deadlineMs = (spec.progressDeadlineSeconds ?? 600) * 1000;
    const stalled = failure !== undefined || (!complete && !progressed && previous !== undefined &&
      previous.reason !== "NewReplicaSetAvailable" &&
      this.#store.now().getTime() - Date.parse(previous.lastUpdateTime ?? now) > deadlineMs);
    const progressing: Condition = stalled
      ? {
        type: "Progressing",
        status: "False",
        reason: "ProgressDeadlineExceeded",
        message: failure === undefined
          ? `ReplicaSet "${rs}" has timed out progressing.`
          : `ReplicaSet "${rs}" has timed out progressing: ${failure}`,
      }
      : complete
      ? {
        type: "Progressing",
        status: "True",
        reason: "NewReplicaSetAvailable",
        message: `ReplicaSet "${rs}" has successfully progressed.`,
      }
      : {
        type: "Progressing",
        status: "True",
        reason: "ReplicaSetUpdated",
        message: `ReplicaSet "${rs}" is progressing.`,
      };
    const availableCondition: Condition = available
      ? {
        type: "Available",
        status: "True",
        reason: "MinimumReplicasAvailable",
        message: "Deployment has minimum availability.",
      }
      : {
        type: "Available",
        status: "False",
        reason: "MinimumReplicasUnavailable",
        message: "Deployment does not have minimum availability.",
      };
    const status: Record<string, unknown> = {
      observedGeneration: generationOf(d),
      replicas: total,
      updatedReplicas: total,
      readyReplicas: ready,
      availableReplicas: ready,
      unavailableReplicas: Math.max(0, replicas - ready),
      conditions: [
        withTimes(old.conditions, availableCondition, now, false),
        withTimes(old.conditions, progressing, now, progressed && !stalled),
      ],
    };
    for (const key of ["readyReplicas", "availableReplicas", "unavailableReplicas", "replicas", "updatedReplicas"]) {
      if (status[key] === 0) delete status[key];
    }
    this.#write(d, status);
  }

  #statefulSet(s: KubeObj, nodes: KubeObj[]): void {
    const spec = (s.spec ?? {}) as { replicas?: number; template?: Template; podManagementPolicy?: string };
    const replicas = spec.replicas ?? 1;
    const template = spec.template ?? {};
    const name = (s.metadata as { name: string }).name;
    const revision = `${name}-${templateHash(template)}`;
    const ordered = spec.podManagementPolicy !== "Parallel";
    // OrderedReady: pod n+1 is created only once pods 0..n are ready.
    let made = ordered ? Math.min(replicas, 1) : replicas;
    let ready = 0;
    for (;;) {
      ready = this.#place(s, template, made, nodes).running;
      if (!ordered || ready < made || made === replicas) break;
      made++;
    }
    const placement = this.#placements.get(uidOf(s))!;
    if (ready === replicas) placement.currentRevision = revision;
    const current = placement.currentRevision ?? revision;
    const status: Record<string, unknown> = {
      observedGeneration: generationOf(s),
      replicas: made,
      readyReplicas: ready,
      currentReplicas: current === revision ? made : 0,
      updatedReplicas: made,
      availableReplicas: ready,
      currentRevision: current,
      updateRevision: revision,
      collisionCount: 0,
    };
    this.#write(s, status);
  }

  #job(j: KubeObj, nodes: KubeObj[]): void {
    const old = (j.status ?? {}) as { conditions?: Condition[]; startTime?: string };
    if (old.conditions?.some((c) => (c.type === "Complete" || c.type === "Failed") && c.status === "True")) return;
    const spec = (j.spec ?? {}) as {
      parallelism?: number;
      completions?: number;
      backoffLimit?: number;
      template?: Template;
      suspend?: boolean;
    };
    if (spec.suspend) return;
    const parallelism = spec.parallelism ?? 1;
    const completions = spec.completions ?? parallelism;
    const now = timestamp(this.#store);
    const failure = activeFailure(this.#store, j);
    const placed = this.#place(j, spec.template ?? {}, parallelism, nodes);
    const wouldRun = this.#configError(j, spec.template ?? {})
      ? 0
      : placed.placed.filter((name) => runs(spec.template?.spec ?? {}, nodeNamed(nodes, name))).length;
    const startTime = old.startTime ?? now;
    let status: Record<string, unknown>;
    if (wouldRun > 0 && failure !== undefined) {
      const why = {
        status: "True",
        reason: "BackoffLimitExceeded",
        message: "Job has reached the specified backoff limit",
      };
      status = {
        startTime,
        failed: (spec.backoffLimit ?? 6) + 1,
        ready: 0,
        conditions: [
          { type: "FailureTarget", ...why, lastProbeTime: now, lastTransitionTime: now },
          { type: "Failed", ...why, lastProbeTime: now, lastTransitionTime: now },
        ],
      };
    } else if (wouldRun > 0) {
      applyJobEffects(this.#store, j);
      const why = {
        status: "True",
        reason: "CompletionsReached",
        message: "Reached expected number of succeeded pods",
      };
      status = {
        startTime,
        completionTime: now,
        succeeded: completions,
        ready: 0,
        conditions: [
          { type: "SuccessCriteriaMet", ...why, lastProbeTime: now, lastTransitionTime: now },
          { type: "Complete", ...why, lastProbeTime: now, lastTransitionTime: now },
        ],
      };
    } else {
      status = { startTime, active: parallelism, ready: 0 };
    }
    this.#write(j, status);
  }

  #write(obj: KubeObj, status: Record<string, unknown>): void {
    if (JSON.stringify(status) !== JSON.stringify(obj.status ?? {})) this.#store.put({ ...obj, status });
  }
}

/** `maxUnavailable` resolved as the deployment controller does (percent rounded down; never both 0). */
function maxUnavailable(
  strategy:
    | { type?: string; rollingUpdate?: { maxUnavailable?: number | string; maxSurge?: number | string } }
    | undefined,
  replicas: number,
): number {
  if (strategy?.type === "Recreate" || replicas === 0) return 0;
  const resolve = (v: number | string | undefined, fallback: string, roundUp: boolean) => {
    const value = v ?? fallback;
    if (typeof value === "number") return value;
    const percent = Number.parseInt(value, 10) * replicas / 100;
    return roundUp ? Math.ceil(percent) : Math.floor(percent);
  };
  let unavailable = resolve(strategy?.rollingUpdate?.maxUnavailable, "25%", false);
  const surge = resolve(strategy?.rollingUpdate?.maxSurge, "25%", true);
  if (unavailable === 0 && surge === 0) unavailable = 1;
  return Math.min(unavailable, replicas);
}

/** Topology keys along which replicas must not share a domain: required anti-affinity on themselves, host ports. */
function spreadKeys(template: Template): string[] {
  const spec = template.spec ?? {};
  const self = { metadata: { labels: template.metadata?.labels ?? {} } };
  const keys = (spec.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [])
    .filter((term) => term.topologyKey && matchLabelSelector(term.labelSelector)(self))
    .map((term) => term.topologyKey!);
  const hostPorts = (spec.containers ?? []).some((c) =>
    (c.ports ?? []).some((p) => p.hostPort !== undefined || spec.hostNetwork === true)
  );
  if (hostPorts) keys.push("kubernetes.io/hostname");
  return keys;
}

/** Whether a pod of `spec` bound to `node` runs: its kubelet posts status, and (no host network) the node's network is ready. */
function runs(spec: SchedulingSpec, node: KubeObj | undefined): boolean {
  const ready = readyStatus(node);
  return spec.hostNetwork === true ? ready === "True" || ready === "False" : ready === "True";
}

function nodeNamed(nodes: KubeObj[], name: string): KubeObj | undefined {
  return nodes.find((n) => (n.metadata as { name: string }).name === name);
}

function labelsOf(obj: KubeObj): Record<string, string> {
  return (obj.metadata as { labels?: Record<string, string> }).labels ?? {};
}

function uidOf(obj: KubeObj): string {
  return String((obj.metadata as { uid?: string }).uid ?? "");
}

function generationOf(obj: KubeObj): number {
  return (obj.metadata as { generation?: number }).generation ?? 1;
}

/** `lastTransitionTime` moves when the status flips, `lastUpdateTime` also when `touched`. */
function withTimes(previous: Condition[] | undefined, c: Condition, now: string, touched: boolean): Condition {
  const old = previous?.find((p) => p.type === c.type);
  if (!old) return { ...c, lastUpdateTime: now, lastTransitionTime: now };
  const same = old.status === c.status && old.reason === c.reason;
  return {
    ...c,
    lastUpdateTime: same && !touched ? old.lastUpdateTime ?? now : now,
    lastTransitionTime: old.status === c.status ? old.lastTransitionTime ?? now : now,
  };
}

function timestamp(store: FakeKubeStore): string {
  return store.now().toISOString().replace(/\.\d{3}Z$/, "Z");
}
