/**
 * What the operator needs from the fake Kubernetes API beyond CRUD: watch bookmarks and 410 after
 * compaction, the eviction subresource with PodDisruptionBudgets, server-side Tables, and OpenAPI
 * validation of built-in objects with the real server's strict-decoding answers.
 */
import { assertEquals, assertIncludes, assertMatch, assertOk } from "../assert.ts";
import { renderK8znerClusterCrd } from "../../src/addons/k8zner_crd.ts";
import { renderOperatorManifests } from "../../src/addons/operator_manifests.ts";
import { createKubeClient, type KubeObject } from "../../src/kube/mod.ts";
import { type FakeKubeApi, startFakeKubeApi } from "./mod.ts";
import { requires } from "../requirements.ts";
import { KUBERNETES_OPENAPI } from "../fake_contracts.ts";

type Json = Record<string, unknown>;

async function call(
  api: FakeKubeApi,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Json }> {
  const res = await fetch(api.url + path, {
    method,
    headers: body === undefined ? headers : { "content-type": "application/json", ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

async function withApi(fn: (api: FakeKubeApi) => Promise<void>, options = {}): Promise<void> {
  const api = await startFakeKubeApi(options);
  try {
    await fn(api);
  } finally {
    await api.close();
  }
}

async function readEvents(res: Response, count: number): Promise<Json[]> {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (text.split("\n").filter((l) => l !== "").length < count) {
    const chunk = await reader.read();
    if (chunk.done) break;
    text += chunk.value;
  }
  await reader.cancel();
  return text.split("\n").filter((l) => l !== "").map((l) => JSON.parse(l));
}

Deno.test("a watch with allowWatchBookmarks gets BOOKMARKs carrying the current resourceVersion", () =>
  withApi(async (api) => {
    const res = await fetch(`${api.url}/api/v1/nodes?watch=true&resourceVersion=4&allowWatchBookmarks=true`);
    api.store.put({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "moves-rv", namespace: "default" } });
    // The response headers come at once, so a bookmark may already be on its way from before the put: the
    // later ones carry the version the put made (a change of another type, which the watch itself never shows).
    const events = await readEvents(res, 3);
    assertEquals(events.map((e) => e.type), ["BOOKMARK", "BOOKMARK", "BOOKMARK"]);
    assertEquals(events.at(-1), {
      type: "BOOKMARK",
      object: { apiVersion: "v1", kind: "Node", metadata: { resourceVersion: api.store.resourceVersion } },
    });
  }, { bookmarkIntervalMs: 20 }));

Deno.test("a watch from a resourceVersion older than the compacted history gets one 410 Expired ERROR event", () =>
  withApi(async (api) => {
    api.store.put({ apiVersion: "v1", kind: "Node", metadata: { name: "a" } });
    api.compactHistory();
    const res = await fetch(`${api.url}/api/v1/nodes?watch=true&resourceVersion=2`);
    assertEquals(res.status, 200);
    const events = await readEvents(res, 1);
    assertEquals(events.length, 1);
    assertEquals(events[0]!.type, "ERROR");
    const status = events[0]!.object as Json;
    assertEquals([status.code, status.reason, status.message], [410, "Expired", "too old resource version: 2 (5)"]);
    const fresh = await fetch(`${api.url}/api/v1/nodes?watch=true&resourceVersion=5`);
    api.store.put({ apiVersion: "v1", kind: "Node", metadata: { name: "b" } });
    assertEquals((await readEvents(fresh, 1))[0]!.type, "ADDED");
  }));

function pod(name: string, ready: boolean): Json {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default", labels: { app: "etcd-guard" } },
    spec: { containers: [{ name: "c", image: "busybox" }] },
    status: { phase: "Running", conditions: [{ type: "Ready", status: ready ? "True" : "False" }] },
  };
}

Deno.test("pods/eviction: 429 with the budget's numbers while the PDB allows no disruption, 201 and gone otherwise", () =>
  withApi(async (api) => {
    api.store.put(pod("p1", true));
    api.store.put(pod("p2", true));
    api.store.put({
      apiVersion: "policy/v1",
      kind: "PodDisruptionBudget",
      metadata: { name: "guard", namespace: "default" },
      spec: { maxUnavailable: 0, selector: { matchLabels: { app: "etcd-guard" } } },
    });
    const eviction = { apiVersion: "policy/v1", kind: "Eviction", metadata: { name: "p1", namespace: "default" } };
    const refused = await call(api, "POST", "/api/v1/namespaces/default/pods/p1/eviction", eviction);
    assertEquals([refused.status, refused.body.reason, refused.body.message], [
      429,
      "TooManyRequests",
      "Cannot evict pod as it would violate the pod's disruption budget.",
    ]);
    assertEquals((refused.body.details as Json).causes, [{
      reason: "DisruptionBudget",
      message: "The disruption budget guard needs 2 healthy pods and has 2 currently",
    }]);
    assertOk(api.store.getObject("v1", "Pod", "p1", "default"));
    api.store.put({
      apiVersion: "policy/v1",
      kind: "PodDisruptionBudget",
      metadata: { name: "guard", namespace: "default" },
      spec: { minAvailable: 1, selector: { matchLabels: { app: "etcd-guard" } } },
    });
    const allowed = await call(api, "POST", "/api/v1/namespaces/default/pods/p1/eviction", eviction);
    assertEquals([allowed.status, allowed.body.status], [201, "Success"]);
    assertEquals(api.store.getObject("v1", "Pod", "p1", "default"), undefined);
    const last = await call(api, "POST", "/api/v1/namespaces/default/pods/p2/eviction", {
      ...eviction,
      metadata: { name: "p2" },
    });
    assertEquals(last.status, 429, "the last healthy pod is protected by minAvailable: 1");
    const mismatch = await call(api, "POST", "/api/v1/namespaces/default/pods/p2/eviction", eviction);
    assertEquals([mismatch.status, mismatch.body.message], [400, "name in URL does not match name in Eviction object"]);
    const resources = await call(api, "GET", "/api/v1");
    assertOk((resources.body.resources as Json[]).some((r) => r.name === "pods/eviction" && r.kind === "Eviction"));
  }));

Deno.test("pods/eviction: maxUnavailable 1 over a ReplicaSet of 3 refuses a second eviction until the first pod is replaced", () =>
  withApi(async (api) => {
    api.store.put({
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      metadata: { name: "web", namespace: "default" },
      spec: { replicas: 3, selector: { matchLabels: { app: "etcd-guard" } } },
    });
    const uid = (api.store.getObject("apps/v1", "ReplicaSet", "web", "default")!.metadata as Json).uid;
    const owned = (name: string) => {
      const p = pod(name, true);
      return {
        ...p,
        metadata: {
          ...(p.metadata as Json),
          ownerReferences: [{ kind: "ReplicaSet", name: "web", uid, controller: true }],
        },
      };
    };
    for (const name of ["p1", "p2", "p3"]) api.store.put(owned(name));
    api.store.put({
      apiVersion: "policy/v1",
      kind: "PodDisruptionBudget",
      metadata: { name: "guard", namespace: "default" },
      spec: { maxUnavailable: 1, selector: { matchLabels: { app: "etcd-guard" } } },
    });
    const evict = (name: string) =>
      call(api, "POST", `/api/v1/namespaces/default/pods/${name}/eviction`, {
        apiVersion: "policy/v1",
        kind: "Eviction",
        metadata: { name, namespace: "default" },
      });
    assertEquals((await evict("p1")).status, 201);
    const second = await evict("p2");
    assertEquals(second.status, 429, "p1 is not replaced yet: 2 of the 3 expected pods run, the budget needs 2");
    assertEquals((second.body.details as Json).causes, [{
      reason: "DisruptionBudget",
      message: "The disruption budget guard needs 2 healthy pods and has 2 currently",
    }]);
    api.store.put(owned("p4"));
    assertEquals((await evict("p2")).status, 201, "replaced: one disruption allowed again");
  }));

Deno.test("a Table request for custom resources renders Name plus the CRD's printer columns", () =>
  withApi(async (api) => {
    api.store.put(renderK8znerClusterCrd());
    api.store.put({ apiVersion: "v1", kind: "Namespace", metadata: { name: "k8zner-system" } });
    api.store.put({
      apiVersion: "k8zner.io/v1alpha1",
      kind: "K8znerCluster",
      metadata: { name: "prod", namespace: "k8zner-system" },
      spec: {},
      status: { phase: "Healing", controlPlanes: { ready: 2 } },
    });
    const accept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";
    const table = await call(api, "GET", "/apis/k8zner.io/v1alpha1/k8znerclusters", undefined, { accept });
    assertEquals([table.body.kind, table.body.apiVersion], ["Table", "meta.k8s.io/v1"]);
    assertEquals((table.body.columnDefinitions as Json[]).map((c) => [c.name, c.type]), [
      ["Name", "string"],
      ["Phase", "string"],
      ["CPs", "integer"],
      ["Workers", "integer"],
      ["Age", "date"],
    ]);
    const row = (table.body.rows as Json[])[0]!;
    assertEquals((row.cells as unknown[]).slice(0, 4), ["prod", "Healing", 2, null]);
    assertMatch(String((row.cells as unknown[])[4]), /^\d+s$/);
    assertEquals((row.object as Json).kind, "PartialObjectMetadata");
    const plain = await call(api, "GET", "/apis/k8zner.io/v1alpha1/k8znerclusters");
    assertEquals(plain.body.kind, "K8znerClusterList");
  }));

Deno.test(requires([KUBERNETES_OPENAPI], {
  name: "built-in objects are validated against the v1.35 OpenAPI document with strict decoding errors",
  fn: () =>
    withApi(async (api) => {
      const deployments = "/apis/apps/v1/namespaces/default/deployments";
      const deployment = {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "web" },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: "web" } },
          template: {
            metadata: { labels: { app: "web" } },
            spec: { containers: [{ name: "web", image: "nginx", ports: [{ containerPort: 80 }] }] },
          },
        },
      };
      const mistyped = await call(api, "POST", deployments, {
        ...deployment,
        spec: { ...deployment.spec, replicas: "3" },
      });
      assertEquals([mistyped.status, mistyped.body.reason, mistyped.body.message], [
        400,
        "BadRequest",
        'Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct ' +
        "field DeploymentSpec.spec.replicas of type int32",
      ]);
      const unknown = structuredClone(deployment) as Json;
      ((unknown.spec as Json).template as { spec: { containers: Json[] } }).spec.containers[0]!.imagePullPolicyy =
        "Always";
      (unknown.spec as Json).replica = 2;
      const strict = await call(api, "POST", deployments, unknown);
      assertEquals([strict.status, strict.body.message], [
        400,
        // In document order, as the decoder meets them.
        'strict decoding error: unknown field "spec.template.spec.containers[0].imagePullPolicyy", ' +
        'unknown field "spec.replica"',
      ]);
      const ignored = await call(api, "POST", `${deployments}?fieldValidation=Ignore`, unknown);
      assertEquals(ignored.status, 201);
      assertEquals("replica" in (ignored.body.spec as Json), false, "Ignore drops the unknown field");
      const warned = await fetch(`${api.url}${deployments}?fieldValidation=Warn`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ ...unknown, metadata: { name: "web2" } }),
      });
      assertEquals(warned.status, 201);
      assertEquals("replica" in ((await warned.json()).spec as Json), false);
      assertEquals(
        warned.headers.get("warning"),
        '299 - "unknown field \\"spec.template.spec.containers[0].imagePullPolicyy\\"", 299 - "unknown field \\"spec.replica\\""',
      );
      const patched = await call(api, "PATCH", `${deployments}/web`, { spec: { paused: "yes" } }, {
        "content-type": "application/merge-patch+json",
      });
      assertEquals(patched.status, 400);
      assertIncludes(String(patched.body.message), "Go struct field DeploymentSpec.spec.paused of type bool");
      const applied = await fetch(`${api.url}${deployments}/web?fieldManager=k8zner`, {
        method: "PATCH",
        headers: { "content-type": "application/apply-patch+yaml" },
        body: JSON.stringify({
          apiVersion: "apps/v1",
          kind: "Deployment",
          metadata: { name: "web" },
          spec: { foo: 1 },
        }),
      });
      const status = await applied.json();
      assertEquals([applied.status, status.message], [
        500,
        "failed to create typed patch object (default/web; apps/v1, Kind=Deployment): .spec.foo: field not declared in schema",
      ]);
      const cm = await call(api, "POST", "/api/v1/namespaces/default/configmaps", {
        metadata: { name: "c", labels: { n: 1 } },
        data: { a: "b" },
      });
      assertEquals(cm.status, 400);
      assertIncludes(
        String(cm.body.message),
        "cannot unmarshal number into Go struct field ObjectMeta.metadata.labels",
      );
    }),
}));

