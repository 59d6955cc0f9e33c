import { assertEquals, assertOk, assertRejects } from "../../tests/assert.ts";
import { startFakeKubeApi } from "../../tests/kube_fake/mod.ts";
import { createKubeClient } from "./client.ts";
import { isKubeError, KubeError } from "./errors.ts";
import type { KubeObject } from "./types.ts";
import { withKubeClient } from "../../tests/kube_fake/with_kube_client.ts";

const CRD: KubeObject = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: "gadgets.example.com" },
  spec: {
    group: "example.com",
    scope: "Namespaced",
    names: { plural: "gadgets", singular: "gadget", kind: "Gadget", listKind: "GadgetList" },
    versions: [{
      name: "v1",
      served: true,
      storage: true,
      subresources: { status: {} },
      schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } },
    }],
  },
};

Deno.test("applyServerSide() creates a CRD, a namespace and a custom resource of that CRD in one call", () =>
  withKubeClient(async (client, api) => {
    const applied = await client.applyServerSide([
      CRD,
      { apiVersion: "v1", kind: "Namespace", metadata: { name: "k8zner-system" } },
      {
        apiVersion: "example.com/v1",
        kind: "Gadget",
        metadata: { name: "g", namespace: "k8zner-system" },
        spec: { n: 1 },
      },
    ]);
    assertEquals(applied.map((o) => o.kind), ["CustomResourceDefinition", "Namespace", "Gadget"]);
    const patches = api.requests.filter((r) => r.method === "PATCH");
    assertOk(
      patches.every((r) => r.contentType === "application/apply-patch+yaml" && r.query.includes("fieldManager=k8zner")),
    );
    const again = await client.applyServerSide([
      {
        apiVersion: "example.com/v1",
        kind: "Gadget",
        metadata: { name: "g", namespace: "k8zner-system" },
        spec: { n: 2 },
      },
    ]);
    assertEquals([again[0]!.spec, again[0]!.metadata.generation], [{ n: 2 }, 2]);
  }));

Deno.test("get() returns undefined for a missing object and for a kind the server does not serve", () =>
  withKubeClient(async (client) => {
    assertEquals(await client.get("v1", "Secret", "absent", "default"), undefined);
    assertEquals(await client.get("k8zner.io/v1alpha1", "K8znerCluster", "demo", "k8zner-system"), undefined);
    const ns = await client.get("v1", "Namespace", "kube-system");
    assertEquals(ns?.metadata.name, "kube-system");
  }));

Deno.test("create() of an existing object throws KubeError AlreadyExists, delete() reports whether it deleted", () =>
  withKubeClient(async (client) => {
    const cm: KubeObject = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: "default" } };
    await client.create(cm);
    const err = await client.create(cm).catch((e) => e);
    assertOk(isKubeError(err, "AlreadyExists"), String(err));
    assertEquals([err.status, err.message], [
      409,
      'Cannot create ConfigMap "default/c": configmaps "c" already exists',
    ]);
    assertEquals(await client.delete("v1", "ConfigMap", "c", "default"), true);
    assertEquals(await client.delete("v1", "ConfigMap", "c", "default"), false);
    const missingNs = await client.create({ ...cm, metadata: { name: "c", namespace: "nope" } }).catch((e) => e);
    assertOk(isKubeError(missingNs, "NotFound"));
  }));

Deno.test("list() filters by label selector and patchMerge() changes labels and data", () =>
  withKubeClient(async (client) => {
    await client.applyServerSide([
      { apiVersion: "v1", kind: "Secret", metadata: { name: "a", namespace: "default", labels: { cluster: "x" } } },
      { apiVersion: "v1", kind: "Secret", metadata: { name: "b", namespace: "kube-system", labels: { cluster: "y" } } },
    ]);
    const xs = await client.list("v1", "Secret", undefined, { labelSelector: "cluster=x" });
    assertEquals(xs.map((s) => [s.kind, s.metadata.name]), [["Secret", "a"]]);
    const patched = await client.patchMerge("v1", "Secret", "b", "kube-system", {
      metadata: { labels: { cluster: "x" } },
      stringData: { k: "v" },
    });
    assertEquals([patched.metadata.labels, patched.data], [{ cluster: "x" }, { k: btoa("v") }]);
    assertEquals((await client.list("v1", "Secret", undefined, { labelSelector: "cluster=x" })).length, 2);
  }));

