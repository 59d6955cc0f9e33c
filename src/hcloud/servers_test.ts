import { assertEquals, assertOk, assertRejects } from "../../tests/assert.ts";
import { action, apiError, image, meta, scriptedClient, server } from "../../tests/hcloud_fixtures.ts";
import { isHcloudError } from "./errors.ts";
import type { CreateServerRequest } from "./servers.ts";

const labels = { "k8zner.io/cluster": "demo", "k8zner.io/role": "worker" };
const request: CreateServerRequest = {
  name: "demo-worker-1",
  server_type: "cx23",
  image: "123",
  location: "fsn1",
  start_after_create: false,
  placement_group: 4,
  ssh_keys: ["demo"],
  networks: [9],
  firewalls: [{ firewall: 8 }],
  user_data: "#talos machine config",
  labels,
  public_net: { enable_ipv4: true, enable_ipv6: false },
};
const created = {
  status: 201,
  body: {
    server: server(11, "demo-worker-1", labels, "initializing"),
    action: action(1, "create_server"),
    next_actions: [action(2, "start_server")],
    root_password: null,
  },
};
const byName = (servers: unknown[]) => ({
  method: "GET",
  path: "/servers",
  query: { name: "demo-worker-1" },
  response: { status: 200, body: { servers, meta: meta(1, 1) } },
});

Deno.test("servers.create() sends every field as the API takes it and returns all actions to wait for", async () => {
  const { client, script } = scriptedClient([{ method: "POST", path: "/servers", body: request, response: created }]);
  const r = await client.servers.create(request);
  assertEquals([r.server.id, r.actions.map((a) => a.id), r.rootPassword, r.recovered], [11, [1, 2], null, false]);
  script.assertDone();
});

Deno.test("servers.create() after a timeout finds the server the first request made instead of creating twice", async () => {
  const { client, script } = scriptedClient([
    { method: "POST", path: "/servers", body: request, response: { status: 504, body: apiError("timeout") } },
    byName([server(11, "demo-worker-1", labels, "starting")]),
    {
      method: "GET",
      path: "/servers/11/actions",
      query: { status: "running", page: "1", per_page: "50" },
      response: { status: 200, body: { actions: [action(2, "start_server")], meta: meta(1, 1) } },
    },
  ]);
  const r = await client.servers.create(request);
  assertEquals([r.server.id, r.recovered, r.actions.map((a) => a.command)], [11, true, ["start_server"]]);
  script.assertDone();
});

Deno.test("servers.create() retries after a network error only when the lookup finds nothing", async () => {
  const { client, script } = scriptedClient([
    { method: "POST", path: "/servers", body: request, error: new TypeError("connection reset") },
    byName([]),
    { method: "POST", path: "/servers", body: request, response: created },
  ]);
  const r = await client.servers.create(request);
  assertEquals([r.server.id, r.recovered], [11, false]);
  assertEquals(script.sleeps.length, 1);
  script.assertDone();
});

Deno.test("servers.create() does not adopt a same-named server without the requested labels", async () => {
  const { client, script } = scriptedClient([
    { method: "POST", path: "/servers", body: request, response: { status: 502, body: apiError("bad_gateway") } },
    byName([server(99, "demo-worker-1", { "k8zner.io/cluster": "other" })]),
    { method: "POST", path: "/servers", body: request, response: { status: 409, body: apiError("uniqueness_error") } },
  ]);
  await assertRejects(() => client.servers.create(request), (e: unknown) => isHcloudError(e, "uniqueness_error"));
  script.assertDone();
});

Deno.test("servers.create() after a 500 looks up once and then gives up without a second POST", async () => {
  const { client, script } = scriptedClient([
    { method: "POST", path: "/servers", body: request, response: { status: 500, body: apiError("server_error") } },
    byName([]),
  ]);
  await assertRejects(() => client.servers.create(request), (e: unknown) => isHcloudError(e, "server_error"));
  script.assertDone();
});

Deno.test("servers.create() retries a rate-limited create without a lookup (nothing was created)", async () => {
  const { client, script } = scriptedClient([
    {
      method: "POST",
      path: "/servers",
      body: request,
      response: { status: 429, body: apiError("rate_limit_exceeded") },
    },
    { method: "POST", path: "/servers", body: request, response: created },
  ]);
  assertEquals((await client.servers.create(request)).server.id, 11);
  script.assertDone();
});

Deno.test("servers.get/findByName/list/listAll read servers and return undefined when absent", async () => {
  const { client, script } = scriptedClient([
    { method: "GET", path: "/servers/11", response: { status: 200, body: { server: server(11, "a") } } },
    { method: "GET", path: "/servers/12", response: { status: 404, body: apiError("not_found") } },
    byName([]),
    {
      method: "GET",
      path: "/servers",
      query: { label_selector: "k8zner.io/cluster=demo", status: ["running", "off"], page: "2", per_page: "10" },
      response: { status: 200, body: { servers: [server(1, "x")], meta: meta(2, 2, 10) } },
    },
    {
      method: "GET",
      path: "/servers",
      query: { label_selector: "k8zner.io/cluster=demo", sort: "name:asc", page: "1", per_page: "50" },
      response: { status: 200, body: { servers: [server(1, "x"), server(2, "y")], meta: meta(1, 1) } },
    },
  ]);
  assertEquals((await client.servers.get(11))?.name, "a");
  assertEquals(await client.servers.get(12), undefined);
  assertEquals(await client.servers.findByName("demo-worker-1"), undefined);
  const page = await client.servers.list({
    labelSelector: "k8zner.io/cluster=demo",
    status: ["running", "off"],
    page: 2,
    perPage: 10,
  });
  assertEquals([page.items.length, page.pagination?.page], [1, 2]);
  const all = await client.servers.listAll({ labelSelector: "k8zner.io/cluster=demo", sort: ["name:asc"] });
  assertEquals(all.map((s) => s.name), ["x", "y"]);
  script.assertDone();
});