Deno.test(requires([KUBERNETES_OPENAPI], {
  name: "every manifest the operator hand-over renders passes strict validation; a typo in one is refused",
  fn: () =>
    withApi(async (api) => {
      const client = await createKubeClient({ kubeconfigYaml: api.kubeconfigYaml() });
      try {
        const manifests = renderOperatorManifests(
          {
            clusterName: "demo",
            image: "ghcr.io/k8zner/k8zner:v0.1.0",
            replicas: 1,
            hcloudToken: "t".repeat(64),
          } as Parameters<typeof renderOperatorManifests>[0],
        );
        const applied = await client.applyServerSide(manifests);
        assertEquals(applied.length, manifests.length);
        const deployment = structuredClone(manifests.find((m) => m.kind === "Deployment")!) as KubeObject & Json;
        const container = ((deployment.spec as Json).template as { spec: { containers: Json[] } }).spec.containers[0]!;
        container.livenessProbe = { httpGet: { path: "/healthz", portt: "health" } };
        const err = await client.applyServerSide([deployment]).then(() => undefined, (e: Error) => e);
        assertMatch(
          String(err?.message),
          /\.spec\.template\.spec\.containers\[0\]\.livenessProbe\.httpGet\.portt: field not declared in schema/,
        );
      } finally {
        client.close();
      }
    }),
}));