Deno.test("patchStatus() changes only the status of a custom resource", () =>
  withKubeClient(async (client, api) => {
    await client.applyServerSide([
      CRD,
      { apiVersion: "example.com/v1", kind: "Gadget", metadata: { name: "g", namespace: "default" }, spec: { n: 1 } },
    ]);
    const updated = await client.patchStatus("example.com/v1", "Gadget", "g", "default", { phase: "Ready" });
    assertEquals([updated.status, updated.spec, updated.metadata.generation], [{ phase: "Ready" }, { n: 1 }, 1]);
    assertOk(
      api.requests.some((r) =>
        r.path.endsWith("/gadgets/g/status") && r.contentType === "application/merge-patch+json"
      ),
    );
  }));

Deno.test("watch() delivers ADDED, MODIFIED and DELETED events and stop() ends it", () =>
  withKubeClient(async (client) => {
    const events: string[] = [];
    const { promise: sawDelete, resolve } = Promise.withResolvers<void>();
    const watch = await client.watch("v1", "ConfigMap", { namespace: "default" }, (type, obj) => {
      events.push(`${type} ${obj.metadata.name}`);
      if (type === "DELETED") resolve();
    });
    await client.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "w", namespace: "default" } });
    await client.patchMerge("v1", "ConfigMap", "w", "default", { data: { a: "1" } });
    await client.delete("v1", "ConfigMap", "w", "default");
    await sawDelete;
    watch.stop();
    await watch.done;
    assertEquals(events, ["ADDED w", "MODIFIED w", "DELETED w"]);
  }));

Deno.test("waitForApi() retries until the API answers, then gives up with a Timeout KubeError", async () => {
  const api = await startFakeKubeApi();
  let clock = 0;
  const client = await createKubeClient({
    kubeconfigYaml: api.kubeconfigYaml(),
    now: () => clock,
    sleep: (ms) => {
      clock += ms;
      return Promise.resolve();
    },
  });
  try {
    api.failNext({ path: "/version", code: 503, reason: "ServiceUnavailable", times: 2 });
    assertEquals(await client.waitForApi({ timeoutMs: 60_000, intervalMs: 1000 }), { gitVersion: "v1.32.0" });
    assertEquals(clock, 2000);
    api.failNext({ path: "/version", code: 503, reason: "ServiceUnavailable", times: 100 });
    await assertRejects(
      () => client.waitForApi({ timeoutMs: 5000, intervalMs: 1000 }),
      (err: unknown) => err instanceof KubeError && err.reason === "Timeout" && /within 5 s/.test(err.message),
    );
  } finally {
    client.close();
    await api.close();
  }
});

Deno.test("waitForApi() reports a network error when nothing listens", async () => {
  const api = await startFakeKubeApi();
  const kubeconfigYaml = api.kubeconfigYaml();
  await api.close();
  let clock = 0;
  const client = await createKubeClient({
    kubeconfigYaml,
    now: () => clock,
    sleep: (ms) => {
      clock += ms;
      return Promise.resolve();
    },
  });
  const err = await client.waitForApi({ timeoutMs: 3000, intervalMs: 1000 }).catch((e) => e);
  assertOk(err instanceof KubeError && err.reason === "Timeout", String(err));
  assertOk(isKubeError(err.cause, "NetworkError"), String(err.cause));
});

Deno.test("createKubeClient() rejects a kubeconfig without a current cluster", async () => {
  await assertRejects(
    () => createKubeClient({ kubeconfigYaml: "apiVersion: v1\nkind: Config\n" }),
    (err: unknown) => isKubeError(err, "InvalidKubeconfig"),
  );
});

