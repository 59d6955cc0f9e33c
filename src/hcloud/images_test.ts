import { assertEquals } from "../../tests/assert.ts";
import { apiError, image, meta, scriptedClient } from "../../tests/hcloud_fixtures.ts";

Deno.test("images.listSnapshots() lists snapshots by label selector and architecture", async () => {
  const { client, script } = scriptedClient([{
    method: "GET",
    path: "/images",
    query: {
      type: "snapshot",
      architecture: "x86",
      label_selector: "os=talos,talos-version=v1.13.0",
      page: "1",
      per_page: "50",
    },
    response: { status: 200, body: { images: [image(50, { os: "talos" })], meta: meta(1, 1) } },
  }]);
  assertEquals((await client.images.listSnapshots("os=talos,talos-version=v1.13.0", "x86")).map((i) => i.id), [50]);
  script.assertDone();
});

Deno.test("images get/list/listAll/update/delete", async () => {
  const { client, script } = scriptedClient([
    { method: "GET", path: "/images/50", response: { status: 200, body: { image: image(50) } } },
    { method: "GET", path: "/images/51", response: { status: 404, body: apiError("not_found") } },
    {
      method: "GET",
      path: "/images",
      query: { type: ["snapshot", "backup"], status: "available", include_deprecated: "true" },
      response: { status: 200, body: { images: [image(50)], meta: meta(1, 1) } },
    },
    {
      method: "GET",
      path: "/images",
      query: { label_selector: "os", page: "1", per_page: "50" },
      response: { status: 200, body: { images: [image(50)], meta: meta(1, 1) } },
    },
    {
      method: "PUT",
      path: "/images/50",
      body: { labels: { os: "talos", keep: "true" }, description: "talos v1.13.0" },
      response: { status: 200, body: { image: image(50, { os: "talos", keep: "true" }) } },
    },
    { method: "DELETE", path: "/images/50", response: { status: 204 } },
    { method: "DELETE", path: "/images/50", response: { status: 404, body: apiError("not_found") } },
  ]);
  assertEquals((await client.images.get(50))?.id, 50);
  assertEquals(await client.images.get(51), undefined);
  const page = await client.images.list({
    type: ["snapshot", "backup"],
    status: ["available"],
    includeDeprecated: true,
  });
  assertEquals(page.items.length, 1);
  assertEquals((await client.images.listAll({ labelSelector: "os" })).length, 1);
  const updated = await client.images.update(50, {
    labels: { os: "talos", keep: "true" },
    description: "talos v1.13.0",
  });
  assertEquals(updated.labels, { os: "talos", keep: "true" });
  assertEquals(await client.images.delete(50), true);
  assertEquals(await client.images.delete(50), false);
  script.assertDone();
});