Deno.test("an events.k8s.io/v1 Event is one object with its core v1 Event, converted per API", () =>
  withApi(async (api) => {
    const created = await call(api, "POST", "/apis/events.k8s.io/v1/namespaces/default/events", {
      apiVersion: "events.k8s.io/v1",
      kind: "Event",
      metadata: { name: "n1.1" },
      eventTime: "2026-01-01T00:00:00.000000Z",
      reportingController: "k8zner.io/operator",
      reportingInstance: "pod-a",
      action: "Heal",
      reason: "NodeNotReady",
      type: "Warning",
      note: "replacing n1",
      regarding: { apiVersion: "v1", kind: "Node", name: "n1" },
    });
    assertEquals([created.status, created.body.note, created.body.message], [201, "replacing n1", undefined]);
    const core = await call(api, "GET", "/api/v1/namespaces/default/events/n1.1");
    assertEquals(
      [core.body.apiVersion, core.body.message, core.body.reportingComponent, (core.body.involvedObject as Json).name],
      ["v1", "replacing n1", "k8zner.io/operator", "n1"],
    );
    await call(api, "POST", "/api/v1/namespaces/default/events", {
      metadata: { name: "n2.1" },
      involvedObject: { kind: "Node", name: "n2" },
      reason: "Scaled",
      message: "m",
      count: 3,
    });
    const listed = await call(api, "GET", "/apis/events.k8s.io/v1/namespaces/default/events");
    const items = listed.body.items as Json[];
    assertEquals(items.map((e) => [(e.metadata as Json).name, e.note ?? null]), [["n1.1", "replacing n1"], [
      "n2.1",
      "m",
    ]]);
    assertEquals([items[1]!.deprecatedCount, items[1]!.apiVersion], [3, "events.k8s.io/v1"]);
  }));

