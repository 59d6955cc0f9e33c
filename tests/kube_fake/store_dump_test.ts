import { assertEquals, assertThrows } from "../assert.ts";
import { FakeKubeStore } from "./store.ts";
import { dumpStore, readStoreDump, restoreStore } from "./store_dump.ts";

const WIDGETS = {
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
      schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } },
    }],
  },
};

Deno.test("restoreStore() brings back every object, the resourceVersion and the custom types", () => {
  const store = new FakeKubeStore();
  store.put(WIDGETS);
  store.put({ apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w", namespace: "default" }, size: 3 });
  store.put({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "s", namespace: "kube-system" },
    data: { k: "dg==" },
  });
  store.remove("v1", "Namespace", "kube-public");
  const bytes = dumpStore(store);
  assertEquals(dumpStore(store), bytes, "the same state gives the same bytes");

  const restored = restoreStore(bytes);
  assertEquals(restored.resourceVersion, store.resourceVersion);
  assertEquals(restored.exportState(), store.exportState());
  assertEquals(restored.listObjects("v1", "Namespace").map((n) => (n.metadata as { name: string }).name), [
    "default",
    "kube-node-lease",
    "kube-system",
  ]);
  assertEquals(restored.getObject("example.com/v1", "Widget", "w", "default")?.size, 3);
  // The restored store goes on from the snapshot's revision.
  const next = restored.put({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: "default" } });
  assertEquals(
    (next.metadata as { resourceVersion: string }).resourceVersion,
    String(Number(store.resourceVersion) + 1),
  );
});

Deno.test("readStoreDump() refuses bytes that are not a store dump, naming what is wrong", () => {
  const text = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
  assertThrows(() => readStoreDump(new Uint8Array([0xff, 0xfe])), TypeError, "not JSON text");
  assertThrows(() => readStoreDump(text({ format: "other" })), TypeError, "format is not");
  assertThrows(
    () => readStoreDump(text({ format: "k8zner-fake-kube-store/v1", resourceVersion: -1, objects: [] })),
    TypeError,
    "resourceVersion",
  );
  assertThrows(
    () => readStoreDump(text({ format: "k8zner-fake-kube-store/v1", resourceVersion: 1, objects: [{}] })),
    TypeError,
    "objects[0]",
  );
});
