import { assertEquals, assertOk } from "../../../tests/assert.ts";
import { type FakeKubeApi, startFakeKubeApi } from "../../../tests/kube_fake/mod.ts";
import { createKubeClient, type KubeClient } from "../../kube/mod.ts";
import { ManualTimers } from "../../../tests/manual_timers.ts";
import { type ChangeType, ListWatcher, type ListWatcherOptions, type ListWatchNotice } from "./list_watch.ts";

interface Harness {
  api: FakeKubeApi;
  watcher: ListWatcher;
  changes: string[];
  notices: ListWatchNotice[];
  nodeWatches: () => URLSearchParams[];
  nodeLists: () => number;
}

async function withWatcher(
  options: Partial<ListWatcherOptions> & { bookmarkIntervalMs?: number },
  fn: (h: Harness) => Promise<void>,
): Promise<void> {
  const api = await startFakeKubeApi({ bookmarkIntervalMs: options.bookmarkIntervalMs ?? 60_000 });
  const kube: KubeClient = await createKubeClient({ kubeconfigYaml: api.kubeconfigYaml() });
  const changes: string[] = [];
  const notices: ListWatchNotice[] = [];
  const watcher = new ListWatcher({
    kube,
    apiVersion: "v1",
    kind: "Node",
    onChange: (type: ChangeType, object) => changes.push(`${type} ${object.metadata.name}`),
    onNotice: (n) => notices.push(n),
    baseBackoffMs: 20,
    maxBackoffMs: 100,
    ...options,
  });
  const stop = new AbortController();
  const running = watcher.run(stop.signal);
  const nodeRequests = () => api.requests.filter((r) => r.method === "GET" && r.path === "/api/v1/nodes");
  try {
    await fn({
      api,
      watcher,
      changes,
      notices,
      nodeWatches: () =>
        nodeRequests().filter((r) => r.query.includes("watch=true")).map((r) => new URLSearchParams(r.query)),
      nodeLists: () => nodeRequests().filter((r) => !r.query.includes("watch=true")).length,
    });
  } finally {
    stop.abort();
    await running;
    kube.close();
    await api.close();
  }
}

async function until(what: string, check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function putNode(api: FakeKubeApi, name: string, labels: Record<string, string> = {}): void {
  api.store.put({ apiVersion: "v1", kind: "Node", metadata: { name, labels }, status: {} });
}

function putConfigMap(api: FakeKubeApi, name: string): void {
  api.store.put({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "default" } });
}

Deno.test("ListWatcher lists, then watches with bookmarks and a jittered ~5 min server timeout", async () => {
  let calls = 0;
  await withWatcher({ random: () => [0, 0.5][calls++ % 2]! }, async (h) => {
    putNode(h.api, "a");
    await until("first watch", () => h.nodeWatches().length === 1);
    putNode(h.api, "b");
    putNode(h.api, "a", { role: "cp" });
    h.api.store.remove("v1", "Node", "b");
    await until("3 watch events", () => h.changes.length === 4);
    assertEquals(h.changes, ["ADDED a", "ADDED b", "MODIFIED a", "DELETED b"]);
    const q = h.nodeWatches()[0]!;
    assertEquals([q.get("allowWatchBookmarks"), q.get("timeoutSeconds")], ["true", "300"]);
    assertEquals(h.watcher.items().map((n) => n.metadata.name), ["a"]);
    assertEquals(h.watcher.synced, true);
  });
});

Deno.test("ListWatcher resumes a dropped watch from the last BOOKMARK's resourceVersion without relisting", () =>
  withWatcher({ bookmarkIntervalMs: 30 }, async (h) => {
    putNode(h.api, "a");
    await until("watch", () => h.nodeWatches().length === 1);
    putNode(h.api, "a", { seen: "yes" });
    await until("event", () => h.changes.length === 2);
    // Writes to another kind move the global resourceVersion; only bookmarks tell the Node watch.
    putConfigMap(h.api, "x");
    putConfigMap(h.api, "y");
    const globalRv = h.api.store.resourceVersion;
    await until("bookmark", () => h.watcher.resourceVersion === globalRv);
    assertEquals(h.api.dropWatches("nodes"), 1);
    await until("second watch", () => h.nodeWatches().length === 2);
    assertEquals(h.nodeWatches()[1]!.get("resourceVersion"), globalRv);
    assertEquals(h.nodeLists(), 1, "a dropped watch does not relist");
    putNode(h.api, "c");
    await until("event after reconnect", () => h.changes.includes("ADDED c"));
    assertOk(h.notices.some((n) => n.event === "watch-ended" && n.reason === "server-closed"));
  }));

