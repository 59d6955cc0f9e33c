import { assertEquals, assertThrows } from "../assert.ts";
import { FakeKubeStore, type KubeObj } from "../kube_fake/mod.ts";
import { KindCache } from "./kind_cache.ts";

function pod(name: string, namespace: string, nodeName?: string): KubeObj {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace },
    spec: { containers: [{ name: "c", image: "x" }], ...(nodeName ? { nodeName } : {}) },
  };
}

function names(objs: KubeObj[]): string[] {
  return objs.map((o) => {
    const meta = o.metadata as { name: string; namespace: string };
    return `${meta.namespace}/${meta.name}`;
  });
}

Deno.test("KindCache files pods by node in the store's listing order and follows binds, moves and deletes at once", () => {
  const store = new FakeKubeStore();
  store.put(pod("b", "kube-system", "n1"));
  const cache = new KindCache(store, "v1", "Pod", (p) => (p.spec as { nodeName?: string }).nodeName);
  try {
    // Objects that existed before the cache, then written after it.
    store.put(pod("a", "kube-system", "n1"));
    store.put(pod("z", "default", "n1"));
    store.put(pod("pending", "default"));
    const onN1 = store.listObjects("v1", "Pod").filter((p) => (p.spec as { nodeName?: string }).nodeName === "n1");
    assertEquals(names(cache.indexed("n1")), names(onN1));
    assertEquals(names(cache.indexed("n1")), ["default/z", "kube-system/a", "kube-system/b"]);
    assertEquals(cache.indexed("n2"), []);

    // Bound by the scheduler: filed under its node; moved: out of the old one.
    store.put(pod("pending", "default", "n2"));
    store.put(pod("a", "kube-system", "n2"));
    assertEquals(names(cache.indexed("n2")), ["default/pending", "kube-system/a"]);
    assertEquals(names(cache.indexed("n1")), ["default/z", "kube-system/b"]);

    store.remove("v1", "Pod", "z", "default");
    assertEquals(names(cache.indexed("n1")), ["kube-system/b"]);
    assertEquals(cache.get("z", "default"), undefined);
    // The same object a store read returns, resourceVersion included.
    assertEquals(cache.get("b", "kube-system"), store.getObject("v1", "Pod", "b", "kube-system"));
  } finally {
    cache.close();
  }
});

Deno.test("KindCache hands out frozen objects and stops following the store once closed", () => {
  const store = new FakeKubeStore();
  const cache = new KindCache(store, "v1", "Node");
  store.put({ apiVersion: "v1", kind: "Node", metadata: { name: "n1" }, status: { conditions: [] } });
  const node = cache.get("n1")!;
  assertThrows(() => (node.status as { conditions: unknown[] }).conditions.push({}), TypeError);
  assertEquals(store.getObject("v1", "Node", "n1")!.status, { conditions: [] });
  cache.close();
  store.remove("v1", "Node", "n1");
  assertEquals((cache.get("n1")?.metadata as { name?: string } | undefined)?.name, "n1");
});
