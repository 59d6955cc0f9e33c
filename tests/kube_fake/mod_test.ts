import { assertEquals, assertOk } from "../assert.ts";
import { type FakeKubeApi, startFakeKubeApi } from "./mod.ts";

const WIDGET_CRD = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: "widgets.example.com" },
  spec: {
    group: "example.com",
    scope: "Namespaced",
    names: { plural: "widgets", singular: "widget", kind: "Widget", listKind: "WidgetList" },
    versions: [{
      name: "v1",
      served: true,
      storage: true,
      subresources: { status: {} },
      schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } },
    }],
  },
};

type Json = Record<string, unknown>;

async function call(
  api: FakeKubeApi,
  method: string,
  path: string,
  body?: unknown,
  contentType = "application/json",
): Promise<{ status: number; body: Json }> {
  const res = await fetch(api.url + path, {
    method,
    headers: body === undefined ? {} : { "content-type": contentType },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

function meta(obj: Json): Json {
  return obj.metadata as Json;
}

async function withApi(fn: (api: FakeKubeApi) => Promise<void>): Promise<void> {
  const api = await startFakeKubeApi();
  try {
    await fn(api);
  } finally {
    await api.close();
  }
}

Deno.test("discovery lists the core and named groups and a CRD's group once the CRD exists", () =>
  withApi(async (api) => {
    assertEquals((await call(api, "GET", "/version")).body.gitVersion, "v1.32.0");
    const core = await call(api, "GET", "/api/v1");
    const names = (core.body.resources as Json[]).map((r) => r.name);
    for (const r of ["namespaces", "secrets", "configmaps", "serviceaccounts", "services", "nodes", "pods", "events"]) {
      assertOk(names.includes(r), `core resources lack ${r}`);
    }
    assertEquals((await call(api, "GET", "/apis/example.com/v1")).status, 404);
    assertEquals(
      (await call(api, "POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", WIDGET_CRD)).status,
      201,
    );
    const groups = (await call(api, "GET", "/apis")).body.groups as Json[];
    assertOk(groups.some((g) => g.name === "example.com"));
    const list = await call(api, "GET", "/apis/example.com/v1");
    assertEquals((list.body.resources as Json[]).map((r) => r.name), ["widgets", "widgets/status"]);
    const crd = await call(api, "GET", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com");
    const conditions = (crd.body.status as Json).conditions as Json[];
    assertOk(conditions.some((c) => c.type === "Established" && c.status === "True"));
  }));

Deno.test("namespaced creates need an existing namespace and duplicates get AlreadyExists", () =>
  withApi(async (api) => {
    const cm = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, data: { a: "1" } };
    const missing = await call(api, "POST", "/api/v1/namespaces/nope/configmaps", cm);
    assertEquals([missing.status, missing.body.reason, missing.body.message], [
      404,
      "NotFound",
      'namespaces "nope" not found',
    ]);
    const created = await call(api, "POST", "/api/v1/namespaces/default/configmaps", cm);
    assertEquals(created.status, 201);
    assertOk(typeof meta(created.body).uid === "string");
    assertEquals(meta(created.body).namespace, "default");
    const again = await call(api, "POST", "/api/v1/namespaces/default/configmaps", cm);
    assertEquals([again.status, again.body.kind, again.body.reason], [409, "Status", "AlreadyExists"]);
    const get = await call(api, "GET", "/api/v1/namespaces/default/configmaps/absent");
    assertEquals([get.status, get.body.reason, get.body.message], [404, "NotFound", 'configmaps "absent" not found']);
  }));

Deno.test("PUT with a stale resourceVersion is a Conflict and resourceVersion is one global counter", () =>
  withApi(async (api) => {
    const ns = await call(api, "POST", "/api/v1/namespaces", { metadata: { name: "a" } });
    const sa = await call(api, "POST", "/api/v1/namespaces/a/serviceaccounts", { metadata: { name: "s" } });
    assertOk(Number(meta(sa.body).resourceVersion) > Number(meta(ns.body).resourceVersion));
    const updated = await call(api, "PUT", "/api/v1/namespaces/a/serviceaccounts/s", {
      ...sa.body,
      metadata: { ...meta(sa.body), labels: { x: "1" } },
    });
    assertEquals(updated.status, 200);
    const stale = await call(api, "PUT", "/api/v1/namespaces/a/serviceaccounts/s", {
      ...sa.body,
      metadata: { ...meta(sa.body), labels: { x: "2" } },
    });
    assertEquals([stale.status, stale.body.reason], [409, "Conflict"]);
  }));

Deno.test("generation moves with spec changes, not with status, and /status changes only status", () =>
  withApi(async (api) => {
    await call(api, "POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", WIDGET_CRD);
    const base = "/apis/example.com/v1/namespaces/default/widgets";
    const created = await call(api, "POST", base, {
      apiVersion: "example.com/v1",
      kind: "Widget",
      metadata: { name: "w" },
      spec: { size: 1 },
      status: { ignored: true },
    });
    assertEquals([meta(created.body).generation, created.body.status], [1, undefined]);
    const status = await call(api, "PATCH", `${base}/w/status`, {
      spec: { size: 9 },
      status: { phase: "Running" },
    }, "application/merge-patch+json");
    assertEquals([status.body.spec, status.body.status, meta(status.body).generation], [
      { size: 1 },
      { phase: "Running" },
      1,
    ]);
    const spec = await call(
      api,
      "PATCH",
      `${base}/w`,
      { spec: { size: 2 }, status: { phase: "X" } },
      "application/merge-patch+json",
    );
    assertEquals([spec.body.spec, spec.body.status, meta(spec.body).generation], [
      { size: 2 },
      { phase: "Running" },
      2,
    ]);
    const rv = meta(spec.body).resourceVersion;
    const noop = await call(api, "PATCH", `${base}/w`, { spec: { size: 2 } }, "application/merge-patch+json");
    assertEquals(meta(noop.body).resourceVersion, rv, "a no-op patch must not bump resourceVersion");
  }));

Deno.test("JSON patch, server-side apply with managedFields, and strategic merge refused for custom resources", () =>
  withApi(async (api) => {
    await call(api, "POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", WIDGET_CRD);
    const path = "/apis/example.com/v1/namespaces/default/widgets/w";
    const applied = {
      apiVersion: "example.com/v1",
      kind: "Widget",
      metadata: { name: "w" },
      spec: { size: 1, tags: ["a"] },
    };
    const noManager = await call(api, "PATCH", path, applied, "application/apply-patch+yaml");
    assertEquals(noManager.status, 422);
    const first = await call(api, "PATCH", `${path}?fieldManager=k8zner`, applied, "application/apply-patch+yaml");
    assertEquals(first.status, 201);
    assertEquals(((meta(first.body).managedFields as Json[])[0]!).manager, "k8zner");
    const second = await call(api, "PATCH", `${path}?fieldManager=k8zner&force=true`, {
      ...applied,
      spec: { size: 3 },
    }, "application/apply-patch+yaml");
    // As real server-side apply: k8zner alone owned spec.tags and no longer applies it, so it goes.
    assertEquals([second.status, second.body.spec], [200, { size: 3 }]);
    const jp = await call(api, "PATCH", path, [
      { op: "add", path: "/spec/tags", value: ["a"] },
      { op: "add", path: "/spec/tags/-", value: "b" },
      { op: "replace", path: "/spec/size", value: 4 },
      { op: "test", path: "/spec/size", value: 4 },
    ], "application/json-patch+json");
    assertEquals(jp.body.spec, { size: 4, tags: ["a", "b"] });
    const failedTest = await call(
      api,
      "PATCH",
      path,
      [{ op: "test", path: "/spec/size", value: 1 }],
      "application/json-patch+json",
    );
    assertEquals(failedTest.status, 422);
    const smp = await call(api, "PATCH", path, { spec: { size: 5 } }, "application/strategic-merge-patch+json");
    assertEquals([smp.status, smp.body.reason], [415, "UnsupportedMediaType"]);
  }));

Deno.test("LIST filters by labelSelector and fieldSelector across namespaces", () =>
  withApi(async (api) => {
    for (
      const [ns, name, labels] of [["default", "a", { app: "x" }], ["kube-system", "b", { app: "y" }], [
        "default",
        "c",
        {},
      ]] as const
    ) {
      await call(api, "POST", `/api/v1/namespaces/${ns}/secrets`, { metadata: { name, labels } });
    }
    const names = async (q: string) =>
      ((await call(api, "GET", `/api/v1/secrets?${q}`)).body.items as Json[]).map((i) => meta(i).name);
    assertEquals(await names("labelSelector=app"), ["a", "b"]);
    assertEquals(await names("labelSelector=app%20in%20(y,z)"), ["b"]);
    assertEquals(await names("labelSelector=!app"), ["c"]);
    assertEquals(await names("fieldSelector=metadata.name%3Dc"), ["c"]);
    const list = await call(api, "GET", "/api/v1/namespaces/default/secrets");
    assertEquals([list.body.kind, (list.body.items as Json[]).length], ["SecretList", 2]);
  }));

Deno.test("finalizers hold a delete until they are removed, and namespace deletion takes its contents", () =>
  withApi(async (api) => {
    await call(api, "POST", "/api/v1/namespaces", { metadata: { name: "n" } });
    await call(api, "POST", "/api/v1/namespaces/n/configmaps", { metadata: { name: "held", finalizers: ["x/y"] } });
    const deleting = await call(api, "DELETE", "/api/v1/namespaces/n/configmaps/held");
    assertOk(meta(deleting.body).deletionTimestamp);
    assertEquals((await call(api, "GET", "/api/v1/namespaces/n/configmaps/held")).status, 200);
    await call(
      api,
      "PATCH",
      "/api/v1/namespaces/n/configmaps/held",
      { metadata: { finalizers: null } },
      "application/merge-patch+json",
    );
    assertEquals((await call(api, "GET", "/api/v1/namespaces/n/configmaps/held")).status, 404);
    await call(api, "POST", "/api/v1/namespaces/n/configmaps", { metadata: { name: "inside" } });
    await call(api, "DELETE", "/api/v1/namespaces/n");
    assertEquals(api.store.listObjects("v1", "ConfigMap", "n"), []);
  }));

Deno.test("WATCH streams ADDED, MODIFIED and DELETED from a resourceVersion", () =>
  withApi(async (api) => {
    const list = await call(api, "GET", "/api/v1/namespaces/default/configmaps");
    const rv = meta(list.body).resourceVersion;
    const res = await fetch(`${api.url}/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=${rv}`);
    const lines = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    await call(api, "POST", "/api/v1/namespaces/default/configmaps", { metadata: { name: "w" } });
    await call(
      api,
      "PATCH",
      "/api/v1/namespaces/default/configmaps/w",
      { data: { a: "b" } },
      "application/merge-patch+json",
    );
    await call(api, "DELETE", "/api/v1/namespaces/default/configmaps/w");
    let text = "";
    while (text.split("\n").length < 4) {
      const chunk = await lines.read();
      if (chunk.done) break;
      text += chunk.value;
    }
    await lines.cancel();
    const events = text.trim().split("\n").map((l) => JSON.parse(l) as { type: string; object: Json });
    assertEquals(events.map((e) => e.type), ["ADDED", "MODIFIED", "DELETED"]);
    assertEquals(events[1]!.object.data, { a: "b" });
  }));

Deno.test("failNext() makes the next matching request fail once", () =>
  withApi(async (api) => {
    api.failNext({ method: "GET", path: "/api/v1/namespaces", code: 503, reason: "ServiceUnavailable" });
    assertEquals((await call(api, "GET", "/api/v1/namespaces")).status, 503);
    assertEquals((await call(api, "GET", "/api/v1/namespaces")).status, 200);
  }));

Deno.test("custom resources are checked against their CRD's openAPIV3Schema (422 Invalid naming the field)", () =>
  withApi(async (api) => {
    const crd = structuredClone(WIDGET_CRD);
    crd.spec.versions[0]!.schema = {
      openAPIV3Schema: {
        type: "object",
        properties: { spec: { type: "object", properties: { size: { type: "integer", minimum: 1 } } } },
      },
    } as never;
    await call(api, "POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd);
    const base = "/apis/example.com/v1/namespaces/default/widgets";
    const bad = await call(api, "POST", base, {
      apiVersion: "example.com/v1",
      kind: "Widget",
      metadata: { name: "w" },
      spec: { size: 0 },
    });
    assertEquals([bad.status, bad.body.reason], [422, "Invalid"]);
    assertOk(
      String(bad.body.message).startsWith('Widget.example.com "w" is invalid: [spec.size: must be >= 1'),
      String(bad.body.message),
    );
    const good = await call(api, "POST", base, {
      apiVersion: "example.com/v1",
      kind: "Widget",
      metadata: { name: "w" },
      spec: { size: 1 },
    });
    assertEquals(good.status, 201);
    const badPatch = await call(api, "PATCH", `${base}/w`, { spec: { size: "big" } }, "application/merge-patch+json");
    assertEquals(badPatch.status, 422);
  }));

Deno.test("leases support leader election: create, then update with the current resourceVersion only", () =>
  withApi(async (api) => {
    const path = "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases";
    const lease = await call(api, "POST", path, {
      metadata: { name: "k8zner-operator" },
      spec: { holderIdentity: "a", leaseDurationSeconds: 15 },
    });
    assertEquals(lease.status, 201);
    const renewed = await call(api, "PUT", `${path}/k8zner-operator`, {
      ...lease.body,
      spec: { holderIdentity: "a", leaseDurationSeconds: 15, renewTime: "2026-01-01T00:00:01.000000Z" },
    });
    assertEquals(renewed.status, 200);
    const stolen = await call(api, "PUT", `${path}/k8zner-operator`, { ...lease.body, spec: { holderIdentity: "b" } });
    assertEquals([stolen.status, stolen.body.reason], [409, "Conflict"]);
  }));

Deno.test("one of two API servers on one store closing leaves the other's watches streaming", async () => {
  const first = await startFakeKubeApi();
  const second = await startFakeKubeApi({ store: first.store });
  try {
    const list = await call(first, "GET", "/api/v1/namespaces/default/configmaps");
    const rv = meta(list.body).resourceVersion;
    const res = await fetch(`${first.url}/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=${rv}`);
    const lines = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    await second.close();
    await call(first, "POST", "/api/v1/namespaces/default/configmaps", { metadata: { name: "after" } });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const silent = new Promise<{ value: string }>((resolve) => {
      timer = setTimeout(() => resolve({ value: '{"type":"SILENT","object":{"metadata":{}}}' }), 2_000);
    });
    const chunk = await Promise.race([lines.read(), silent]);
    clearTimeout(timer);
    await lines.cancel();
    const event = JSON.parse(String(chunk.value).trim().split("\n")[0]!) as { type: string; object: Json };
    assertEquals([event.type, meta(event.object).name], ["ADDED", "after"]);
  } finally {
    await second.close();
    await first.close();
  }
});
