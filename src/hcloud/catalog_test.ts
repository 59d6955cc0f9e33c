import { assertEquals } from "../../tests/assert.ts";
import { apiError, cx23, fsn1, meta, scriptedClient } from "../../tests/hcloud_fixtures.ts";

Deno.test("serverTypes get/findByName/list/listAll", async () => {
  const { client, script } = scriptedClient([
    { method: "GET", path: "/server_types/114", response: { status: 200, body: { server_type: cx23 } } },
    { method: "GET", path: "/server_types/1", response: { status: 404, body: apiError("not_found") } },
    {
      method: "GET",
      path: "/server_types",
      query: { name: "cx23" },
      response: { status: 200, body: { server_types: [cx23], meta: meta(1, 1) } },
    },
    {
      method: "GET",
      path: "/server_types",
      query: { page: "1", per_page: "50" },
      response: { status: 200, body: { server_types: [cx23], meta: meta(1, 1) } },
    },
  ]);
  assertEquals((await client.serverTypes.get(114))?.cores, 2);
  assertEquals(await client.serverTypes.get(1), undefined);
  assertEquals((await client.serverTypes.findByName("cx23"))?.id, 114);
  assertEquals((await client.serverTypes.listAll()).map((t) => t.name), ["cx23"]);
  script.assertDone();
});

Deno.test("locations get/findByName/list/listAll", async () => {
  const { client, script } = scriptedClient([
    { method: "GET", path: "/locations/1", response: { status: 200, body: { location: fsn1 } } },
    {
      method: "GET",
      path: "/locations",
      query: { name: "fsn1" },
      response: { status: 200, body: { locations: [fsn1], meta: meta(1, 1) } },
    },
    {
      method: "GET",
      path: "/locations",
      query: { sort: "name:desc" },
      response: { status: 200, body: { locations: [fsn1], meta: meta(1, 1) } },
    },
    {
      method: "GET",
      path: "/locations",
      query: { page: "1", per_page: "50" },
      response: { status: 200, body: { locations: [fsn1], meta: meta(1, 1) } },
    },
  ]);
  assertEquals((await client.locations.get(1))?.network_zone, "eu-central");
  assertEquals((await client.locations.findByName("fsn1"))?.id, 1);
  assertEquals((await client.locations.list({ sort: ["name:desc"] })).items.length, 1);
  assertEquals((await client.locations.listAll()).length, 1);
  script.assertDone();
});

Deno.test("pricing.get() returns the price list with its currency", async () => {
  const pricing = {
    currency: "EUR",
    vat_rate: "19.00",
    primary_ips: [],
    floating_ips: [],
    floating_ip: { price_monthly: { net: "3", gross: "3.57" } },
    image: { price_per_gb_month: { net: "0.0110", gross: "0.0131" } },
    volume: { price_per_gb_month: { net: "0.0440", gross: "0.0524" } },
    server_backup: { percentage: "20.00" },
    server_types: [{ id: 114, name: "cx23", prices: cx23.prices }],
    load_balancer_types: [],
  };
  const { client, script } = scriptedClient([{
    method: "GET",
    path: "/pricing",
    response: { status: 200, body: { pricing } },
  }]);
  const got = await client.pricing.get();
  assertEquals([got.currency, got.server_types[0]?.prices[0]?.price_monthly.net], ["EUR", "3.4900000000"]);
  script.assertDone();
});