Deno.test("create(), replace() and applyServerSide() send unknown fields to the server with fieldValidation=Strict", () =>
  withKubeClient(async (client, api) => {
    const typo = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "typo", namespace: "default" },
      dataa: { a: "b" },
    } as KubeObject;
    const created = await client.create(typo).catch((e) => e);
    assertOk(isKubeError(created, "BadRequest"), String(created));
    assertEquals(
      created.message,
      'Cannot create ConfigMap "default/typo": strict decoding error: unknown field "dataa"',
    );
    const applied = await client.applyServerSide([typo]).catch((e) => e);
    assertOk(isKubeError(applied), String(applied));
    assertEquals(
      applied.message,
      'Cannot apply ConfigMap "default/typo": failed to create typed patch object (default/typo; /v1, Kind=ConfigMap): ' +
        ".dataa: field not declared in schema",
    );
    const good = await client.create({ ...typo, dataa: undefined, data: { a: "b" } } as KubeObject);
    const replaced = await client.replace({ ...good, dataa: { c: "d" } } as KubeObject).catch((e) => e);
    assertOk(isKubeError(replaced, "BadRequest"), String(replaced));
    const writes = api.requests.filter((r) => r.method !== "GET");
    assertEquals(writes.map((r) => [r.method, new URLSearchParams(r.query).get("fieldValidation")]), [
      ["POST", "Strict"],
      ["PATCH", "Strict"],
      ["POST", "Strict"],
      ["PUT", "Strict"],
    ]);
  }));

Deno.test("evict() evicts a pod, reports a gone one, and surfaces a PodDisruptionBudget's 429 as TooManyRequests", () =>
  withKubeClient(async (client, api) => {
    const pod = (name: string): KubeObject => ({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name, namespace: "default", labels: { app: "web" } },
      spec: { containers: [{ name: "c", image: "busybox" }] },
      status: { phase: "Running", conditions: [{ type: "Ready", status: "True" }] },
    });
    api.store.put(pod("a"));
    api.store.put(pod("b"));
    api.store.put({
      apiVersion: "policy/v1",
      kind: "PodDisruptionBudget",
      metadata: { name: "web", namespace: "default" },
      spec: { minAvailable: 1, selector: { matchLabels: { app: "web" } } },
    });
    assertEquals(await client.evict("a", "default"), true);
    assertEquals(api.store.getObject("v1", "Pod", "a", "default"), undefined);
    await assertRejects(
      () => client.evict("b", "default"),
      (err: unknown) =>
        isKubeError(err, "TooManyRequests") && err.status === 429 && /disruption budget/.test(err.message),
    );
    assertOk(api.store.getObject("v1", "Pod", "b", "default"), "a pod a budget protects stays");
    assertEquals(await client.evict("a", "default"), false);
  }));

Deno.test("listMetadata() returns names and labels only, selected by label, without the objects' data", () =>
  withKubeClient(async (client, api) => {
    api.store.put({ apiVersion: "v1", kind: "Namespace", metadata: { name: "kube-system" } });
    for (const [name, owner] of [["sh.helm.release.v1.cilium.v1", "helm"], ["other", "someone"]]) {
      api.store.put({
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name, namespace: "kube-system", labels: { owner } },
        data: { release: btoa("x".repeat(1000)) },
      });
    }
    const items = await client.listMetadata("v1", "Secret", "kube-system", { labelSelector: "owner=helm" });
    assertEquals(items.map((i) => [i.kind, i.metadata.name, i.metadata.labels?.owner]), [
      ["PartialObjectMetadata", "sh.helm.release.v1.cilium.v1", "helm"],
    ]);
    assertEquals((items[0] as Record<string, unknown>).data, undefined);
    const asked = api.requests.at(-1)!;
    assertEquals(asked.accept, "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1");
  }));
