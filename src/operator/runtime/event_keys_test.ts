import { assertEquals } from "../../../tests/assert.ts";
import type { KubeObject } from "../../kube/mod.ts";
import {
  clusterEventNeedsReconcile,
  clusterKeysForNode,
  keyOf,
  nodeEventNeedsReconcile,
  serverIdOfNode,
} from "./event_keys.ts";

function cluster(name: string, nodes: { name: string; serverID?: number }[] = []): KubeObject {
  return {
    apiVersion: "k8zner.io/v1alpha1",
    kind: "K8znerCluster",
    metadata: { name, namespace: "k8zner-system", generation: 1 },
    status: { controlPlanes: { nodes: nodes.slice(0, 1) }, workers: { nodes: nodes.slice(1) } },
  };
}

function node(name: string, extra: { labels?: Record<string, string>; providerID?: string } = {}): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name, ...(extra.labels ? { labels: extra.labels } : {}) },
    spec: extra.providerID ? { providerID: extra.providerID } : {},
  };
}

const CLUSTERS = [
  cluster("prod", [{ name: "prod-cp-1", serverID: 101 }, { name: "prod-w-1", serverID: 102 }]),
  cluster("dev", [{ name: "dev-cp-1", serverID: 201 }]),
];

Deno.test("clusterKeysForNode() finds the owner by label first, then by provider ID, then by name in status", () => {
  assertEquals(clusterKeysForNode(node("x", { labels: { "k8zner.io/cluster": "dev" } }), CLUSTERS), [
    "k8zner-system/dev",
  ]);
  assertEquals(clusterKeysForNode(node("renamed", { providerID: "hcloud://102" }), CLUSTERS), [
    "k8zner-system/prod",
  ]);
  assertEquals(clusterKeysForNode(node("dev-cp-1"), CLUSTERS), ["k8zner-system/dev"]);
});

Deno.test("clusterKeysForNode() maps a node nobody owns to no key, never to a fixed cluster", () => {
  assertEquals(clusterKeysForNode(node("stranger", { providerID: "hcloud://999" }), CLUSTERS), []);
  assertEquals(clusterKeysForNode(node("y", { labels: { "k8zner.io/cluster": "gone" } }), CLUSTERS), []);
  assertEquals(clusterKeysForNode(node("prod-cp-1"), []), []);
});

Deno.test("serverIdOfNode() reads hcloud provider IDs only", () => {
  assertEquals(serverIdOfNode(node("a", { providerID: "hcloud://42" })), 42);
  assertEquals(serverIdOfNode(node("a", { providerID: "aws:///eu-west-1a/i-1" })), undefined);
  assertEquals(serverIdOfNode(node("a")), undefined);
});

Deno.test("clusterEventNeedsReconcile() ignores status-only writes but not spec changes or deletion", () => {
  const old = cluster("prod");
  const statusOnly = { ...old, status: { phase: "Running" } };
  const specChange = { ...old, metadata: { ...old.metadata, generation: 2 } };
  const deleting = { ...old, metadata: { ...old.metadata, deletionTimestamp: "2026-01-01T00:00:00Z" } };
  assertEquals(clusterEventNeedsReconcile("MODIFIED", statusOnly, old), false);
  assertEquals(clusterEventNeedsReconcile("MODIFIED", specChange, old), true);
  assertEquals(clusterEventNeedsReconcile("MODIFIED", deleting, old), true);
  assertEquals(clusterEventNeedsReconcile("ADDED", old, undefined), true);
  assertEquals(clusterEventNeedsReconcile("DELETED", old, old), true);
  assertEquals(keyOf(old), "k8zner-system/prod");
});

Deno.test("nodeEventNeedsReconcile() ignores a kubelet report that only moves timestamps, not a Ready flip or a taint", () => {
  const node = (ready: string, heartbeat: string, taints: unknown[] = []): KubeObject => ({
    apiVersion: "v1",
    kind: "Node",
    metadata: { name: "prod-w-1", labels: { "k8zner.io/cluster": "prod" } },
    spec: { providerID: "hcloud://42", taints },
    status: {
      conditions: [{ type: "Ready", status: ready, lastHeartbeatTime: heartbeat, lastTransitionTime: heartbeat }],
      allocatable: { cpu: heartbeat === "t1" ? "2" : "1950m" },
    },
  } as KubeObject);
  assertEquals(nodeEventNeedsReconcile("MODIFIED", node("True", "t2"), node("True", "t1")), false);
  assertEquals(nodeEventNeedsReconcile("MODIFIED", node("Unknown", "t2"), node("True", "t1")), true);
  const taint = [{ key: "node.kubernetes.io/unreachable", effect: "NoSchedule" }];
  assertEquals(nodeEventNeedsReconcile("MODIFIED", node("True", "t2", taint), node("True", "t1")), true);
  assertEquals(nodeEventNeedsReconcile("ADDED", node("True", "t1"), undefined), true);
  assertEquals(nodeEventNeedsReconcile("DELETED", node("True", "t1"), node("True", "t1")), true);
});
