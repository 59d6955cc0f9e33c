import { assertEquals } from "../../tests/assert.ts";
import { median, renderTable, summarize } from "./stats.ts";

Deno.test("median() takes the middle value, or the mean of the middle two", () => {
  assertEquals(median([5, 1, 3]), 3);
  assertEquals(median([4, 1, 3, 2]), 2.5);
  assertEquals(median([7]), 7);
});

Deno.test("summarize() checks the goal against the median, not the best run", () => {
  const row = summarize({ section: "s", metric: "m", unit: "ms", runs: [1, 300, 250], goal: { op: "<=", value: 200 } });
  assertEquals([row.median, row.min, row.max, row.met], [250, 1, 300, false]);
  assertEquals(
    summarize({ section: "s", metric: "m", unit: "n", runs: [0, 0], goal: { op: "==", value: 0 } }).met,
    true,
  );
  assertEquals(summarize({ section: "s", metric: "m", unit: "n", runs: [2] }).met, undefined);
});

Deno.test("renderTable() marks a missed goal MISS and a met one ok", () => {
  const table = renderTable([
    summarize({ section: "a", metric: "x", unit: "n", runs: [4], goal: { op: "<=", value: 3 } }),
    summarize({ section: "b", metric: "y", unit: "n", runs: [0], goal: { op: "==", value: 0 }, note: "why" }),
  ]);
  const [, a, b] = table.split("\n");
  assertEquals(a!.includes("<= 3 MISS"), true);
  assertEquals(b!.includes("== 0 ok") && b!.endsWith("why"), true);
});
