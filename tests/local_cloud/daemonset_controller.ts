/**
 * The DaemonSet controller of a local cloud cluster (pkg/controller/daemon), for every DaemonSet in
 * the store: one pod per Node the DaemonSet should run on, bound to that Node at once (the scheduler
 * would bind it there: the pod's node affinity names only that Node), and the status Helm's `--wait`
 * reads, computed from those pods as the real controller does.
 *
 * - A Node should run a daemon pod when `nodeSelector` and the required node affinity match its labels
 *   and it has no NoSchedule/NoExecute taint the pod does not tolerate, counting the tolerations the
 *   controller adds itself (scheduling.ts). A pod already there keeps running while only NoSchedule
 *   taints are untolerated (it is then "misscheduled"); it is deleted when the Node no longer matches
 *   or gets an untolerated NoExecute taint. Pods of deleted Nodes go with the pod garbage collector.
 * - Pods carry the template's labels plus `controller-revision-hash` and `pod-template-generation`, a
 *   controller owner reference, the defaulted tolerations and a node affinity on `metadata.name`;
 *   names are `<daemonset>-<5 random characters>` as `generateName` makes them.
 * - A template change (RollingUpdate strategy) replaces outdated pods; with OnDelete they stay.
 *   `maxUnavailable`/`maxSurge` pacing is not modelled: all are replaced in one pass.
 * - Status: desired/current/updated/misscheduled counts, numberReady and numberAvailable (ready
 *   pods; `minReadySeconds` is not modelled), numberUnavailable, and `observedGeneration`.
 *
 * The kubelet stand-in (kubelet.ts) runs the pods; this controller only creates, deletes and counts.
 *
 * @module
 */
import type { FakeKubeStore, KubeObj } from "../kube_fake/mod.ts";
import {
  daemonPodTolerations,
  matchesNodeAffinity,
  nodeTaints,
  type SchedulingSpec,
  untoleratedTaint,
} from "./scheduling.ts";
import { ownedPods, podReady, templateHash } from "./workload_pods.ts";

/** What one pass changed. */
export interface DaemonSetPass {
  /** Pods created, as `namespace/name`. */
  created: string[];
  /** Pods deleted, as `namespace/name`. */
  deleted: string[];
}

interface DaemonSetSpec {
  template?: { metadata?: Record<string, unknown>; spec?: SchedulingSpec & Record<string, unknown> };
  updateStrategy?: { type?: string };
}

/** One pass over every DaemonSet of `store` (or only `only`, `namespace/name`). */
export function reconcileDaemonSets(store: FakeKubeStore, only?: string): DaemonSetPass {
  const pass: DaemonSetPass = { created: [], deleted: [] };
  const nodes = store.viewObjects("v1", "Node");
  const pods = store.viewObjects("v1", "Pod");
  for (const ds of store.viewObjects("apps/v1", "DaemonSet")) {
    const meta = ds.metadata as { name: string; namespace: string; deletionTimestamp?: string };
    if (only !== undefined && only !== `${meta.namespace}/${meta.name}`) continue;
    if (meta.deletionTimestamp) continue;
    reconcileOne(store, ds, nodes, ownedPods(pods, ds), pass);
  }
  return pass;
}

function reconcileOne(
  store: FakeKubeStore,
  ds: KubeObj,
  nodes: KubeObj[],
  owned: KubeObj[],
  pass: DaemonSetPass,
): void {
  const meta = ds.metadata as { name: string; namespace: string; uid: string; generation?: number };
  const spec = (ds.spec ?? {}) as DaemonSetSpec;
  const template = spec.template ?? {};
  const podSpec = (template.spec ?? {}) as SchedulingSpec & Record<string, unknown>;
  const tolerations = daemonPodTolerations(podSpec);
  const hash = templateHash(template);
  const generation = meta.generation ?? 1;
  const onDelete = spec.updateStrategy?.type === "OnDelete";
  const remove = (pod: KubeObj) => {
    const m = pod.metadata as { name: string; namespace: string };
    store.remove("v1", "Pod", m.name, m.namespace);
    pass.deleted.push(`${m.namespace}/${m.name}`);
  };
  const live = owned.filter((p) => !(p.metadata as { deletionTimestamp?: string }).deletionTimestamp);
  const counts = { desired: 0, current: 0, misscheduled: 0, ready: 0, updated: 0 };
  for (const node of nodes) {
    const nodeName = (node.metadata as { name: string }).name;
    const affinity = matchesNodeAffinity(podSpec, node);
    const taints = nodeTaints(node);
    const shouldRun = affinity && untoleratedTaint(taints, tolerations) === undefined;
    const shouldContinue = affinity && untoleratedTaint(taints, tolerations, ["NoExecute"]) === undefined;
    let onNode = live.filter((p) => (p.spec as { nodeName?: string }).nodeName === nodeName)
      .sort((a, b) => createdAt(a).localeCompare(createdAt(b)));
    if (!shouldContinue) {
      onNode.forEach(remove);
      onNode = [];
    }
    // One daemon pod per node: extra ones go, and (RollingUpdate) outdated ones are replaced.
    onNode.slice(1).forEach(remove);
    onNode = onNode.slice(0, 1);
    if (!onDelete && onNode[0] && podHash(onNode[0]) !== hash) {
      remove(onNode[0]);
      onNode = [];
    }
    if (shouldRun && onNode.length === 0) {
      const pod = store.put(newDaemonPod(ds, nodeName, hash, generation, tolerations));
      const m = pod.metadata as { name: string; namespace: string };
      pass.created.push(`${m.namespace}/${m.name}`);
      onNode = [pod];
    }
    const pod = onNode[0];
    if (shouldRun) {
      counts.desired++;
      if (!pod) continue;
      counts.current++;
      if (podReady(pod)) counts.ready++;
      if (podHash(pod) === hash) counts.updated++;
    } else if (pod) counts.misscheduled++;
  }
  writeStatus(store, ds, counts);
}

