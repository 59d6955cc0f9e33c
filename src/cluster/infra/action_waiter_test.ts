import { assertEquals, assertRejects } from "../../../tests/assert.ts";
import { action, scriptedClient } from "../../../tests/hcloud_fixtures.ts";
import { ActionError } from "../../hcloud/mod.ts";
import { createActionWaiter } from "./action_waiter.ts";

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
