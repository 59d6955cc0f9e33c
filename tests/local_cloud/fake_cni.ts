/**
 * A stand-in CNI for tests until the operator installs Cilium: a `cilium` DaemonSet in kube-system
 * with the chart's agent labels (`k8s-app: cilium`, `app.kubernetes.io/name: cilium-agent`), host
 * networking and tolerating every taint as the agent does. The DaemonSet controller
 * (daemonset_controller.ts) makes one pod per Node; the kubelet stand-in runs them and, once one is
 * ready on a node, reports that node's network ready, as containerd does once the agent has written
 * its CNI configuration.
 *
 * @module
 */
import type { FakeKubeStore, KubeObj } from "../kube_fake/mod.ts";
import { CNI_POD_LABELS } from "./cilium_agent.ts";
import { reconcileDaemonSets } from "./daemonset_controller.ts";

export { CNI_POD_LABELS, isCniPod } from "./cilium_agent.ts";

const NAMESPACE = "kube-system";
const NAME = "cilium";

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
 * Creates the CNI DaemonSet (when missing) and runs the DaemonSet controller over it once, so every
 * Node has its agent pod on return (the local cloud's controller keeps it so for Nodes that join
 * later). Returns the names of the pods created by this call.
 */
export function installFakeCni(store: FakeKubeStore): string[] {
  if (!store.getObject("v1", "Namespace", NAMESPACE)) {
    store.put({ apiVersion: "v1", kind: "Namespace", metadata: { name: NAMESPACE } });
  }
  if (!store.getObject("apps/v1", "DaemonSet", NAME, NAMESPACE)) {
    store.put({
      apiVersion: "apps/v1",
      kind: "DaemonSet",
      metadata: { name: NAME, namespace: NAMESPACE, labels: { ...CNI_POD_LABELS } },
      spec: { selector: { matchLabels: { ...CNI_POD_LABELS } }, template: podTemplate() },
    });
  }
  return reconcileDaemonSets(store, `${NAMESPACE}/${NAME}`).created.map((key) => key.slice(NAMESPACE.length + 1));
}
