import { assertEquals } from "../assert.ts";
import { type KubeObj, startFakeKubeApi } from "./mod.ts";

function pod(name: string, owners: { kind: string; name: string; uid: string }[]): KubeObj {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: "default",
      ownerReferences: owners.map((o) => ({ apiVersion: "apps/v1", ...o, controller: false })),
    },
    spec: { containers: [{ name: "c", image: "registry.example/c:1" }] },
  };
}

Deno.test("deleting an owner deletes its dependents (Background), orphans them (Orphan), spares co-owned ones", async () => {
  const api = await startFakeKubeApi();
  const uidOf = (obj: KubeObj) => String((obj.metadata as { uid: string }).uid);
  const del = async (path: string, body?: unknown) => {
    const res = await fetch(api.url + path, {
      method: "DELETE",
      ...(body === undefined ? {} : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
    });
    await res.body?.cancel();
    return res.status;
  };
  const pods = () =>
    api.store.listObjects("v1", "Pod", "default").map((p) => {
      const meta = p.metadata as { name: string; ownerReferences?: { name: string }[] };
      return [meta.name, (meta.ownerReferences ?? []).map((r) => r.name)];
    });
  try {
    const cm = (name: string) =>
      api.store.put({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "default" } });
    const [a, b, c] = [cm("a"), cm("b"), cm("c")];
    api.store.put(pod("only-a", [{ kind: "ConfigMap", name: "a", uid: uidOf(a) }]));
    api.store.put(
      pod("a-and-b", [{ kind: "ConfigMap", name: "a", uid: uidOf(a) }, {
        kind: "ConfigMap",
        name: "b",
        uid: uidOf(b),
      }]),
    );
    api.store.put(pod("only-c", [{ kind: "ConfigMap", name: "c", uid: uidOf(c) }]));

    assertEquals(await del("/api/v1/namespaces/default/configmaps/a", { propagationPolicy: "Background" }), 200);
    assertEquals(pods(), [["a-and-b", ["b"]], ["only-c", ["c"]]]);
    assertEquals(await del("/api/v1/namespaces/default/configmaps/c?propagationPolicy=Orphan"), 200);
    assertEquals(pods(), [["a-and-b", ["b"]], ["only-c", []]]);
    assertEquals(await del("/api/v1/namespaces/default/configmaps/b", { propagationPolicy: "Sometimes" }), 400);
    assertEquals(await del("/api/v1/namespaces/default/configmaps/b"), 200);
    assertEquals(pods(), [["only-c", []]]);
  } finally {
    await api.close();
  }
});
