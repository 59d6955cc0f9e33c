import { assertEquals } from "../assert.ts";
import { FakeKubeStore } from "./store.ts";

function pod(name: string, nodeName: string) {
  return { apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "default" }, spec: { nodeName } };
}

Deno.test("listObjects() with a filter returns copies of the matching objects only, in name order", () => {
  const store = new FakeKubeStore();
  for (const [name, node] of [["c", "n1"], ["a", "n1"], ["b", "n2"]]) store.put(pod(name!, node!));
  const onN1 = store.listObjects("v1", "Pod", undefined, (p) => (p.spec as { nodeName: string }).nodeName === "n1");
  assertEquals(onN1.map((p) => (p.metadata as { name: string }).name), ["a", "c"]);
  (onN1[0]!.spec as { nodeName: string }).nodeName = "changed";
  assertEquals((store.getObject("v1", "Pod", "a", "default")!.spec as { nodeName: string }).nodeName, "n1");
});

Deno.test("a list filter sees an object as the type it is read as serves it (events.k8s.io/v1 Event fields)", () => {
  const store = new FakeKubeStore();
  store.put({
    apiVersion: "v1",
    kind: "Event",
    metadata: { name: "e1", namespace: "default" },
    involvedObject: { kind: "Pod", name: "a", namespace: "default" },
    message: "pulled",
  });
  const seen: unknown[] = [];
  const listed = store.listObjects("events.k8s.io/v1", "Event", "default", (e) => {
    seen.push([e.apiVersion, e.note, e.message]);
    return e.note === "pulled";
  });
  assertEquals(seen, [["events.k8s.io/v1", "pulled", undefined]]);
  assertEquals(listed.map((e) => [e.apiVersion, e.note]), [["events.k8s.io/v1", "pulled"]]);
});
