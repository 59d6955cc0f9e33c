/**
 * The critical path of `apply --wait` and of an operator scale-up: from the latency model and a cluster
 * shape, the longest chain of steps that must run one after another in our design, whatever runs in
 * parallel. It is the lower bound every benchmark run is reported against (wall time / bound).
 *
 * The scale-up bound ({@link scaleUpCriticalPath}) is the shortest possible: every new server at once,
 * each through the same steps as in our design (planned private IPs: three actions per server). The
 * apply chain follows what the code does, not an ideal tool:
 * - `provisionCloud` (src/bootstrap/provision_cloud.ts) builds the Talos snapshot and the
 *   infrastructure in parallel; `ensureInfrastructure` runs network → load balancer beside the
 *   firewall, placement groups and SSH key. The snapshot build (build server created powered off,
 *   rescue enabled, powered on into rescue, image written, powered off, snapshotted) is the longer arm.
 * - Then the first control plane is created from the snapshot, configured, installs and reboots, etcd
 *   is bootstrapped and the API server starts; the CLI installs the operator (no Hetzner action).
 * - The operator's Compute step (src/operator/reconcile/compute) adds the other control planes one at a
 *   time (an etcd member joins as a learner and is promoted before the next) and the workers beside
 *   them, `concurrency` at a time (workers.ts, `WORKER_WAVE`). Each new node is what `ensureServers`
 *   (src/cluster/nodes/ensure_servers.ts) does, one action after the other on the same server: created
 *   and started (the create's next action), attached to the network with its planned IP (ADR 0010);
 *   then Talos takes its config, installs and reboots.
 * - Then CNI (one Helm install), Node Ready (in parallel on every node), the addons one Helm install
 *   after another (reconcile_releases.ts runs them in order), and the cluster reports Running.
 * Request round trips and poll intervals are left out: they are the overhead the ratio measures.
 *
 * @module
 */
import type { LatencyModel } from "./latency_model.ts";
import { WORKER_WAVE } from "../../src/operator/reconcile/compute/workers.ts";

/** What the bound depends on. */
export interface ClusterShape {
  /** Control planes (dev 1, ha 3). */
  controlPlanes: number;
  /** Workers. */
  workers: number;
  /** Addon charts installed after the CNI (Helm releases besides the CNI). */
  addonCharts: number;
  /** Whether the run builds the Talos snapshot (first apply in a project) or reuses one. */
  buildsImage: boolean;
  /** Workers the operator adds at once (its default: `WORKER_WAVE`, every missing worker up to 50). */
  workerConcurrency?: number;
}

/** One step on the critical path, in order. */
export interface PathStep {
  name: string;
  ms: number;
}

/** The bound and the chain that makes it. */
export interface CriticalPath {
  totalMs: number;
  steps: PathStep[];
}

const DEFAULT_WORKER_CONCURRENCY = WORKER_WAVE;

function check(shape: ClusterShape): void {
  if (!Number.isInteger(shape.controlPlanes) || shape.controlPlanes < 1) {
    throw new RangeError(`controlPlanes must be an integer of at least 1, got ${shape.controlPlanes}`);
  }
  if (!Number.isInteger(shape.workers) || shape.workers < 0) {
    throw new RangeError(`workers must be a non-negative integer, got ${shape.workers}`);
  }
  if (!Number.isInteger(shape.addonCharts) || shape.addonCharts < 0) {
    throw new RangeError(`addonCharts must be a non-negative integer, got ${shape.addonCharts}`);
  }
  const c = shape.workerConcurrency ?? DEFAULT_WORKER_CONCURRENCY;
  if (!Number.isInteger(c) || c < 1) {
    throw new RangeError(`workerConcurrency must be an integer of at least 1, got ${c}`);
  }
}

/**
 * A new node: server created and started, attached with its planned private IP (three actions on one
 * server, which each lock it; ADR 0010), config applied, Talos installed and rebooted.
 */
function nodeMs(m: LatencyModel): number {
  const a = m.actions;
  return a.create_server + a.attach_to_network + a.start_server + m.steps.installRebootMs;
}

/** The snapshot build's chain. */
function imageBuildMs(m: LatencyModel): number {
  const a = m.actions;
  return a.create_server + a.enable_rescue + a.start_server + m.steps.imageWriteMs + a.stop_server +
    a.create_image;
}

