/**
 * Feeds the work queue: a list+watch of K8znerClusters and one of Nodes, each change turned into
 * the key of the cluster it concerns (see event_keys.ts). Keys only: the reconcile re-reads the
 * world itself, so nothing here is state a crash could lose.
 *
 * @module
 */
import type { KubeClient } from "../../kube/mod.ts";
import type { Timers } from "../../lib/timers.ts";
import { clusterEventNeedsReconcile, clusterKeysForNode, keyOf, nodeEventNeedsReconcile } from "./event_keys.ts";
import { ListWatcher, type ListWatchNotice } from "./list_watch.ts";
import type { WorkQueue } from "./work_queue.ts";

/** Options of {@link ClusterEventSources}. */
export interface ClusterEventSourcesOptions {
  kube: Pick<KubeClient, "listWithVersion" | "watch">;
  queue: Pick<WorkQueue, "add">;
  /** Namespace of the K8znerClusters; all when absent. */
  namespace?: string;
  onNotice?: (notice: ListWatchNotice) => void;
  timers?: Timers;
  random?: () => number;
  /** Passed to both watchers (tests shorten them). */
  watch?: { inactivityMs?: number; relistIntervalMs?: number; serverTimeoutSeconds?: number };
}

/** The two watches that decide which cluster to reconcile next. */
export class ClusterEventSources {
  readonly clusters: ListWatcher;
  readonly nodes: ListWatcher;

  constructor(options: ClusterEventSourcesOptions) {
    const common = {
      kube: options.kube,
      onNotice: options.onNotice,
      timers: options.timers,
      random: options.random,
      ...options.watch,
    };
    this.clusters = new ListWatcher({
      ...common,
      apiVersion: "k8zner.io/v1alpha1",
      kind: "K8znerCluster",
      namespace: options.namespace,
      onChange: (type, object, previous) => {
        if (clusterEventNeedsReconcile(type, object, previous)) options.queue.add(keyOf(object));
      },
    });
    this.nodes = new ListWatcher({
      ...common,
      apiVersion: "v1",
      kind: "Node",
      onChange: (type, node, previous) => {
        if (!nodeEventNeedsReconcile(type, node, previous)) return;
        for (const key of clusterKeysForNode(node, this.clusters.items())) options.queue.add(key);
      },
    });
  }

  /** Runs both watches until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    // Clusters first: a Node is mapped through the clusters known at the time of its event.
    const clusters = this.clusters.run(signal);
    await Promise.race([this.clusters.waitForSync(), clusters]);
    await Promise.all([clusters, this.nodes.run(signal)]);
  }

  /** Resolves once both watches have listed once (readiness). */
  async waitForSync(): Promise<void> {
    await Promise.all([this.clusters.waitForSync(), this.nodes.waitForSync()]);
  }

  /** Whether both watches have listed once. */
  get synced(): boolean {
    return this.clusters.synced && this.nodes.synced;
  }
}