Deno.test("servers.delete() returns the delete action, or undefined when the server is already gone", async () => {
  const { client, script } = scriptedClient([
    { method: "DELETE", path: "/servers/11", response: { status: 200, body: { action: action(5, "delete_server") } } },
    { method: "DELETE", path: "/servers/12", response: { status: 404, body: apiError("not_found") } },
  ]);
  assertEquals((await client.servers.delete(11))?.id, 5);
  assertEquals(await client.servers.delete(12), undefined);
  script.assertDone();
});

Deno.test("server power actions post to their action paths without a body", async () => {
  const reply = (id: number, command: string) => ({ status: 201, body: { action: action(id, command) } });
  const { client, script } = scriptedClient([
    { method: "POST", path: "/servers/3/actions/poweroff", response: reply(1, "stop_server") },
    { method: "POST", path: "/servers/3/actions/poweron", response: reply(2, "start_server") },
    { method: "POST", path: "/servers/3/actions/reset", response: reply(3, "reset_server") },
    { method: "POST", path: "/servers/3/actions/disable_rescue", response: reply(4, "disable_rescue") },
  ]);
  assertEquals((await client.servers.poweroff(3)).command, "stop_server");
  assertEquals((await client.servers.poweron(3)).command, "start_server");
  assertEquals((await client.servers.reset(3)).command, "reset_server");
  assertEquals((await client.servers.disableRescue(3)).command, "disable_rescue");
  script.assertDone();
});

Deno.test("servers.enableRescue() returns the rescue root password", async () => {
  const { client, script } = scriptedClient([{
    method: "POST",
    path: "/servers/3/actions/enable_rescue",
    body: { type: "linux64", ssh_keys: [2] },
    response: { status: 201, body: { root_password: "zCWbFhnu950dT7NPoq2j", action: action(6, "enable_rescue") } },
  }]);
  const r = await client.servers.enableRescue(3, { type: "linux64", ssh_keys: [2] });
  assertEquals([r.action.id, r.rootPassword], [6, "zCWbFhnu950dT7NPoq2j"]);
  script.assertDone();
});

Deno.test("servers.attachToNetwork() sends network and fixed IP and is not repeated after a timeout", async () => {
  const body = { network: 9, ip: "10.0.1.2" };
  const { client, script } = scriptedClient([
    {
      method: "POST",
      path: "/servers/3/actions/attach_to_network",
      body,
      response: { status: 201, body: { action: action(7, "attach_to_network") } },
    },
    {
      method: "POST",
      path: "/servers/3/actions/attach_to_network",
      body,
      response: { status: 504, body: apiError("timeout") },
    },
  ]);
  assertEquals((await client.servers.attachToNetwork(3, body)).id, 7);
  await assertRejects(() => client.servers.attachToNetwork(3, body), (e: unknown) => isHcloudError(e, "timeout"));
  script.assertDone();
});

const snapLabels = { os: "talos", "talos-version": "v1.13.0" };
const imageBody = { type: "snapshot", description: "talos", labels: snapLabels } as const;

Deno.test("servers.createImage() returns the snapshot and its action", async () => {
  const { client, script } = scriptedClient([{
    method: "POST",
    path: "/servers/3/actions/create_image",
    body: imageBody,
    response: { status: 201, body: { image: image(50, snapLabels, 3), action: action(8, "create_image") } },
  }]);
  const r = await client.servers.createImage(3, imageBody);
  assertEquals([r.image.id, r.action?.id, r.recovered], [50, 8, false]);
  script.assertDone();
});

Deno.test("servers.createImage() after a 502 finds the snapshot by its labels and source server", async () => {
  const { client, script } = scriptedClient([
    {
      method: "POST",
      path: "/servers/3/actions/create_image",
      body: imageBody,
      response: { status: 502, body: apiError("bad_gateway") },
    },
    {
      method: "GET",
      path: "/images",
      query: { type: "snapshot", label_selector: "os=talos,talos-version=v1.13.0", page: "1", per_page: "50" },
      response: {
        status: 200,
        body: { images: [image(40, snapLabels, 77), image(51, snapLabels, 3)], meta: meta(1, 1) },
      },
    },
  ]);
  const r = await client.servers.createImage(3, imageBody);
  assertEquals([r.image.id, r.action, r.recovered], [51, undefined, true]);
  script.assertDone();
});

Deno.test("servers.createImage() without labels cannot recover and reports the ambiguous failure", async () => {
  const { client, script } = scriptedClient([{
    method: "POST",
    path: "/servers/3/actions/create_image",
    body: {},
    response: { status: 504, body: apiError("timeout") },
  }]);
  const err = await client.servers.createImage(3).catch((e) => e);
  assertOk(isHcloudError(err, "timeout"));
  script.assertDone();
});
