/**
 * Kubelet stand-ins and the controller-manager loops that react to them (node lifecycle; the
 * DaemonSet, Deployment, StatefulSet and Job controllers of daemonset_controller.ts and
 * replica_workloads.ts; the EndpointSlice controller of endpoint_slices.ts; Cilium's node taints, cilium_agent.ts). A server whose fake Talos node is configured runs a kubelet once its cluster's API answers:
 * it registers a `Node` as Talos's kubelet does (labels, taints and `spec.providerID` from the flags
 * Talos passes, see node_facts.ts; InternalIP from `--node-ip`), posts conditions (Ready False,
 * `KubeletNotReady`, until a CNI agent pod runs ready on the node, then True; False again for a while
 * when Talos restarts it for new kubelet settings, e.g. a new version), renews its Lease in
 * `kube-node-lease`, and runs the pods bound to it (host-network pods at once, others only once the
 * node's network is ready; a pod of a DaemonSet failing on demand, workload_failures.ts, runs in
 * CrashLoopBackOff, never ready).
 *
 * When the server is powered off or deleted the kubelet stops. The node lifecycle controller (it runs
 * while an API server of the cluster does) then sets every condition Unknown (`NodeStatusUnknown`)
 * once the lease is older than the grace period (50 s since Kubernetes 1.32, scaled by the cloud's
 * speed), taints the node `unreachable` and marks its pods not ready. It never deletes a Node: with an
 * external cloud provider only the cloud controller manager does (ExternalIP, the `uninitialized` taint
 * and deleting Nodes of deleted servers are its job too), played by cloud_node_controller.ts only in a
 * cluster where the hcloud CCM runs. The pod garbage collector removes pods of deleted Nodes.
 *
 * `spec.providerID`: the real kubelet sets it from `--provider-id` even with `--cloud-provider=external`,
 * and our machine config passes `hcloud://<server id>`, so the stand-in sets it at registration exactly
 * when the applied config has that flag.
 *
 * @module
 */
import type { HcloudSimulator } from "../hcloud_sim/mod.ts";
import type { FakeKubeStore, KubeObj } from "../kube_fake/mod.ts";
import type { FakeTalosNetwork, FakeTalosNode } from "../talos_fake/mod.ts";
import { STEPS } from "./latency_model.ts";
import { TALOS_CORDONED_ANNOTATION, uncordonAfterTalos } from "./talos_drain.ts";
import { KindCache } from "./kind_cache.ts";
import { deepFreeze } from "../kube_fake/object_meta.ts";
import { isCniPod, reconcileCiliumNodeTaints } from "./cilium_agent.ts";
import { reconcileCloudNodes } from "./cloud_node_controller.ts";
import { reconcileDaemonSets } from "./daemonset_controller.ts";
import { ReplicaWorkloads } from "./replica_workloads.ts";
import { reconcileEndpointSlices } from "./endpoint_slices.ts";
import { activeFailure, hasWorkloadFailures } from "./workload_failures.ts";
import { podReady } from "./workload_pods.ts";
import { type KubeletFacts, pickNodeIp, readKubeletFacts, type Taint, UNINITIALIZED_TAINT } from "./node_facts.ts";
import {
  conditionTaints,
  crashLoopStatus,
  kubeletConditions,
  type KubeletReadiness,
  podStatus,
  readyStatus,
  unknownConditions,
} from "./node_status.ts";

/** Dependencies of {@link Kubelets}. */
export interface KubeletsDeps {
  sim: HcloudSimulator;
  talosNodes: ReadonlyMap<number, FakeTalosNode>;
  /** The cluster store of a Talos network and whether one of its API servers answers (from KubeApis). */
  clusterOf: (network: FakeTalosNetwork) => { store: FakeKubeStore; apiUp: boolean } | undefined;
  /** Simulated milliseconds to real ones. */
  realMs: (simulatedMs: number) => number;
  onError: (err: Error) => void;
  log: (line: string) => void;
  /** Real milliseconds between two passes (default 25). */
  pollMs?: number;
  /**
   * Real milliseconds between two passes of the workload controllers (default 100): they list every
   * Node, Pod and workload of a cluster, which every 25 ms cost about 1 % of a core per cluster.
   */
  workloadPollMs?: number;
  /** Deployments (`namespace/name`) run as real pods elsewhere (operator_pods.ts): counted from their pods. */
  realDeployments?: readonly string[];
}

