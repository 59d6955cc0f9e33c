import { assertEquals, assertRejects } from "../../../tests/assert.ts";
import { action, scriptedClient } from "../../../tests/hcloud_fixtures.ts";
import { ActionError } from "../../hcloud/mod.ts";
import { createActionWaiter, pollSchedule } from "./action_waiter.ts";

Deno.test("the action waiter polls the actions of parallel callers in one GET /actions per poll", async () => {
  const { client, script } = scriptedClient([
    {
      method: "GET",
      path: "/actions",
      query: { id: ["1", "2", "3"] },
      response: {
        status: 200,
        body: { actions: [action(1, "a", "success"), action(2, "b"), action(3, "c", "success")] },
      },
    },
    {
      method: "GET",
      path: "/actions",
      query: { id: ["2"] },
      response: { status: 200, body: { actions: [action(2, "b", "success")] } },
    },
  ]);
  const sleeps: number[] = [];
  const waiter = createActionWaiter(client, {
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    pollIntervalMs: 250,
  });
  const done: string[] = [];
  await Promise.all([
    waiter.wait([action(1, "a") as never, 2]).then(() => done.push("first")),
    waiter.wait([3, action(4, "d", "success") as never]).then(() => done.push("second")),
  ]);
  assertEquals([done, waiter.polls, sleeps], [["second", "first"], 2, [250, 250]]);
  script.assertDone();
});

Deno.test("the action waiter rejects the caller whose action failed, and sends nothing for finished actions", async () => {
  const failed = { ...action(7, "attach_to_network", "error") };
  const { client, script } = scriptedClient([
    {
      method: "GET",
      path: "/actions",
      query: { id: ["7"] },
      response: { status: 200, body: { actions: [failed] } },
    },
  ]);
  const waiter = createActionWaiter(client, { sleep: () => Promise.resolve() });
  await waiter.wait([action(5, "x", "success") as never]);
  await assertRejects(() => waiter.wait([7]), (e: unknown) => e instanceof ActionError && e.actionId === 7);
  script.assertDone();
});

Deno.test("the action waiter looks at an action when its kind usually finishes, then every quarter of that, in API time", async () => {
  const { client, script } = scriptedClient([
    {
      method: "GET",
      path: "/actions",
      // At 3 s the network attach is due; the create rides along in the same request.
      query: { id: ["2", "1"] },
      response: {
        status: 200,
        body: { actions: [action(1, "create_server"), action(2, "attach_to_network", "success")] },
      },
    },
    {
      method: "GET",
      path: "/actions",
      query: { id: ["1"] },
      response: { status: 200, body: { actions: [action(1, "create_server")] } },
    },
    {
      method: "GET",
      path: "/actions",
      query: { id: ["1"] },
      response: { status: 200, body: { actions: [action(1, "create_server", "success")] } },
    },
  ]);
  const sleeps: number[] = [];
  const waiter = createActionWaiter(client, {
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    timeScale: 100,
  });
  await waiter.wait([action(1, "create_server") as never, action(2, "attach_to_network") as never]);
  // Polls at 3 s, 12 s (create_server's usual time) and 15 s (a quarter later): 150 ms real at speed 100,
  // in sleeps of at most 10 ms (1 s of API time) so an action handed in meanwhile is not looked at late.
  assertEquals(waiter.polls, 3);
  assertEquals(Math.round(sleeps.reduce((a, b) => a + b, 0)), 150);
  assertEquals(Math.max(...sleeps), 10);
  script.assertDone();
});

Deno.test("pollSchedule() starts at the usual duration of the command and repolls within 1 to 5 s", () => {
  assertEquals(pollSchedule("create_server"), { firstMs: 12_000, repollMs: 3_000 });
  assertEquals(pollSchedule("create_image"), { firstMs: 45_000, repollMs: 5_000 });
  assertEquals(pollSchedule("add_subnet"), { firstMs: 1_000, repollMs: 1_000 });
  assertEquals(pollSchedule(undefined), { firstMs: 2_000, repollMs: 1_000 });
});
