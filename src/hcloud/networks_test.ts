import { assertEquals, assertRejects } from "../../tests/assert.ts";
import { action, apiError, meta, network, scriptedClient } from "../../tests/hcloud_fixtures.ts";
import { isHcloudError } from "./errors.ts";

const labels = { "k8zner.io/cluster": "demo" };
const body = {
  name: "demo",
  ip_range: "10.0.0.0/16",
  labels,
  subnets: [{ type: "cloud" as const, ip_range: "10.0.0.0/25", network_zone: "eu-central" }],
};

Deno.test("networks.create() posts name, range, labels and subnets", async () => {
  const { client, script } = scriptedClient([
    {
      method: "POST",
      path: "/networks",
      body,
      response: { status: 201, body: { network: network(9, "demo", labels) } },
    },
  ]);
  const r = await client.networks.create(body);
  assertEquals([r.network.id, r.recovered], [9, false]);
  script.assertDone();
});

Deno.test("networks.create() after a timeout returns the network found by name", async () => {
  const { client, script } = scriptedClient([
    { method: "POST", path: "/networks", body, response: { status: 504, body: apiError("timeout") } },
    {
      method: "GET",
      path: "/networks",
      query: { name: "demo" },
      response: { status: 200, body: { networks: [network(9, "demo", labels)], meta: meta(1, 1) } },
    },
  ]);
  const r = await client.networks.create(body);
  assertEquals([r.network.id, r.recovered], [9, true]);
  script.assertDone();
});

Deno.test("networks get/findByName/list/listAll/delete", async () => {
  const { client, script } = scriptedClient([
    { method: "GET", path: "/networks/9", response: { status: 200, body: { network: network(9, "demo") } } },
    { method: "GET", path: "/networks/8", response: { status: 404, body: apiError("not_found") } },
    {
      method: "GET",
      path: "/networks",
      query: { name: "demo" },
      response: { status: 200, body: { networks: [network(9, "demo")], meta: meta(1, 1) } },
    },
    {
      method: "GET",
      path: "/networks",
      query: { label_selector: "k8zner.io/cluster=demo" },
      response: { status: 200, body: { networks: [network(9, "demo")], meta: meta(1, 1) } },
    },
    {
      method: "GET",
      path: "/networks",
      query: { label_selector: "k8zner.io/cluster=demo", page: "1", per_page: "50" },
      response: { status: 200, body: { networks: [network(9, "demo")], meta: meta(1, 1) } },
    },
    { method: "DELETE", path: "/networks/9", response: { status: 204 } },
    { method: "DELETE", path: "/networks/9", response: { status: 404, body: apiError("not_found") } },
  ]);
  assertEquals((await client.networks.get(9))?.name, "demo");
  assertEquals(await client.networks.get(8), undefined);
  assertEquals((await client.networks.findByName("demo"))?.id, 9);
  assertEquals((await client.networks.list({ labelSelector: "k8zner.io/cluster=demo" })).items.length, 1);
  assertEquals((await client.networks.listAll({ labelSelector: "k8zner.io/cluster=demo" })).length, 1);
  assertEquals(await client.networks.delete(9), true);
  assertEquals(await client.networks.delete(9), false);
  script.assertDone();
});

Deno.test("networks.addSubnet() posts the subnet and is not repeated after a 502", async () => {
  const subnet = { type: "cloud" as const, ip_range: "10.0.1.0/25", network_zone: "eu-central" };
  const { client, script } = scriptedClient([
    {
      method: "POST",
      path: "/networks/9/actions/add_subnet",
      body: subnet,
      response: { status: 201, body: { action: action(3, "add_subnet") } },
    },
    {
      method: "POST",
      path: "/networks/9/actions/add_subnet",
      body: subnet,
      response: { status: 502, body: apiError("bad_gateway") },
    },
  ]);
  assertEquals((await client.networks.addSubnet(9, subnet)).command, "add_subnet");
  await assertRejects(() => client.networks.addSubnet(9, subnet), (e: unknown) => isHcloudError(e, "bad_gateway"));
  script.assertDone();
});