/** The kubelet posts unchanged node status every 5 min (`nodeStatusReportFrequency`). */
const STATUS_REPORT_MS = 5 * 60_000;
/** The kubelet renews its node lease every 10 s (a quarter of the 40 s lease). */
const LEASE_RENEW_MS = 10_000;
const LEASE_DURATION_SECONDS = 40;
/** kube-controller-manager's `--node-monitor-grace-period` default since Kubernetes 1.32. */
export const NODE_MONITOR_GRACE_MS = 50_000;
const LEASE_NAMESPACE = "kube-node-lease";
/** Simulated time a kubelet restarted by Talos (new kubelet settings applied without reboot) is NotReady. */
const KUBELET_RESTART_MS = STEPS.kubeletRestartMs;

interface KubeletEntry {
  serverId: number;
  nodeName: string;
  store: FakeKubeStore;
  network: FakeTalosNetwork;
  /** Real time of the last lease renewal. */
  renewedAt: number | undefined;
  /** Real time the node status was last posted. */
  postedAt: number | undefined;
  /** The Talos node's kubelet restart count this kubelet runs under (a new count: Talos restarted it). */
  restarts: number;
  /** Real time of the last restart while the restarted kubelet is not Ready yet, and whether it said so. */
  restart: { at: number; posted: boolean } | undefined;
}