Deno.test("Events are refused as the API server refuses them: namespace rule on v1, strict fields on events.k8s.io/v1", () =>
  withApi(async (api) => {
    const core = await call(api, "POST", "/api/v1/namespaces/kube-system/events", {
      metadata: { name: "n.1" },
      involvedObject: { kind: "Node", name: "n" },
      reason: "R",
      message: "m",
    });
    assertEquals([core.status, core.body.reason, core.body.message], [
      422,
      "Invalid",
      'Event "n.1" is invalid: involvedObject.namespace: Invalid value: "": does not match event.namespace',
    ]);
    const lax = await call(api, "POST", "/api/v1/namespaces/default/events", {
      metadata: { name: "n.2" },
      involvedObject: { kind: "Node", name: "n" },
    });
    assertEquals(lax.status, 201, "core v1 needs no reason, action or eventTime");
    const strict = await call(api, "POST", "/apis/events.k8s.io/v1/namespaces/default/events", {
      metadata: { name: "n.3" },
      regarding: { kind: "Node", name: "n" },
      type: "Normal",
      deprecatedCount: 2,
    });
    assertEquals(strict.status, 422);
    assertEquals(
      strict.body.message,
      'Event.events.k8s.io "n.3" is invalid: [eventTime: Required value, deprecatedCount: Invalid value: "": needs to ' +
        "be unset, reportingController: Required value, reportingInstance: Required value, action: Required value, " +
        "reason: Required value]",
    );
  }));