Deno.test("ListWatcher relists on 410 Expired and emits what changed while it was not watching", () =>
  withWatcher({}, async (h) => {
    putNode(h.api, "a");
    putNode(h.api, "b");
    await until("watch", () => h.nodeWatches().length === 1 && h.changes.length === 2);
    h.api.stallWatches("nodes"); // the watcher misses what follows
    putNode(h.api, "a", { changed: "1" });
    h.api.store.remove("v1", "Node", "b");
    putNode(h.api, "c");
    h.api.compactHistory();
    h.api.dropWatches("nodes");
    await until("relist", () => h.changes.length === 5);
    assertEquals(h.changes.slice(2).sort(), ["ADDED c", "DELETED b", "MODIFIED a"]);
    assertEquals(h.nodeLists(), 2);
    const expired = h.notices.find((n) => n.event === "expired");
    assertOk(expired && expired.event === "expired" && /too old resource version/.test(expired.message));
  }));

Deno.test("ListWatcher's inactivity watchdog restarts a watch that went silent", () =>
  withWatcher({ inactivityMs: 1_000 }, async (h) => {
    putNode(h.api, "a");
    await until("watch", () => h.nodeWatches().length === 1);
    putNode(h.api, "a", { x: "1" });
    await until("event", () => h.changes.length === 2);
    h.api.stallWatches("nodes");
    putNode(h.api, "b");
    await new Promise((r) => setTimeout(r, 100));
    assertEquals(h.changes.includes("ADDED b"), false, "the stalled watch delivers nothing");
    await until("watchdog restart", () => h.changes.includes("ADDED b"), 3_000);
    assertOk(h.notices.some((n) => n.event === "watch-ended" && n.reason === "inactive"));
    assertEquals(h.nodeLists(), 1, "resumed from the resourceVersion, no relist");
  }));

Deno.test("ListWatcher backs off and retries when the list fails, then syncs", () =>
  withWatcher({}, async (h) => {
    // The first list has already been sent; fail the retries too.
    await h.watcher.waitForSync();
    h.api.failNext({ method: "GET", path: "/api/v1/nodes", code: 500, message: "etcd timeout", times: 3 });
    h.api.dropWatches("nodes");
    putNode(h.api, "late");
    await until("recovered", () => h.changes.includes("ADDED late"));
    const errors = h.notices.filter((n) => n.event === "error");
    assertEquals(errors.length, 3, JSON.stringify(h.notices));
    assertOk(errors.every((e) => e.event === "error" && /etcd timeout/.test(e.message)));
    const delays = errors.map((e) => e.event === "error" ? e.retryInMs : 0);
    assertOk(delays[0]! >= 16 && delays[0]! <= 24 && delays[1]! >= 32 && delays[2]! >= 64, `delays ${delays}`);
  }));

Deno.test("ListWatcher relists everything when the periodic relist interval is due", () =>
  withWatcher({ relistIntervalMs: 300 }, async (h) => {
    putNode(h.api, "a");
    await until("two lists", () => h.nodeLists() >= 2, 3_000);
    assertOk(h.notices.some((n) => n.event === "watch-ended" && n.reason === "relist-due"));
    assertEquals(h.changes, ["ADDED a"], "an unchanged relist emits nothing");
  }));

Deno.test("ListWatcher aborts a watch from the client side a little after the server timeout", async () => {
  const timers = new ManualTimers();
  const watches: { query: Record<string, unknown>; stopped: boolean }[] = [];
  const kube = {
    listWithVersion: () => Promise.resolve({ items: [], resourceVersion: "7" }),
    watch: (_a: string, _k: string, options: Record<string, unknown>) => {
      const entry = { query: options, stopped: false };
      watches.push(entry);
      const { promise: done, resolve } = Promise.withResolvers<void>();
      // A connection that never closes and never sends a byte: only our own timers can end it.
      return Promise.resolve({ stop: () => (entry.stopped = true, resolve()), done });
    },
  };
  const notices: ListWatchNotice[] = [];
  const watcher = new ListWatcher({
    kube,
    apiVersion: "v1",
    kind: "Node",
    onChange: () => {},
    onNotice: (n) => notices.push(n),
    serverTimeoutSeconds: 300,
    clientGraceMs: 30_000,
    inactivityMs: 3_600_000,
    timers,
    random: () => 0,
  });
  const stop = new AbortController();
  const running = watcher.run(stop.signal);
  await timers.advance(0);
  assertEquals(watches.length, 1);
  assertEquals([watches[0]!.query.timeoutSeconds, watches[0]!.query.resourceVersion], [300, "7"]);
  await timers.advance(329_999);
  assertEquals(watches[0]!.stopped, false);
  await timers.advance(1);
  assertEquals(watches[0]!.stopped, true);
  assertOk(notices.some((n) => n.event === "watch-ended" && n.reason === "client-timeout"));
  assertEquals(watches.length, 2, "a new watch starts at once");
  stop.abort();
  await running;
});