function writeStatus(
  store: FakeKubeStore,
  ds: KubeObj,
  c: { desired: number; current: number; misscheduled: number; ready: number; updated: number },
): void {
  const status = (ds.status ?? {}) as Record<string, unknown>;
  const next: Record<string, unknown> = {
    currentNumberScheduled: c.current,
    desiredNumberScheduled: c.desired,
    numberMisscheduled: c.misscheduled,
    numberReady: c.ready,
    observedGeneration: (ds.metadata as { generation?: number }).generation ?? 1,
    updatedNumberScheduled: c.updated,
    numberAvailable: c.ready,
  };
  // Zero-valued optional counters are omitted on the wire (`omitempty`).
  if (c.desired - c.ready > 0) next.numberUnavailable = c.desired - c.ready;
  if (c.ready === 0) delete next.numberAvailable;
  if (status.conditions !== undefined) next.conditions = status.conditions;
  if (JSON.stringify(next) !== JSON.stringify(status)) store.put({ ...ds, status: next });
}

function newDaemonPod(
  ds: KubeObj,
  nodeName: string,
  hash: string,
  generation: number,
  tolerations: unknown[],
): KubeObj {
  const meta = ds.metadata as { name: string; namespace: string; uid: string };
  const template = (ds.spec as DaemonSetSpec).template ?? {};
  const tmeta = (template.metadata ?? {}) as { labels?: Record<string, string>; annotations?: Record<string, string> };
  const spec = structuredClone(template.spec ?? {}) as SchedulingSpec & Record<string, unknown>;
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: `${meta.name}-${randomSuffix()}`,
      generateName: `${meta.name}-`,
      namespace: meta.namespace,
      labels: { ...tmeta.labels, "controller-revision-hash": hash, "pod-template-generation": String(generation) },
      ...(tmeta.annotations ? { annotations: { ...tmeta.annotations } } : {}),
      ownerReferences: [{
        apiVersion: "apps/v1",
        kind: "DaemonSet",
        name: meta.name,
        uid: meta.uid,
        controller: true,
        blockOwnerDeletion: true,
      }],
    },
    spec: {
      ...spec,
      // ReplaceDaemonSetPodNodeNameNodeAffinity: the required terms become "this node", preferences stay.
      affinity: {
        ...spec.affinity,
        nodeAffinity: {
          ...spec.affinity?.nodeAffinity,
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchFields: [{ key: "metadata.name", operator: "In", values: [nodeName] }] }],
          },
        },
      },
      tolerations,
      nodeName,
    },
    status: { phase: "Pending" },
  };
}

function podHash(pod: KubeObj): string | undefined {
  return (pod.metadata as { labels?: Record<string, string> }).labels?.["controller-revision-hash"];
}

function createdAt(pod: KubeObj): string {
  return String((pod.metadata as { creationTimestamp?: string }).creationTimestamp ?? "");
}

/** The API server's `generateName` suffix: 5 characters without vowels or look-alikes. */
function randomSuffix(): string {
  const alphabet = "bcdfghjklmnpqrstvwxz2456789";
  const bytes = crypto.getRandomValues(new Uint8Array(5));
  return [...bytes].map((b) => alphabet[b % alphabet.length]).join("");
}
