import { assertEquals } from "../assert.ts";
import { FakeKubeStore } from "./store.ts";

function pod(name: string, nodeName: string) {
  return { apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "default" }, spec: { nodeName } };
}

/** A core/v1 Event, which events.k8s.io/v1 serves with `note` for `message`. */
function coreEvent() {
  return {
    apiVersion: "v1",
    kind: "Event",
    metadata: { name: "e1", namespace: "default" },
    involvedObject: { kind: "Pod", name: "a", namespace: "default" },
    message: "pulled",
  };
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
  store.put(coreEvent());
  const seen: unknown[] = [];
  const listed = store.listObjects("events.k8s.io/v1", "Event", "default", (e) => {
    seen.push([e.apiVersion, e.note, e.message]);
    return e.note === "pulled";
  });
  assertEquals(seen, [["events.k8s.io/v1", "pulled", undefined]]);
  assertEquals(listed.map((e) => [e.apiVersion, e.note]), [["events.k8s.io/v1", "pulled"]]);
});

Deno.test("viewObjects() returns what listObjects() does, frozen and shared until the object is written again", () => {
  const store = new FakeKubeStore();
  for (const [name, node] of [["b", "n2"], ["a", "n1"]]) store.put(pod(name!, node!));
  const first = store.viewObjects("v1", "Pod", "default");
  assertEquals(first, store.listObjects("v1", "Pod", "default"));
  assertEquals(first.every((p) => Object.isFrozen(p) && Object.isFrozen(p.spec)), true);
  let threw = false;
  try {
    (first[0]!.spec as { nodeName: string }).nodeName = "changed";
  } catch (err) {
    threw = err instanceof TypeError;
  }
  assertEquals(threw, true);
  const again = store.viewObjects("v1", "Pod", "default");
  assertEquals(again[0] === first[0] && again[1] === first[1], true);
  store.put({ ...pod("a", "n3") });
  const after = store.viewObjects("v1", "Pod", "default");
  assertEquals((after[0]!.spec as { nodeName: string }).nodeName, "n3");
  assertEquals(after[0] === first[0], false);
  assertEquals(after[1] === first[1], true);
  assertEquals(store.viewObject("v1", "Pod", "a", "default") === after[0], true);
  assertEquals(store.viewObject("v1", "Pod", "missing", "default"), undefined);
});

Deno.test("a view is the object as the type it is read as serves it (an Event read as events.k8s.io/v1)", () => {
  const store = new FakeKubeStore();
  store.put(coreEvent());
  assertEquals(
    store.viewObject("events.k8s.io/v1", "Event", "e1", "default"),
    store.getObject("events.k8s.io/v1", "Event", "e1", "default"),
  );
  assertEquals(store.viewObject("v1", "Event", "e1", "default"), store.getObject("v1", "Event", "e1", "default"));
  assertEquals(store.viewObject("events.k8s.io/v1", "Event", "e1", "default")!.note, "pulled");
});
