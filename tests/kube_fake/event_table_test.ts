import { assertEquals } from "../assert.ts";
import { eventCells, renderEventTable } from "./event_table.ts";

const NOW = Date.parse("2026-01-01T00:10:00Z");

Deno.test("eventCells() prints an Event as kubectl get events shows it: last seen, type, reason, object, message", () => {
  const event = {
    apiVersion: "v1",
    kind: "Event",
    metadata: { name: "c1.abc", namespace: "k8zner-system" },
    involvedObject: { apiVersion: "k8zner.io/v1alpha1", kind: "K8znerCluster", name: "c1" },
    type: "Normal",
    reason: "CreatingServer",
    message: " Creating server c1-w-1 (worker, cx33)\n",
    count: 2,
    firstTimestamp: "2026-01-01T00:05:00Z",
    lastTimestamp: "2026-01-01T00:09:30Z",
    source: { component: "k8zner-operator" },
    reportingInstance: "k8zner-operator-abc",
  };
  assertEquals(eventCells(event, NOW), [
    "30s",
    "Normal",
    "CreatingServer",
    "k8znercluster/c1",
    "",
    "k8zner-operator, k8zner-operator-abc",
    "Creating server c1-w-1 (worker, cx33)",
    "5m",
    2,
    "c1.abc",
  ]);
});

Deno.test("eventCells() falls back as the printer does: eventTime, first seen, a series, count 1", () => {
  const base = { metadata: { name: "e" }, involvedObject: { kind: "Node" } };
  const fromEventTime = eventCells({ ...base, eventTime: "2026-01-01T00:08:00.000000Z" }, NOW);
  assertEquals([fromEventTime[0], fromEventTime[3], fromEventTime[7], fromEventTime[8]], ["2m", "node", "2m", 1]);
  const series = eventCells({
    ...base,
    firstTimestamp: "2026-01-01T00:00:00Z",
    series: { count: 7, lastObservedTime: "2026-01-01T00:09:00.000000Z" },
  }, NOW);
  assertEquals([series[0], series[7], series[8]], ["60s", "10m", 7]);
  assertEquals(eventCells({ metadata: { name: "x" } }, NOW)[0], "<unknown>");
});

Deno.test("renderEventTable() has the server's columns, wide ones at priority 1, and no headers on request", () => {
  const table = renderEventTable([{ metadata: { name: "e" } }], {
    resourceVersion: "5",
    now: NOW,
    includeObject: "None",
  });
  const columns = table.columnDefinitions as Array<{ name: string; priority: number }>;
  assertEquals(columns.filter((c) => c.priority === 0).map((c) => c.name), [
    "Last Seen",
    "Type",
    "Reason",
    "Object",
    "Message",
  ]);
  assertEquals((table.rows as unknown[]).length, 1);
  const bare = renderEventTable([], { resourceVersion: "5", now: NOW, includeObject: "None", noHeaders: true });
  assertEquals(bare.columnDefinitions, undefined);
});