/** The kubelets of the local cloud's servers, with the node lifecycle controller of each cluster. */
export class Kubelets {
  readonly #deps: KubeletsDeps;
  /** By server id; kept after the server stops or goes, so its Node can be judged. */
  readonly #entries = new Map<number, KubeletEntry>();
  /**
   * The kubelet facts of each server with the applied config text they were read from. A config
   * changes only when Talos applies a new one, but a pass runs every 25 ms: parsing the YAML on every
   * pass cost about 0.1 s of CPU per second per configured node, for as long as a test's cloud ran.
   */
  readonly #facts = new Map<number, { config: string; facts: KubeletFacts | undefined }>();
  /** The node IP each server's kubelet picked, with the facts and addresses it was picked from. */
  readonly #nodeIps = new Map<number, { facts: KubeletFacts; addresses: string; ip: string | undefined }>();
  /** The Deployment, StatefulSet and Job controllers of each cluster (they remember replica placements). */
  readonly #workloads = new WeakMap<FakeKubeStore, ReplicaWorkloads>();
  /**
   * Each cluster's Nodes and Pods as an informer sees them (kind_cache.ts): a pass reads every Node and
   * each node's Pods, and a store read clones what it returns (nodes × pods clones a pass).
   */
  readonly #caches = new Map<FakeKubeStore, { nodes: KindCache; pods: KindCache }>();
  /** Real time the workload controllers last ran. */
  #workloadsAt = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  constructor(deps: KubeletsDeps) {
    this.#deps = deps;
    this.#schedule();
  }

  /**
   * One pass: kubelets post status and run pods, then the controllers judge (the workload controllers
   * when due, or always with `workloads: true`). Synchronous on the stores.
   */
  reconcile(options: { workloads?: boolean } = {}): void {
    if (this.#closed) return;
    try {
      this.#kubelets();
      const due = Date.now() - this.#workloadsAt >= (this.#deps.workloadPollMs ?? 100);
      this.#controllers(options.workloads === true || due);
    } catch (err) {
      this.#deps.onError(new Error(`local cloud: kubelet stand-in: ${(err as Error).message}`, { cause: err }));
    }
  }

  /** Stops the passes. */
  close(): void {
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    for (const cache of this.#caches.values()) {
      cache.nodes.close();
      cache.pods.close();
    }
    this.#caches.clear();
  }

  /** The Node and Pod caches of `store` (watching from the first pass that reads it). */
  #cacheOf(store: FakeKubeStore): { nodes: KindCache; pods: KindCache } {
    let cache = this.#caches.get(store);
    if (!cache) {
      cache = {
        nodes: new KindCache(store, "v1", "Node"),
        pods: new KindCache(store, "v1", "Pod", (p) => (p.spec as { nodeName?: string }).nodeName),
      };
      this.#caches.set(store, cache);
    }
    return cache;
  }

  /** The pods bound to `nodeName`, in the store's listing order. */
  #podsOn(store: FakeKubeStore, nodeName: string): KubeObj[] {
    return this.#cacheOf(store).pods.indexed(nodeName);
  }

  #schedule(): void {
    if (this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.reconcile();
      this.#schedule();
    }, this.#deps.pollMs ?? 25);
  }

  #kubelets(): void {
    const { sim, talosNodes, clusterOf } = this.#deps;
    for (const [serverId, node] of talosNodes) {
      const server = sim.state.servers.get(serverId);
      if (server?.status !== "running" || node.state.mode !== "configured") continue;
      const cluster = clusterOf(node.network);
      if (!cluster?.apiUp) continue;
      const facts = this.#factsOf(serverId, node.state.appliedConfig ?? "");
      if (!facts) continue;
      const entry = this.#entryFor(serverId, node, cluster.store);
      const addresses = [...server.privateNet.map((p) => p.ip), node.hostname];
      const nodeIp = this.#nodeIpOf(serverId, facts, addresses) ?? node.hostname;
      const now = timestamp(cluster.store);
      const nodes = this.#cacheOf(cluster.store).nodes;
      if (!nodes.get(entry.nodeName)) {
        const arch = goArch(server.serverType.architecture);
        cluster.store.put(renderNode(entry.nodeName, { facts, node, nodeIp, arch }, now));
        this.#deps.log(`server ${server.name}: kubelet registered Node ${entry.nodeName}`);
      }
      // Talos lifts its own upgrade cordon once the machine runs again.
      const cordoned = (nodes.get(entry.nodeName)!.metadata as { annotations?: Record<string, string> })
        .annotations?.[TALOS_CORDONED_ANNOTATION] !== undefined;
      if (!node.state.upgrading && cordoned && uncordonAfterTalos(cluster.store, entry.nodeName)) {
        this.#deps.log(`server ${server.name}: Talos uncordoned Node ${entry.nodeName}`);
      }
      const networkReady = this.#runPods(entry, nodeIp, now);
      const readiness = this.#restarting(entry, node) ? "starting" : networkReady ? "ready" : "network-not-ready";
      this.#postStatus(entry, { facts, node, nodeIp, arch: goArch(server.serverType.architecture) }, readiness, now);
      if (entry.restart) entry.restart.posted = true;
      this.#renewLease(entry);
    }
  }

  /**
   * Whether the kubelet is coming back from a restart Talos made (`kubeletRestarts`): NotReady with the
   * kubelet's start-up message for the restart's duration, and posted so at least once, so watchers see it
   * at any speed. Its pods keep running: a kubelet restart leaves containers alone.
   */
  #restarting(entry: KubeletEntry, node: FakeTalosNode): boolean {
    if (node.state.kubeletRestarts !== entry.restarts) {
      entry.restarts = node.state.kubeletRestarts;
      entry.restart = { at: Date.now(), posted: false };
      this.#deps.log(`Node ${entry.nodeName}: Talos restarted the kubelet`);
    }
    const restart = entry.restart;
    if (!restart) return false;
    if (!restart.posted || Date.now() - restart.at < this.#deps.realMs(KUBELET_RESTART_MS)) return true;
    entry.restart = undefined;
    return false;
  }

  /**
   * {@link readKubeletFacts} of `config`, parsed once per config text and deep-frozen (shared by every pass:
   * a copy per node and pass cost more than the rest of the kubelet's pass; nothing writes to them).
   */
  #factsOf(serverId: number, config: string): KubeletFacts | undefined {
    let read = this.#facts.get(serverId);
    if (read?.config !== config) {
      this.#facts.set(serverId, read = { config, facts: deepFreeze(readKubeletFacts(config)) });
    }
    return read.facts;
  }

  /**
   * {@link pickNodeIp}, worked out again only when the facts or the server's addresses change: the real
   * kubelet picks its node IP when it starts, and parsing the subnets every 25 ms per node was 7% of a pass.
   */
  #nodeIpOf(serverId: number, facts: KubeletFacts, addresses: string[]): string | undefined {
    const key = addresses.join(" ");
    let picked = this.#nodeIps.get(serverId);
    if (picked?.facts !== facts || picked.addresses !== key) {
      this.#nodeIps.set(serverId, picked = { facts, addresses: key, ip: pickNodeIp(facts, addresses) });
    }
    return picked.ip;
  }

  #entryFor(serverId: number, node: FakeTalosNode, store: FakeKubeStore): KubeletEntry {
    let entry = this.#entries.get(serverId);
    if (!entry || entry.store !== store || entry.nodeName !== node.nodeName) {
      entry = {
        serverId,
        nodeName: node.nodeName,
        store,
        network: node.network,
        renewedAt: undefined,
        postedAt: undefined,
        restarts: node.state.kubeletRestarts,
        restart: undefined,
      };
      this.#entries.set(serverId, entry);
    }
    // A replacement server with the same name posts to the same Node: the old kubelet is gone for good.
    for (const [id, other] of this.#entries) {
      if (id !== serverId && other.store === store && other.nodeName === entry.nodeName) this.#entries.delete(id);
    }
    return entry;
  }

  /** Runs the pods bound to the node; returns whether a CNI agent pod on it is ready. */
  #runPods(entry: KubeletEntry, nodeIp: string, now: string): boolean {
    // Host-network pods (CNI agents among them) start without a CNI; everything else waits for one.
    const running = (pod: KubeObj) => !(pod.metadata as { deletionTimestamp?: string }).deletionTimestamp;
    for (const pod of this.#podsOn(entry.store, entry.nodeName).filter((p) => running(p) && isHostNetwork(p))) {
      runPod(entry.store, pod, nodeIp, now);
    }
    // Read again: the pods just started are written (the cache follows the store's writes at once).
    const pods = this.#podsOn(entry.store, entry.nodeName);
    const networkReady = pods.some((p) => isCniPod(p) && podReady(p));
    if (networkReady) {
      for (const pod of pods.filter((p) => running(p) && !isHostNetwork(p))) runPod(entry.store, pod, nodeIp, now);
    }
    return networkReady;
  }

  #postStatus(entry: KubeletEntry, host: HostFacts, readiness: KubeletReadiness, now: string): void {
    const live = this.#cacheOf(entry.store).nodes.get(entry.nodeName)!;
    const status = (live.status ?? {}) as Record<string, unknown>;
    const heartbeat = entry.postedAt === undefined ||
      Date.now() - entry.postedAt >= Math.max(1, this.#deps.realMs(STATUS_REPORT_MS));
    const conditions = kubeletConditions(
      status.conditions as Parameters<typeof kubeletConditions>[0],
      readiness,
      now,
      heartbeat,
    );
    const next = {
      ...status,
      conditions,
      addresses: mergeAddresses(status.addresses as Address[] | undefined, host.nodeIp, entry.nodeName),
      nodeInfo: nodeInfo(host, (status.nodeInfo ?? {}) as Record<string, string>),
    };
    if (JSON.stringify(next) !== JSON.stringify(status)) {
      entry.store.put({ ...live, status: next });
      entry.postedAt = Date.now();
    }
  }

  #renewLease(entry: KubeletEntry): void {
    const due = entry.renewedAt === undefined ||
      Date.now() - entry.renewedAt >= Math.max(1, this.#deps.realMs(LEASE_RENEW_MS));
    if (!due) return;
    const store = entry.store;
    if (!store.viewObject("v1", "Namespace", LEASE_NAMESPACE)) {
      // The API server creates this namespace at start-up.
      store.put({ apiVersion: "v1", kind: "Namespace", metadata: { name: LEASE_NAMESPACE } });
    }
    const node = this.#cacheOf(store).nodes.get(entry.nodeName)!;
    const lease = store.viewObject("coordination.k8s.io/v1", "Lease", entry.nodeName, LEASE_NAMESPACE);
    store.put({
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: {
        ...(lease?.metadata ?? {}),
        name: entry.nodeName,
        namespace: LEASE_NAMESPACE,
        ownerReferences: [{ apiVersion: "v1", kind: "Node", name: entry.nodeName, uid: uidOf(node) }],
      },
      spec: {
        holderIdentity: entry.nodeName,
        leaseDurationSeconds: LEASE_DURATION_SECONDS,
        renewTime: microTime(store),
      },
    });
    entry.renewedAt = Date.now();
  }

  /**
   * The node lifecycle controller of every cluster whose API (and so controller-manager) runs, and
   * with `workloads` the pod garbage collector, the workload controllers and the CCM's node loops.
   */
  #controllers(workloads: boolean): void {
    const grace = this.#deps.realMs(NODE_MONITOR_GRACE_MS);
    const stores = new Set<FakeKubeStore>();
    for (const entry of this.#entries.values()) {
      const cluster = this.#deps.clusterOf(entry.network);
      if (!cluster?.apiUp) continue;
      stores.add(entry.store);
      const live = this.#cacheOf(entry.store).nodes.get(entry.nodeName);
      if (!live) continue;
      const now = timestamp(entry.store);
      const expired = entry.renewedAt !== undefined && Date.now() - entry.renewedAt > grace;
      let next = live;
      if (expired && readyStatus(live) !== "Unknown") {
        const status = (live.status ?? {}) as Record<string, unknown>;
        next = {
          ...live,
          status: { ...status, conditions: unknownConditions(status.conditions as never, now) },
        };
        for (const pod of this.#podsOn(entry.store, entry.nodeName)) {
          setPodReady(entry.store, pod, String((pod.status as { hostIP?: string })?.hostIP ?? ""), false, now);
        }
        this.#deps.log(`node lifecycle controller: Node ${entry.nodeName} is NotReady (NodeStatusUnknown)`);
      }
      const spec = (next.spec ?? {}) as { taints?: Taint[] };
      const taints = conditionTaints(spec.taints ?? [], readyStatus(next), now);
      if (JSON.stringify(taints) !== JSON.stringify(spec.taints ?? [])) {
        next = { ...next, spec: { ...spec, taints } };
      }
      if (next !== live) entry.store.put(next);
    }
    if (!workloads) return;
    this.#workloadsAt = Date.now();
    for (const store of stores) {
      deleteOrphanedPods(store);
      const { created, deleted } = reconcileDaemonSets(store);
      for (const pod of created) this.#deps.log(`daemonset controller: created Pod ${pod}`);
      for (const pod of deleted) this.#deps.log(`daemonset controller: deleted Pod ${pod}`);
      let replicas = this.#workloads.get(store);
      if (!replicas) {
        this.#workloads.set(
          store,
          replicas = new ReplicaWorkloads(store, { runElsewhere: this.#deps.realDeployments ?? [] }),
        );
      }
      replicas.reconcile();
      reconcileEndpointSlices(store, replicas.modelledPods());
      for (const name of reconcileCiliumNodeTaints(store)) {
        this.#deps.log(`cilium-operator: Node ${name} agent-not-ready taint updated`);
      }
      for (const name of reconcileCloudNodes(store, this.#deps.sim)) {
        this.#deps.log(`cloud node lifecycle controller: deleted Node ${name} (its server is gone)`);
      }
    }
  }
}

