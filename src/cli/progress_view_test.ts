import { assertEquals, assertIncludes } from "../../tests/assert.ts";
import { createProgressView, formatElapsed, renderTaskList } from "./progress_view.ts";

Deno.test("formatElapsed() prints seconds with one decimal, then minutes and seconds", () => {
  assertEquals(formatElapsed(4_240), "4.2s");
  assertEquals(formatElapsed(65_000), "1m05s");
});

Deno.test("renderTaskList() shows a spinner for running steps and the elapsed time of each", () => {
  const text = renderTaskList(
    [
      { title: "Image", state: "done", detail: "snapshot 42 reused", startedAt: 0, endedAt: 1_500 },
      { title: "Infrastructure", state: "running", detail: "creating load balancer", startedAt: 1_000 },
      { title: "Bootstrap", state: "pending", detail: "" },
    ],
    3_000,
    0,
    false,
  );
  assertEquals(text.split("\n"), [
    "✔ Image             1.5s  snapshot 42 reused",
    "⠋ Infrastructure    2.0s  creating load balancer",
    "· Bootstrap",
  ]);
});

Deno.test("the plain view writes one timestamped line per change and no escape codes", () => {
  let clock = Date.UTC(2026, 10, 26, 8, 0, 0);
  const out: string[] = [];
  const view = createProgressView({ write: (t) => out.push(t), live: false, color: false, now: () => clock });
  const task = view.task("Infrastructure");
  task.start("creating network");
  clock += 2_000;
  task.done("network, firewall, load balancer");
  view.close();
  assertEquals(out, [
    "08:00:00 start   Infrastructure: creating network\n",
    "08:00:02 done    Infrastructure: network, firewall, load balancer (2.0s)\n",
  ]);
  assertEquals(out.join("").includes("\x1b"), false);
});

Deno.test("the live view redraws the whole list in place", () => {
  const out: string[] = [];
  const view = createProgressView({ write: (t) => out.push(t), live: true, color: false, now: () => 0, tickMs: 0 });
  view.task("Image").start();
  view.task("Infrastructure").start();
  view.close();
  // The second draw moves the cursor up over the first one before repainting.
  assertIncludes(out[1]!, "\x1b[1A\x1b[0J");
  assertIncludes(out.at(-1)!, "Infrastructure");
});
