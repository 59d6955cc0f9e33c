/**
 * What Talos' upgrade sequence does in Kubernetes before it reboots a node (machined's
 * `CordonAndDrainNode` and `pkg/kubernetes` `Drain`), and the uncordon once the node runs again:
 *
 * - cordon: `spec.unschedulable` with the annotation `talos.dev/cordoned: "true"` (Talos uncordons only a
 *   node it cordoned itself, recognised by that annotation);
 * - drain: every pod on the node is evicted through the Eviction API (PodDisruptionBudgets honoured),
 *   except mirror pods, pods without a controller and DaemonSet pods; a refusal (429) is retried every 5 s
 *   until the drain's 5 min timeout, after which Talos only logs a warning and reboots anyway.
 *
 * @module
 */
import type { FakeKubeStore, KubeObj } from "../kube_fake/mod.ts";
import { evictPod } from "../kube_fake/eviction.ts";
import { KubeStatusError } from "../kube_fake/status.ts";

/** The annotation Talos marks a node it cordoned with. */
export const TALOS_CORDONED_ANNOTATION = "talos.dev/cordoned";
/** Talos retries a refused eviction after this long. */
const EVICTION_RETRY_MS = 5_000;
/** Talos' `DrainTimeout`. */
const DRAIN_TIMEOUT_MS = 5 * 60_000;

/** Dependencies of {@link cordonAndDrain}. */
export interface DrainDeps {
  /** Simulated milliseconds to real ones. */
  realMs: (simulatedMs: number) => number;
  log: (line: string) => void;
}

/** Cordons Node `nodeName` as Talos does and evicts its pods; resolves when the drain is done or timed out. */
export async function cordonAndDrain(store: FakeKubeStore, nodeName: string, deps: DrainDeps): Promise<void> {
  const node = store.getObject("v1", "Node", nodeName);
  if (!node) return; // Talos skips the drain on a node that never joined.
  const spec = (node.spec ?? {}) as { unschedulable?: boolean };
  if (!spec.unschedulable) {
    const metadata = node.metadata as { annotations?: Record<string, string> };
    store.put({
      ...node,
      metadata: { ...metadata, annotations: { ...metadata.annotations, [TALOS_CORDONED_ANNOTATION]: "true" } },
      spec: { ...spec, unschedulable: true },
    });
  }
  const deadline = Date.now() + deps.realMs(DRAIN_TIMEOUT_MS);
  const pods = store.listObjects(
    "v1",
    "Pod",
    undefined,
    (p) => (p.spec as { nodeName?: string }).nodeName === nodeName,
  );
  await Promise.all(pods.filter(drained).map((pod) => evictUntilGone(store, pod, deadline, deps)));
}

/** Removes Talos' cordon from a node it cordoned (the node runs again); others' cordons stay. */
export function uncordonAfterTalos(store: FakeKubeStore, nodeName: string): boolean {
  const node = store.getObject("v1", "Node", nodeName);
  const metadata = node?.metadata as { annotations?: Record<string, string> } | undefined;
  if (!node || metadata?.annotations?.[TALOS_CORDONED_ANNOTATION] === undefined) return false;
  const { [TALOS_CORDONED_ANNOTATION]: _, ...annotations } = metadata.annotations;
  store.put({ ...node, metadata: { ...metadata, annotations }, spec: { ...(node.spec ?? {}), unschedulable: false } });
  return true;
}

/** Whether Talos' drain evicts the pod. */
function drained(pod: KubeObj): boolean {
  const meta = pod.metadata as {
    annotations?: Record<string, string>;
    ownerReferences?: Array<{ kind?: string; controller?: boolean }>;
  };
  if (meta.annotations?.["kubernetes.io/config.mirror"] !== undefined) return false;
  const controller = meta.ownerReferences?.find((o) => o.controller);
  return controller !== undefined && controller.kind !== "DaemonSet";
}

async function evictUntilGone(store: FakeKubeStore, pod: KubeObj, deadline: number, deps: DrainDeps): Promise<void> {
  const { name, namespace } = pod.metadata as { name: string; namespace: string };
  for (;;) {
    try {
      evictPod(store, namespace, name, { apiVersion: "policy/v1", kind: "Eviction", metadata: { name, namespace } });
      return;
    } catch (err) {
      if (err instanceof KubeStatusError && err.code === 404) return;
      if (!(err instanceof KubeStatusError && err.code === 429) || Date.now() >= deadline) {
        deps.log(`talos drain: WARNING: failed to evict pod ${namespace}/${name}: ${(err as Error).message}`);
        return;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, Math.max(1, deps.realMs(EVICTION_RETRY_MS))));
  }
}
