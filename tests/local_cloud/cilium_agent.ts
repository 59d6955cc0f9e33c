/**
 * Cilium as the local cloud's kubelet stand-in and controllers see it. A pod is a node's CNI agent
 * when it carries the labels the chart gives the agent DaemonSet's pods (`k8s-app: cilium`,
 * `app.kubernetes.io/name: cilium-agent`) and a DaemonSet owns it: once it runs ready on a node, the
 * kubelet reports that node's network ready (containerd finds the CNI configuration the agent wrote).
 * The operator's and Hubble's pods carry other `app.kubernetes.io/name` values and never count.
 *
 * The `node.cilium.io/agent-not-ready` taint is the cilium-operator's to manage (chart values
 * `operator.removeNodeTaints: true` and `operator.setNodeTaints`, defaulting to it): while an operator
 * replica runs ready (a Deployment whose pod template carries `io.cilium/app: operator`), it removes
 * the taint from Nodes whose agent pod is ready and adds it (NoSchedule) to Nodes whose agent pod is
 * scheduled but not ready. Without a running operator nobody touches the taint.
 *
 * @module
 */
import type { FakeKubeStore, KubeObj } from "../kube_fake/mod.ts";
import type { Taint } from "./node_facts.ts";
import { podReady } from "./workload_pods.ts";

/** Labels that make a pod the node's CNI agent (Cilium's agent pods carry them). */
export const CNI_POD_LABELS: Readonly<Record<string, string>> = {
  "k8s-app": "cilium",
  "app.kubernetes.io/name": "cilium-agent",
};
/** The taint Cilium keeps on nodes without a ready agent. */
export const AGENT_NOT_READY_TAINT = "node.cilium.io/agent-not-ready";

/** Whether `pod` is a CNI agent pod (the agent's labels, owned by a DaemonSet). */
export function isCniPod(pod: KubeObj): boolean {
  const meta = pod.metadata as { labels?: Record<string, string>; ownerReferences?: Array<{ kind?: string }> };
  return Object.entries(CNI_POD_LABELS).every(([k, v]) => meta.labels?.[k] === v) &&
    (meta.ownerReferences ?? []).some((o) => o.kind === "DaemonSet");
}

/** Whether a cilium-operator replica runs ready in the cluster. */
function operatorRuns(store: FakeKubeStore): boolean {
  return store.viewObjects("apps/v1", "Deployment").some((d) => {
    const spec = d.spec as { template?: { metadata?: { labels?: Record<string, string> } } } | undefined;
    return spec?.template?.metadata?.labels?.["io.cilium/app"] === "operator" &&
      ((d.status as { readyReplicas?: number } | undefined)?.readyReplicas ?? 0) > 0;
  });
}

/** One pass of the cilium-operator's node taint handling; returns the names of Nodes it changed. */
export function reconcileCiliumNodeTaints(store: FakeKubeStore): string[] {
  const agents = store.viewObjects("v1", "Pod", undefined, isCniPod);
  if (agents.length === 0 || !operatorRuns(store)) return [];
  const changed: string[] = [];
  for (const node of store.viewObjects("v1", "Node")) {
    const name = (node.metadata as { name: string }).name;
    const onNode = agents.filter((p) => (p.spec as { nodeName?: string }).nodeName === name);
    if (onNode.length === 0) continue;
    const spec = (node.spec ?? {}) as { taints?: Taint[] };
    const taints = spec.taints ?? [];
    const tainted = taints.some((t) => t.key === AGENT_NOT_READY_TAINT);
    const ready = onNode.some(podReady);
    let next: Taint[] | undefined;
    if (ready && tainted) next = taints.filter((t) => t.key !== AGENT_NOT_READY_TAINT);
    if (!ready && !tainted) next = [...taints, { key: AGENT_NOT_READY_TAINT, value: "true", effect: "NoSchedule" }];
    if (!next) continue;
    store.put({ ...node, spec: { ...spec, taints: next } });
    changed.push(name);
  }
  return changed;
}