/** The infrastructure's longest arm: network (its subnet) then the load balancer with its service and target. */
function infrastructureMs(m: LatencyModel): number {
  const a = m.actions;
  // The firewall (its rules) is the only other arm with an action; placement groups and SSH keys have none.
  return Math.max(a.add_subnet + a.create_load_balancer + a.add_service + a.add_target, a.set_firewall_rules);
}

/** The operator's compute: control planes 2..n in sequence, beside workers in waves of `concurrency`. */
function computeMs(m: LatencyModel, joiningControlPlanes: number, newWorkers: number, concurrency: number): number {
  const controlPlanes = joiningControlPlanes * (nodeMs(m) + m.steps.learnerPromotionMs);
  const workers = Math.ceil(newWorkers / concurrency) * nodeMs(m);
  return Math.max(controlPlanes, workers);
}

/** Lower bound of `apply --wait` from nothing to Running. */
export function applyCriticalPath(model: LatencyModel, shape: ClusterShape): CriticalPath {
  check(shape);
  const s = model.steps;
  const concurrency = shape.workerConcurrency ?? DEFAULT_WORKER_CONCURRENCY;
  const cloud = Math.max(shape.buildsImage ? imageBuildMs(model) : 0, infrastructureMs(model));
  const steps: PathStep[] = [
    { name: shape.buildsImage ? "Talos snapshot build (beside the infrastructure)" : "infrastructure", ms: cloud },
    { name: "first control plane: create, install, reboot", ms: nodeMs(model) },
    { name: "etcd bootstrap and API server start", ms: s.apiServerStartMs },
    {
      name: `operator compute: ${shape.controlPlanes - 1} joining control planes, ${shape.workers} workers`,
      ms: computeMs(model, shape.controlPlanes - 1, shape.workers, concurrency),
    },
    { name: "CNI install", ms: s.helmInstallMs },
    { name: "Node Ready", ms: s.nodeReadyMs },
    { name: `${shape.addonCharts} addon installs in sequence`, ms: shape.addonCharts * s.helmInstallMs },
  ];
  return { totalMs: steps.reduce((sum, step) => sum + step.ms, 0), steps };
}

/** Options of {@link scaleUpCriticalPath}. */
export interface ScaleUpOptions {
  /**
   * Workers a tool adds at once; unset: no limit, the shortest possible. With a limit the bound is that
   * tool's (its waves one after the other), for comparing a design with the ideal.
   */
  concurrency?: number;
}

/**
 * Lower bound of adding workers to a running cluster, `from` to `to`, until every new Node is Ready.
 *
 * Unbounded (the default), it is one new node's chain and Node Ready, whatever the count:
 * - Hetzner creates many servers at once; an action locks only its own server (a second action on that
 *   server gets `423 locked`, e.g. hetznercloud/terraform-provider-hcloud#492, csi-driver#418), so the
 *   servers' creates, starts and attaches overlap. The three actions of one server are the chain.
 * - A spread placement group holds at most 10 servers, so 50 workers need 5 groups; a group is created
 *   by one request that starts no action (`POST /placement_groups`), so the groups add requests, not
 *   time, and every group can fill at once.
 * - The rate limit (3600 requests an hour per project, refilled 1 a second) is a bucket: 2 mutating
 *   requests per server, 94 for 47 servers, are well inside it, so it does not serialize a scale-up.
 * Request round trips, action polls and the Talos probes are left out, as in {@link applyCriticalPath}.
 */
export function scaleUpCriticalPath(
  model: LatencyModel,
  from: number,
  to: number,
  options: ScaleUpOptions = {},
): CriticalPath {
  if (!Number.isInteger(from) || from < 0 || !Number.isInteger(to) || to < from) {
    throw new RangeError(`a scale-up needs integers 0 <= from <= to, got ${from} -> ${to}`);
  }
  const concurrency = options.concurrency;
  if (concurrency !== undefined && (!Number.isInteger(concurrency) || concurrency < 1)) {
    throw new RangeError(`concurrency must be an integer of at least 1, got ${concurrency}`);
  }
  const added = to - from;
  const waves = concurrency === undefined ? 1 : Math.ceil(added / concurrency);
  const steps: PathStep[] = added === 0 ? [] : [
    {
      name: waves === 1
        ? `${added} workers at once: create and start, attach, install and reboot`
        : `${added} workers in ${waves} waves of ${concurrency}`,
      ms: waves * nodeMs(model),
    },
    { name: "Node Ready", ms: model.steps.nodeReadyMs },
  ];
  return { totalMs: steps.reduce((sum, step) => sum + step.ms, 0), steps };
}
