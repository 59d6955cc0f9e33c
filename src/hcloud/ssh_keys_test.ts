import { assertEquals, assertRejects } from "../../tests/assert.ts";
import { apiError, meta, scriptedClient, sshKey } from "../../tests/hcloud_fixtures.ts";
import { isHcloudError } from "./errors.ts";

const key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEXAMPLE demo";

Deno.test("sshKeys.create() posts name, public key and labels", async () => {
  const body = { name: "demo", public_key: key, labels: { "k8zner.io/cluster": "demo" } };
  const { client, script } = scriptedClient([
    { method: "POST", path: "/ssh_keys", body, response: { status: 201, body: { ssh_key: sshKey(2, "demo", key) } } },
  ]);
  assertEquals((await client.sshKeys.create(body)).sshKey.id, 2);
  script.assertDone();
});

Deno.test("sshKeys.create() after a timeout adopts only a same-named key with the same public key", async () => {
  const body = { name: "demo", public_key: key };
  const { client, script } = scriptedClient([
    { method: "POST", path: "/ssh_keys", body, response: { status: 504, body: apiError("timeout") } },
    {
      method: "GET",
      path: "/ssh_keys",
      query: { name: "demo" },
      response: { status: 200, body: { ssh_keys: [sshKey(2, "demo", key)], meta: meta(1, 1) } },
    },
    { method: "POST", path: "/ssh_keys", body, response: { status: 504, body: apiError("timeout") } },
    {
      method: "GET",
      path: "/ssh_keys",
      query: { name: "demo" },
      response: { status: 200, body: { ssh_keys: [sshKey(3, "demo", "ssh-ed25519 OTHER")], meta: meta(1, 1) } },
    },
    { method: "POST", path: "/ssh_keys", body, response: { status: 409, body: apiError("uniqueness_error") } },
  ]);
  assertEquals((await client.sshKeys.create(body)).recovered, true);
  await assertRejects(() => client.sshKeys.create(body), (e: unknown) => isHcloudError(e, "uniqueness_error"));
  script.assertDone();
});

Deno.test("sshKeys get/findByName/findByFingerprint/list/listAll/delete", async () => {
  const fp = "b7:2f:30:a0:2f:6c:58:6c:21:04:58:61:ba:06:3b:2f";
  const { client, script } = scriptedClient([
    { method: "GET", path: "/ssh_keys/2", response: { status: 200, body: { ssh_key: sshKey(2, "demo") } } },
    { method: "GET", path: "/ssh_keys/3", response: { status: 404, body: apiError("not_found") } },
    {
      method: "GET",
      path: "/ssh_keys",
      query: { name: "demo" },
      response: { status: 200, body: { ssh_keys: [sshKey(2, "demo")], meta: meta(1, 1) } },
    },
    {
      method: "GET",
      path: "/ssh_keys",
      query: { fingerprint: fp },
      response: { status: 200, body: { ssh_keys: [sshKey(2, "demo")], meta: meta(1, 1) } },
    },
    {
      method: "GET",
      path: "/ssh_keys",
      query: { sort: "name" },
      response: { status: 200, body: { ssh_keys: [], meta: meta(1, 1) } },
    },
    {
      method: "GET",
      path: "/ssh_keys",
      query: { label_selector: "k8zner.io/cluster=demo", page: "1", per_page: "50" },
      response: { status: 200, body: { ssh_keys: [sshKey(2, "demo")], meta: meta(1, 1) } },
    },
    { method: "DELETE", path: "/ssh_keys/2", response: { status: 204 } },
  ]);
  assertEquals((await client.sshKeys.get(2))?.name, "demo");
  assertEquals(await client.sshKeys.get(3), undefined);
  assertEquals((await client.sshKeys.findByName("demo"))?.id, 2);
  assertEquals((await client.sshKeys.findByFingerprint(fp))?.id, 2);
  assertEquals((await client.sshKeys.list({ sort: ["name"] })).items, []);
  assertEquals((await client.sshKeys.listAll({ labelSelector: "k8zner.io/cluster=demo" })).length, 1);
  assertEquals(await client.sshKeys.delete(2), true);
  script.assertDone();
});
