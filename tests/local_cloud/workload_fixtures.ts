/**
 * Fixtures for the workload controller tests: Nodes as the kubelet stand-in registers them, and a
 * kubelet pass that runs the pods bound to Nodes.
 *
 * @module
 */
import type { FakeKubeStore, KubeObj } from "../kube_fake/mod.ts";
import type { Taint } from "./node_facts.ts";
import { kubeletConditions, podStatus } from "./node_status.ts";

const NOW = "2026-01-01T00:00:00Z";

/** A Node with the kubelet's standard labels plus `labels`, `taints`, and Ready True (or `ready`). */
export function testNode(
  name: string,
  options: { labels?: Record<string, string>; taints?: Taint[]; ready?: "True" | "False" | "Unknown" } = {},
): KubeObj {
  const conditions = kubeletConditions(
    undefined,
    options.ready === "True" || !options.ready ? "ready" : "network-not-ready",
    NOW,
  );
  if (options.ready === "Unknown") { for (const c of conditions) c.status = "Unknown"; }
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name,
      labels: { "kubernetes.io/hostname": name, "kubernetes.io/os": "linux", ...options.labels },
    },
    spec: options.taints ? { taints: options.taints } : {},
    status: { conditions },
  };
}

/** Sets the Ready condition of Node `name`. */
export function setNodeReady(store: FakeKubeStore, name: string, ready: "True" | "False" | "Unknown"): void {
  const node = store.getObject("v1", "Node", name)!;
  const conditions = kubeletConditions(undefined, ready === "True" ? "ready" : "network-not-ready", NOW);
  if (ready === "Unknown") { for (const c of conditions) c.status = "Unknown"; }
  store.put({ ...node, status: { ...(node.status as Record<string, unknown>), conditions } });
}

/** What a kubelet pass does to bound pods here: every pod bound to a Node runs ready. */
export function runBoundPods(store: FakeKubeStore): void {
  for (const pod of store.listObjects("v1", "Pod")) {
    const nodeName = (pod.spec as { nodeName?: string }).nodeName;
    if (nodeName === undefined || (pod.status as { phase?: string } | undefined)?.phase === "Running") continue;
    store.put({ ...pod, status: podStatus(pod, "10.0.1.1", true, NOW) });
  }
}

/** The Node names the pods of `namespace` are bound to, sorted. */
export function podNodes(store: FakeKubeStore, namespace: string): string[] {
  return store.listObjects("v1", "Pod", namespace).map((p) => (p.spec as { nodeName?: string }).nodeName ?? "")
    .sort();
}
