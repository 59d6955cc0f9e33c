import { assertEquals, assertMatch } from "../../../tests/assert.ts";
import { ManualTimers } from "../../../tests/manual_timers.ts";
import { type KubeObject } from "../../kube/mod.ts";
import { EventRecorder } from "./events.ts";
import { withKubeClient } from "../../../tests/kube_fake/with_kube_client.ts";

const CLUSTER: KubeObject = {
  apiVersion: "k8zner.io/v1alpha1",
  kind: "K8znerCluster",
  metadata: { name: "prod", namespace: "k8zner-system", uid: "u-1" },
};

Deno.test("EventRecorder writes core/v1 Events and bumps count for a repeat instead of a new object", () =>
  withKubeClient(async (kube, api) => {
    api.store.put({ apiVersion: "v1", kind: "Namespace", metadata: { name: "k8zner-system" } });
    const timers = new ManualTimers(Date.parse("2026-01-01T10:00:00Z"));
    const recorder = new EventRecorder({ kube, component: "k8zner-operator", instance: "pod-a", timers });
    await recorder.record(CLUSTER, "Normal", "ScalingWorkers", "Scale", "Creating worker prod-w-4 (cx22, fsn1)");
    await timers.advance(60_000);
    await recorder.record(CLUSTER, "Normal", "ScalingWorkers", "Scale", "Creating worker prod-w-4 (cx22, fsn1)");
    await recorder.record(
      { apiVersion: "v1", kind: "Node", metadata: { name: "prod-w-2" } },
      "Warning",
      "NodeNotReady",
      "Heal",
      "Node prod-w-2 NotReady for 5m; replacing",
    );
    const events = api.store.listObjects("v1", "Event");
    assertEquals(events.length, 2);
    const scaling = events.find((e) => e.reason === "ScalingWorkers")!;
    assertEquals((scaling.metadata as { namespace: string }).namespace, "k8zner-system");
    assertEquals(
      [scaling.count, scaling.firstTimestamp, scaling.lastTimestamp, scaling.type, scaling.reportingInstance],
      [2, "2026-01-01T10:00:00Z", "2026-01-01T10:01:00Z", "Normal", "pod-a"],
    );
    assertEquals(scaling.involvedObject, {
      apiVersion: "k8zner.io/v1alpha1",
      kind: "K8znerCluster",
      name: "prod",
      namespace: "k8zner-system",
      uid: "u-1",
    });
    const node = events.find((e) => e.reason === "NodeNotReady")!;
    assertEquals([(node.metadata as { namespace: string }).namespace, node.type], ["default", "Warning"]);
    assertMatch(String((node.metadata as { name: string }).name), /^prod-w-2\.[0-9a-f]+$/);
  }));

Deno.test("EventRecorder never throws: a failed write goes to onError", () =>
  withKubeClient(async (kube, api) => {
    const errors: string[] = [];
    const recorder = new EventRecorder({
      kube,
      component: "k8zner-operator",
      instance: "pod-a",
      onError: (err, e) => errors.push(`${e.reason}: ${(err as Error).message}`),
    });
    api.failNext({ method: "POST", path: "/api/v1/namespaces/default/events", code: 403, message: "forbidden" });
    await recorder.record({ apiVersion: "v1", kind: "Node", metadata: { name: "n" } }, "Normal", "X", "Y", "z");
    assertEquals(errors.length, 1);
    assertMatch(errors[0]!, /^X: Cannot create Event .*forbidden/);
  }));
