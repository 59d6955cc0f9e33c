import { assertEquals, assertOk, assertRejects } from "../../tests/assert.ts";
import { action, scriptedClient } from "../../tests/hcloud_fixtures.ts";
import { ActionError } from "./errors.ts";
import type { Action } from "./types.ts";

const poll = (ids: string[], actions: unknown[]) => ({
  method: "GET",
  path: "/actions",
  query: { id: ids },
  response: { status: 200, body: { actions } },
});

Deno.test("waitForActions() polls all running ids in one request and reports finished actions once", async () => {
  const { client, script } = scriptedClient([
    poll(["1", "2"], [action(1, "create_server", "running", 10), action(2, "start_server", "running", 0)]),
    poll(["1", "2"], [action(1, "create_server", "success"), action(2, "start_server", "running", 50)]),
    poll(["2"], [action(2, "start_server", "running", 50)]),
    poll(["2"], [action(2, "start_server", "success")]),
  ]);
  const seen: string[] = [];
  const done = await client.waitForActions([1, 2], {
    pollInterval: 250,
    onProgress: (a) => seen.push(`${a.id}:${a.status}:${a.progress}`),
  });
  assertEquals(done.map((a) => [a.id, a.status]), [[1, "success"], [2, "success"]]);
  assertEquals(seen, ["1:running:10", "2:running:0", "1:success:100", "2:running:50", "2:success:100"]);
  assertEquals(script.sleeps, [250, 250, 250]);
  script.assertDone();
});

Deno.test("waitForActions() returns at once for no ids", async () => {
  const { client, script } = scriptedClient([]);
  assertEquals(await client.waitForActions([]), []);
  script.assertDone();
});

Deno.test("waitForActions() throws ActionError when an action fails", async () => {
  const { client, script } = scriptedClient([
    poll(["5", "6"], [action(5, "create_image", "error"), action(6, "poweron", "running")]),
  ]);
  const err = await client.waitForActions([5, 6]).catch((e) => e);
  assertOk(err instanceof ActionError, String(err));
  assertEquals([err.actionId, err.command, err.code, err.apiMessage], [
    5,
    "create_image",
    "action_failed",
    "Action failed",
  ]);
  script.assertDone();
});

Deno.test("waitForActions() fails fast when the API does not return an id", async () => {
  const { client, script } = scriptedClient([poll(["7", "8"], [action(7, "attach_to_network")])]);
  const err = await client.waitForActions([7, 8]).catch((e) => e);
  assertOk(err instanceof ActionError);
  assertEquals([err.actionId, err.code], [8, "not_found"]);
  script.assertDone();
});

Deno.test("waitForActions() stops when its AbortSignal fires", async () => {
  const controller = new AbortController();
  const { client, script } = scriptedClient([poll(["3"], [action(3, "poweroff")])]);
  const reasons: Action[] = [];
  await assertRejects(
    () =>
      client.waitForActions([3], {
        signal: controller.signal,
        onProgress: (a) => {
          reasons.push(a);
          controller.abort(new Error("user pressed Ctrl-C"));
        },
      }),
    /Ctrl-C/,
  );
  assertEquals(reasons.length, 1);
  script.assertDone();
});

Deno.test("waitForActions() rejects at once with an already-aborted signal", async () => {
  const { client, script } = scriptedClient([]);
  const controller = new AbortController();
  controller.abort(new Error("gone"));
  await assertRejects(() => client.waitForActions([1], { signal: controller.signal }), /gone/);
  script.assertDone();
});

Deno.test("waitForActions() splits more than 25 ids into pages the API returns whole", async () => {
  const ids = Array.from({ length: 30 }, (_, i) => i + 1);
  const { client, script } = scriptedClient([
    poll(ids.slice(0, 25).map(String), ids.slice(0, 25).map((id) => action(id, "x", "success"))),
    poll(ids.slice(25).map(String), ids.slice(25).map((id) => action(id, "x", "success"))),
  ]);
  assertEquals((await client.waitForActions(ids)).length, 30);
  script.assertDone();
});

Deno.test("actions.get() returns undefined for an unknown action", async () => {
  const { client, script } = scriptedClient([
    { method: "GET", path: "/actions/4", response: { status: 200, body: { action: action(4, "x", "success") } } },
    {
      method: "GET",
      path: "/actions/5",
      response: { status: 404, body: { error: { code: "not_found", message: "x", details: null } } },
    },
  ]);
  assertEquals((await client.actions.get(4))?.status, "success");
  assertEquals(await client.actions.get(5), undefined);
  script.assertDone();
});
