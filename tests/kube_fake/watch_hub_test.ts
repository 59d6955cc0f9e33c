import { assertEquals } from "../assert.ts";
import { FakeKubeStore, type WatchEvent } from "./store.ts";

function pod(name: string, app: string) {
  return { apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "default", labels: { app } }, spec: {} };
}

const appOf = (obj: Record<string, unknown>) => (obj.metadata as { labels?: { app?: string } }).labels?.app;

Deno.test("a write reaches each watch whose filter takes it, every one with an object of its own", () => {
  const store = new FakeKubeStore();
  const rt = store.typeOf("v1", "Pod");
  const got: Record<string, WatchEvent[]> = { web: [], db: [], all: [], other: [] };
  store.watch(rt, "default", (o) => appOf(o) === "web", "1", (e) => got.web!.push(e));
  store.watch(rt, "default", (o) => appOf(o) === "db", "1", (e) => got.db!.push(e));
  store.watch(rt, undefined, () => true, "1", (e) => {
    got.all!.push(e);
    // A watch that changes what it got changes nobody else's event.
    (e.object.metadata as { labels: Record<string, string> }).labels.app = "changed";
  });
  store.watch(rt, "other", () => true, "1", (e) => got.other!.push(e));
  store.put(pod("w1", "web"));
  store.put(pod("d1", "db"));
  assertEquals(got.web!.map((e) => [e.type, (e.object.metadata as { name: string }).name, appOf(e.object)]), [
    ["ADDED", "w1", "web"],
  ]);
  assertEquals(got.db!.map((e) => [e.type, (e.object.metadata as { name: string }).name, appOf(e.object)]), [
    ["ADDED", "d1", "db"],
  ]);
  assertEquals(got.all!.map((e) => (e.object.metadata as { name: string }).name), ["w1", "d1"]);
  assertEquals(got.other, []);
  assertEquals(got.web![0]!.object.apiVersion, "v1");
  assertEquals(got.web![0]!.object.kind, "Pod");
  assertEquals(appOf(store.getObject("v1", "Pod", "w1", "default")!), "web");
});

Deno.test("a watch closed while an earlier watch handles a write gets nothing more", () => {
  const store = new FakeKubeStore();
  const rt = store.typeOf("v1", "Pod");
  const second: string[] = [];
  let closeSecond = () => {};
  store.watch(rt, undefined, () => true, "1", () => closeSecond());
  closeSecond = store.watch(rt, undefined, () => true, "1", (e) => second.push(e.type));
  store.put(pod("a", "web"));
  store.put(pod("b", "web"));
  assertEquals(second, []);
});
