import { assertEquals } from "../../tests/assert.ts";
import { apiError, meta, placementGroup, scriptedClient } from "../../tests/hcloud_fixtures.ts";

const labels = { "k8zner.io/cluster": "demo" };
const body = { name: "demo-cp-pg", type: "spread" as const, labels };

Deno.test("placementGroups.create() posts name, type and labels", async () => {
  const { client, script } = scriptedClient([{
    method: "POST",
    path: "/placement_groups",
    body,
    response: { status: 201, body: { placement_group: placementGroup(3, "demo-cp-pg", labels), action: null } },
  }]);
  const r = await client.placementGroups.create(body);
  assertEquals([r.placementGroup.id, r.actions, r.recovered], [3, [], false]);
  script.assertDone();
});

Deno.test("placementGroups.create() after a timeout returns the group found by name", async () => {
  const { client, script } = scriptedClient([
    { method: "POST", path: "/placement_groups", body, response: { status: 504, body: apiError("timeout") } },
    {
      method: "GET",
      path: "/placement_groups",
      query: { name: "demo-cp-pg" },
      response: {
        status: 200,
        body: { placement_groups: [placementGroup(3, "demo-cp-pg", labels)], meta: meta(1, 1) },
      },
    },
  ]);
  assertEquals((await client.placementGroups.create(body)).recovered, true);
  script.assertDone();
});

Deno.test("placementGroups get/findByName/list/listAll/delete", async () => {
  const { client, script } = scriptedClient([
    {
      method: "GET",
      path: "/placement_groups/3",
      response: { status: 200, body: { placement_group: placementGroup(3, "a") } },
    },
    { method: "GET", path: "/placement_groups/4", response: { status: 404, body: apiError("not_found") } },
    {
      method: "GET",
      path: "/placement_groups",
      query: { name: "a" },
      response: { status: 200, body: { placement_groups: [placementGroup(3, "a")], meta: meta(1, 1) } },
    },
    {
      method: "GET",
      path: "/placement_groups",
      query: { per_page: "5" },
      response: { status: 200, body: { placement_groups: [], meta: meta(1, 1, 5) } },
    },
    {
      method: "GET",
      path: "/placement_groups",
      query: { label_selector: "k8zner.io/cluster=demo", page: "1", per_page: "50" },
      response: { status: 200, body: { placement_groups: [placementGroup(3, "a")], meta: meta(1, 1) } },
    },
    { method: "DELETE", path: "/placement_groups/3", response: { status: 204 } },
  ]);
  assertEquals((await client.placementGroups.get(3))?.name, "a");
  assertEquals(await client.placementGroups.get(4), undefined);
  assertEquals((await client.placementGroups.findByName("a"))?.id, 3);
  assertEquals((await client.placementGroups.list({ perPage: 5 })).items, []);
  assertEquals((await client.placementGroups.listAll({ labelSelector: "k8zner.io/cluster=demo" })).length, 1);
  assertEquals(await client.placementGroups.delete(3), true);
  script.assertDone();
});