type Address = { type: string; address: string };

/** What the kubelet knows of its host. */
interface HostFacts {
  facts: KubeletFacts;
  node: FakeTalosNode;
  nodeIp: string;
  /** GOARCH: amd64 or arm64. */
  arch: string;
}

function goArch(architecture: "x86" | "arm"): string {
  return architecture === "arm" ? "arm64" : "amd64";
}

function renderNode(name: string, host: HostFacts, now: string): KubeObj {
  const { facts, nodeIp, arch } = host;
  const taints: Taint[] = [...facts.taints];
  if (facts.externalCloudProvider) taints.push({ key: UNINITIALIZED_TAINT, value: "true", effect: "NoSchedule" });
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name,
      labels: {
        "beta.kubernetes.io/arch": arch,
        "beta.kubernetes.io/os": "linux",
        "kubernetes.io/arch": arch,
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
        ...facts.labels,
      },
      annotations: {
        // Set by a kubelet with an external cloud provider and --node-ip, for the CCM to honour.
        ...(facts.externalCloudProvider ? { "alpha.kubernetes.io/provided-node-ip": nodeIp } : {}),
        "node.alpha.kubernetes.io/ttl": "0",
        "volumes.kubernetes.io/controller-managed-attach-detach": "true",
      },
    },
    spec: { ...(facts.providerId ? { providerID: facts.providerId } : {}), ...(taints.length ? { taints } : {}) },
    status: {
      addresses: mergeAddresses(undefined, nodeIp, name),
      nodeInfo: nodeInfo(host, {}),
      conditions: kubeletConditions(undefined, "network-not-ready", now),
    },
  };
}

