import { assertEquals } from "../assert.ts";
import { FAKE_CONTRACTS } from "../fake_contracts.ts";
import { FakeKubeStore, type KubeObj } from "../kube_fake/mod.ts";
import { requires } from "../requirements.ts";
import { reconcileEndpointSlices, SERVICE_NAME_LABEL } from "./endpoint_slices.ts";
import { ReplicaWorkloads } from "./replica_workloads.ts";
import { setNodeReady, testNode } from "./workload_fixtures.ts";
import { failWorkload } from "./workload_failures.ts";

const LABELS = { "app.kubernetes.io/name": "webhook" };

function webhookDeployment(): KubeObj {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "webhook", namespace: "cert-manager" },
    spec: {
      replicas: 1,
      selector: { matchLabels: LABELS },
      template: {
        metadata: { labels: { ...LABELS, "pod-template": "x" } },
        spec: {
          containers: [{
            name: "webhook",
            image: "quay.io/jetstack/cert-manager-webhook:v1.21.1",
            ports: [{ name: "https", containerPort: 10250 }],
          }],
        },
      },
    },
  };
}

function webhookService(): KubeObj {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "webhook", namespace: "cert-manager", uid: "5b0c1c1e-0000-4000-8000-000000000001" },
    spec: { selector: LABELS, ports: [{ name: "https", port: 443, targetPort: "https", protocol: "TCP" }] },
  };
}

type Slice = {
  endpoints: Array<{ conditions: { ready: boolean }; nodeName: string; targetRef: { name: string } }>;
  ports: unknown[];
};

Deno.test(requires(FAKE_CONTRACTS, {
  name:
    "a Service's EndpointSlice lists its Deployment's replicas, ready once their node is, with the named port resolved",
  fn: () => {
    const store = new FakeKubeStore();
    store.put({ apiVersion: "v1", kind: "Namespace", metadata: { name: "cert-manager" } });
    store.put(testNode("w-1", { ready: "False" }));
    store.put(webhookDeployment());
    store.put(webhookService());
    const workloads = new ReplicaWorkloads(store);
    const pass = () => {
      workloads.reconcile();
      reconcileEndpointSlices(store, workloads.modelledPods());
      const slices = store.listObjects("discovery.k8s.io/v1", "EndpointSlice", "cert-manager");
      assertEquals(slices.map((s) => (s.metadata as { labels: Record<string, string> }).labels[SERVICE_NAME_LABEL]), [
        "webhook",
      ]);
      return slices[0] as unknown as Slice;
    };

    // Placed on a node whose network is not ready: the pod has not started, has no IP, so no endpoint.
    const pending = pass();
    assertEquals([pending.endpoints, pending.ports], [[], []]);

    setNodeReady(store, "w-1", "True");
    const ready = pass();
    assertEquals(ready.endpoints.map((e) => [e.nodeName, e.conditions.ready]), [["w-1", true]]);
    assertEquals(ready.endpoints[0]!.targetRef.name.startsWith("webhook-"), true);
    assertEquals(ready.ports, [{ name: "https", port: 10250, protocol: "TCP" }]);

    // Failing on demand: the pod runs (crash-looping) but is not ready.
    failWorkload(store, { kind: "Deployment", namespace: "cert-manager", name: "webhook" }, { reason: "boom" });
    assertEquals(pass().endpoints.map((e) => e.conditions.ready), [false]);

    // The Service gone: its slice goes too.
    store.remove("v1", "Service", "webhook", "cert-manager");
    reconcileEndpointSlices(store, workloads.modelledPods());
    assertEquals(store.listObjects("discovery.k8s.io/v1", "EndpointSlice", "cert-manager"), []);
  },
}));
