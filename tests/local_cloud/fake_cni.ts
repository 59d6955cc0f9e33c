/**
 * A stand-in CNI for tests until the operator installs Cilium: a `cilium` DaemonSet in kube-system
 * (the chart's name and `k8s-app: cilium` label, host networking, tolerating every taint as the agent
 * does) and one pod per Node bound to it, as the DaemonSet controller would create them. The local
 * cloud's kubelet stand-in runs those pods and, once one is ready on a node, reports that node's
 * network ready, as containerd does once the agent has written its CNI configuration.
 *
 * @module
 */
import type { FakeKubeStore, KubeObj } from "../kube_fake/mod.ts";

/** Labels that make a pod the node's CNI agent for the kubelet stand-in (Cilium's agent pods carry them). */
export const CNI_POD_LABELS: Readonly<Record<string, string>> = { "k8s-app": "cilium" };
const NAMESPACE = "kube-system";
const NAME = "cilium";

/** Whether `pod` is a CNI agent pod (kube-system, `k8s-app: cilium`, owned by a DaemonSet). */
export function isCniPod(pod: KubeObj): boolean {
  const meta = pod.metadata as { namespace?: string; labels?: Record<string, string>; ownerReferences?: KubeObj[] };
  return meta.namespace === NAMESPACE &&
    Object.entries(CNI_POD_LABELS).every(([k, v]) => meta.labels?.[k] === v) &&
    (meta.ownerReferences ?? []).some((o) => o.kind === "DaemonSet");
}

function podTemplate(): KubeObj {
  return {
    metadata: { labels: { ...CNI_POD_LABELS } },
    spec: {
      hostNetwork: true,
      priorityClassName: "system-node-critical",
      tolerations: [{ operator: "Exists" }],
      containers: [{ name: "cilium-agent", image: "quay.io/cilium/cilium:v1.18.4" }],
    },
  };
}

/**
 * Creates the CNI DaemonSet (when missing) and a pod bound to every Node that has none yet. Call again
 * after Nodes joined. Returns the names of the pods created.
 */
export function installFakeCni(store: FakeKubeStore): string[] {
  if (!store.getObject("v1", "Namespace", NAMESPACE)) {
    store.put({ apiVersion: "v1", kind: "Namespace", metadata: { name: NAMESPACE } });
  }
  const template = podTemplate();
  let ds = store.getObject("apps/v1", "DaemonSet", NAME, NAMESPACE);
  if (!ds) {
    ds = store.put({
      apiVersion: "apps/v1",
      kind: "DaemonSet",
      metadata: { name: NAME, namespace: NAMESPACE, labels: { ...CNI_POD_LABELS } },
      spec: { selector: { matchLabels: { ...CNI_POD_LABELS } }, template },
    });
  }
  const dsMeta = ds.metadata as { uid: string };
  const pods = store.listObjects("v1", "Pod", NAMESPACE).filter(isCniPod);
  const covered = new Set(pods.map((p) => (p.spec as { nodeName?: string }).nodeName));
  const created: string[] = [];
  const nodes = store.listObjects("v1", "Node");
  for (const node of nodes) {
    const nodeName = String((node.metadata as { name: string }).name);
    if (covered.has(nodeName)) continue;
    const name = `${NAME}-${nodeName.replace(/[^a-z0-9-]/g, "-")}`.slice(0, 63);
    store.put({
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        name,
        namespace: NAMESPACE,
        labels: { ...CNI_POD_LABELS },
        ownerReferences: [{
          apiVersion: "apps/v1",
          kind: "DaemonSet",
          name: NAME,
          uid: dsMeta.uid,
          controller: true,
          blockOwnerDeletion: true,
        }],
      },
      // The DaemonSet controller binds its pods to their node itself.
      spec: { ...(template.spec as Record<string, unknown>), nodeName },
      status: { phase: "Pending" },
    });
    created.push(name);
  }
  const scheduled = covered.size + created.length;
  store.put({
    ...store.getObject("apps/v1", "DaemonSet", NAME, NAMESPACE)!,
    status: {
      currentNumberScheduled: scheduled,
      desiredNumberScheduled: nodes.length,
      numberMisscheduled: 0,
      numberReady: 0,
    },
  });
  return created;
}