/** The kubelet's addresses (InternalIP from --node-ip, Hostname); addresses others added (a CCM) stay. */
function mergeAddresses(current: Address[] | undefined, nodeIp: string, hostname: string): Address[] {
  const others = (current ?? []).filter((a) => a.type !== "InternalIP" && a.type !== "Hostname");
  return [{ type: "InternalIP", address: nodeIp }, ...others, { type: "Hostname", address: hostname }];
}

function nodeInfo(host: HostFacts, current: Record<string, string>): Record<string, string> {
  return {
    ...current,
    architecture: host.arch,
    operatingSystem: "linux",
    osImage: `Talos (${host.node.state.talosVersion})`,
    kubeletVersion: host.facts.kubeletVersion ?? "",
  };
}

function isHostNetwork(pod: KubeObj): boolean {
  return (pod.spec as { hostNetwork?: boolean }).hostNetwork === true;
}

/**
 * Runs a pod on its node: ready, or in CrashLoopBackOff while its DaemonSet fails on demand
 * (workload_failures.ts).
 */
function runPod(store: FakeKubeStore, pod: KubeObj, hostIp: string, now: string): void {
  if (!hasWorkloadFailures(store)) return setPodReady(store, pod, hostIp, true, now);
  const owner = ((pod.metadata as { ownerReferences?: Array<{ kind?: string; name?: string; controller?: boolean }> })
    .ownerReferences ?? []).find((o) => o.controller && o.kind === "DaemonSet");
  const namespace = (pod.metadata as { namespace: string }).namespace;
  const ds = owner?.name ? store.viewObject("apps/v1", "DaemonSet", owner.name, namespace) : undefined;
  const failure = ds ? activeFailure(store, ds) : undefined;
  if (failure === undefined) return setPodReady(store, pod, hostIp, true, now);
  const waiting = ((pod.status as { containerStatuses?: Array<{ state?: { waiting?: { reason?: string } } }> })
    ?.containerStatuses ?? [])[0]?.state?.waiting?.reason;
  if (waiting !== "CrashLoopBackOff") store.put({ ...pod, status: crashLoopStatus(pod, hostIp, failure, now) });
}

