import { assertEquals, assertRejects } from "../../tests/assert.ts";
import { apiError, meta, primaryIp, scriptedClient, volume } from "../../tests/hcloud_fixtures.ts";
import { isHcloudError } from "./errors.ts";

Deno.test("volumes get/list/listAll/delete for teardown", async () => {
  const { client, script } = scriptedClient([
    { method: "GET", path: "/volumes/6", response: { status: 200, body: { volume: volume(6, "pvc-1") } } },
    { method: "GET", path: "/volumes/7", response: { status: 404, body: apiError("not_found") } },
    {
      method: "GET",
      path: "/volumes",
      query: { name: "pvc-1" },
      response: { status: 200, body: { volumes: [volume(6, "pvc-1")], meta: meta(1, 1) } },
    },
    {
      method: "GET",
      path: "/volumes",
      query: { label_selector: "k8zner.io/cluster=demo", page: "1", per_page: "50" },
      response: { status: 200, body: { volumes: [volume(6, "pvc-1")], meta: meta(1, 1) } },
    },
    { method: "DELETE", path: "/volumes/6", response: { status: 423, body: apiError("locked") } },
    { method: "DELETE", path: "/volumes/6", response: { status: 204 } },
  ]);
  assertEquals((await client.volumes.get(6))?.size, 10);
  assertEquals(await client.volumes.get(7), undefined);
  assertEquals((await client.volumes.list({ name: "pvc-1" })).items.length, 1);
  assertEquals((await client.volumes.listAll({ labelSelector: "k8zner.io/cluster=demo" })).length, 1);
  await assertRejects(() => client.volumes.delete(6), (e: unknown) => isHcloudError(e, "locked"));
  assertEquals(await client.volumes.delete(6), true);
  script.assertDone();
});

Deno.test("primaryIps get/list/listAll/delete for teardown", async () => {
  const { client, script } = scriptedClient([
    { method: "GET", path: "/primary_ips/3", response: { status: 200, body: { primary_ip: primaryIp(3, "ip") } } },
    { method: "GET", path: "/primary_ips/4", response: { status: 404, body: apiError("not_found") } },
    {
      method: "GET",
      path: "/primary_ips",
      query: { page: "2", per_page: "1" },
      response: { status: 200, body: { primary_ips: [], meta: meta(2, 2, 1) } },
    },
    {
      method: "GET",
      path: "/primary_ips",
      query: { label_selector: "k8zner.io/cluster=demo", page: "1", per_page: "50" },
      response: { status: 200, body: { primary_ips: [primaryIp(3, "ip")], meta: meta(1, 1) } },
    },
    { method: "DELETE", path: "/primary_ips/3", response: { status: 422, body: apiError("must_be_unassigned") } },
    { method: "DELETE", path: "/primary_ips/3", response: { status: 404, body: apiError("not_found") } },
  ]);
  assertEquals((await client.primaryIps.get(3))?.type, "ipv4");
  assertEquals(await client.primaryIps.get(4), undefined);
  assertEquals((await client.primaryIps.list({ page: 2, perPage: 1 })).pagination?.page, 2);
  assertEquals((await client.primaryIps.listAll({ labelSelector: "k8zner.io/cluster=demo" })).length, 1);
  await assertRejects(() => client.primaryIps.delete(3), (e: unknown) => isHcloudError(e, "must_be_unassigned"));
  assertEquals(await client.primaryIps.delete(3), false);
  script.assertDone();
});
