/**
 * Watch lists (KEP-3157), which client-go 1.35 uses by default (kubectl, Helm v4's --wait): the current
 * state as ADDED events, then the BOOKMARK annotated `k8s.io/initial-events-end`, then changes; invalid
 * combinations refused as the API server's validateWatchOptions does.
 */
import { assertEquals, assertOk } from "../assert.ts";
import { startFakeKubeApi } from "./mod.ts";

interface Event {
  type: string;
  object: { metadata: { name?: string; resourceVersion?: string; annotations?: Record<string, string> } };
}

async function firstEvents(url: string, n: number): Promise<Event[]> {
  const res = await fetch(url);
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (text.split("\n").length <= n) {
    const { value, done } = await reader.read();
    if (done) break;
    text += value;
  }
  await reader.cancel();
  return text.split("\n").filter((l) => l !== "").slice(0, n).map((l) => JSON.parse(l));
}

Deno.test("a watch list gets every object as ADDED, then the initial-events-end bookmark, then changes", async () => {
  const api = await startFakeKubeApi();
  try {
    for (const name of ["a", "b"]) {
      api.store.put({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "default" }, data: {} });
    }
    const url = `${api.url}/api/v1/namespaces/default/configmaps?watch=1&sendInitialEvents=true` +
      "&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&resourceVersion=1";
    const pending = firstEvents(url, 4);
    await new Promise((r) => setTimeout(r, 100));
    api.store.put({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: "default" }, data: {} });
    const events = await pending;
    assertEquals(events.map((e) => `${e.type} ${e.object.metadata.name ?? ""}`), [
      "ADDED a",
      "ADDED b",
      "BOOKMARK ",
      "ADDED c",
    ]);
    assertEquals(events[2]!.object.metadata.annotations, { "k8s.io/initial-events-end": "true" });
    assertOk(Number(events[2]!.object.metadata.resourceVersion) >= 2);
  } finally {
    await api.close();
  }
});

Deno.test("watch options are refused as the API server refuses them (422 ListOptions invalid)", async () => {
  const api = await startFakeKubeApi();
  try {
    const cases: Array<[string, string]> = [
      [
        "sendInitialEvents=true",
        'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: sendInitialEvents requires ' +
        "setting resourceVersionMatch to NotOlderThan",
      ],
      [
        "resourceVersionMatch=NotOlderThan",
        'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden ' +
        "for watch unless sendInitialEvents is provided",
      ],
    ];
    for (const [query, message] of cases) {
      const res = await fetch(`${api.url}/api/v1/namespaces/default/configmaps?watch=1&${query}`);
      const body = await res.json();
      assertEquals([res.status, body.reason, body.message], [422, "Invalid", message], query);
    }
  } finally {
    await api.close();
  }
});