/** Writes a running pod's status when its phase or readiness changes (only then). */
function setPodReady(store: FakeKubeStore, pod: KubeObj, hostIp: string, ready: boolean, now: string): void {
  const phase = (pod.status as { phase?: string } | undefined)?.phase;
  if (phase === "Succeeded" || phase === "Failed") return;
  if (!ready && phase !== "Running") return;
  if (phase === "Running" && podReady(pod) === ready) return;
  store.put({ ...pod, status: podStatus(pod, hostIp, ready, now) });
}

/** The pod garbage collector: pods bound to a Node that no longer exists go. */
function deleteOrphanedPods(store: FakeKubeStore): void {
  const nodes = new Set(store.viewObjects("v1", "Node").map((n) => String((n.metadata as { name: string }).name)));
  for (const pod of store.viewObjects("v1", "Pod")) {
    const nodeName = (pod.spec as { nodeName?: string }).nodeName;
    const meta = pod.metadata as { name: string; namespace: string };
    if (nodeName !== undefined && !nodes.has(nodeName)) store.remove("v1", "Pod", meta.name, meta.namespace);
  }
}

function uidOf(obj: KubeObj): string {
  return String((obj.metadata as { uid?: string }).uid ?? "");
}

function timestamp(store: FakeKubeStore): string {
  return store.now().toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** `metav1.MicroTime` as the API writes it (six fractional digits). */
function microTime(store: FakeKubeStore): string {
  return store.now().toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}
