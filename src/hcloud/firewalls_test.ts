import { assertEquals, assertRejects } from "../../tests/assert.ts";
import { action, apiError, firewall, meta, scriptedClient } from "../../tests/hcloud_fixtures.ts";
import { isHcloudError } from "./errors.ts";
import { type FirewallRule, labelSelectorResource, serverResource } from "./firewalls.ts";

const labels = { "k8zner.io/cluster": "demo" };
const rules: FirewallRule[] = [
  { direction: "in", protocol: "tcp", port: "6443", source_ips: ["203.0.113.7/32"], description: "Kube API" },
  { direction: "in", protocol: "tcp", port: "50000", source_ips: ["203.0.113.7/32"], description: "Talos API" },
];
const selector = labelSelectorResource("k8zner.io/cluster=demo");

Deno.test("firewalls.create() posts rules and a label-selector target", async () => {
  const body = { name: "demo", labels, rules, apply_to: [selector] };
  const { client, script } = scriptedClient([{
    method: "POST",
    path: "/firewalls",
    body: {
      name: "demo",
      labels,
      rules,
      apply_to: [{ type: "label_selector", label_selector: { selector: "k8zner.io/cluster=demo" } }],
    },
    response: {
      status: 201,
      body: {
        firewall: firewall(8, "demo", labels),
        actions: [action(1, "set_firewall_rules"), action(2, "apply_firewall")],
      },
    },
  }]);
  const r = await client.firewalls.create(body);
  assertEquals([r.firewall.id, r.actions.length, r.recovered], [8, 2, false]);
  script.assertDone();
});

Deno.test("firewalls.create() after a network error returns the firewall found by name", async () => {
  const { client, script } = scriptedClient([
    { method: "POST", path: "/firewalls", body: { name: "demo", labels }, error: new TypeError("reset") },
    {
      method: "GET",
      path: "/firewalls",
      query: { name: "demo" },
      response: { status: 200, body: { firewalls: [firewall(8, "demo", labels)], meta: meta(1, 1) } },
    },
  ]);
  assertEquals((await client.firewalls.create({ name: "demo", labels })).recovered, true);
  script.assertDone();
});

Deno.test("firewalls.setRules() replaces rules and is retried after a timeout", async () => {
  const reply = { status: 201, body: { actions: [action(3, "set_firewall_rules")] } };
  const { client, script } = scriptedClient([
    {
      method: "POST",
      path: "/firewalls/8/actions/set_rules",
      body: { rules },
      response: { status: 504, body: apiError("timeout") },
    },
    { method: "POST", path: "/firewalls/8/actions/set_rules", body: { rules }, response: reply },
  ]);
  assertEquals((await client.firewalls.setRules(8, rules)).map((a) => a.id), [3]);
  script.assertDone();
});

Deno.test("firewalls apply_to_resources / remove_from_resources send the resource list", async () => {
  const { client, script } = scriptedClient([
    {
      method: "POST",
      path: "/firewalls/8/actions/apply_to_resources",
      body: { apply_to: [{ type: "label_selector", label_selector: { selector: "k8zner.io/cluster=demo" } }] },
      response: { status: 201, body: { actions: [action(4, "apply_firewall")] } },
    },
    {
      method: "POST",
      path: "/firewalls/8/actions/remove_from_resources",
      body: { remove_from: [{ type: "server", server: { id: 5 } }] },
      response: { status: 201, body: { actions: [action(5, "remove_firewall")] } },
    },
    {
      method: "POST",
      path: "/firewalls/8/actions/apply_to_resources",
      body: { apply_to: [{ type: "server", server: { id: 5 } }] },
      response: { status: 504, body: apiError("timeout") },
    },
  ]);
  assertEquals((await client.firewalls.applyToResources(8, [selector]))[0]?.command, "apply_firewall");
  assertEquals((await client.firewalls.removeFromResources(8, [serverResource(5)]))[0]?.command, "remove_firewall");
  await assertRejects(
    () => client.firewalls.applyToResources(8, [serverResource(5)]),
    (e: unknown) => isHcloudError(e, "timeout"),
  );
  script.assertDone();
});

Deno.test("firewalls get/findByName/list/listAll/delete, and resource_in_use surfaces", async () => {
  const { client, script } = scriptedClient([
    { method: "GET", path: "/firewalls/8", response: { status: 200, body: { firewall: firewall(8, "demo") } } },
    { method: "GET", path: "/firewalls/7", response: { status: 404, body: apiError("not_found") } },
    {
      method: "GET",
      path: "/firewalls",
      query: { name: "nope" },
      response: { status: 200, body: { firewalls: [], meta: meta(1, 1) } },
    },
    {
      method: "GET",
      path: "/firewalls",
      query: { page: "3" },
      response: { status: 200, body: { firewalls: [], meta: meta(3, 3) } },
    },
    {
      method: "GET",
      path: "/firewalls",
      query: { label_selector: "a=b", page: "1", per_page: "50" },
      response: { status: 200, body: { firewalls: [firewall(8, "demo")], meta: meta(1, 1) } },
    },
    { method: "DELETE", path: "/firewalls/8", response: { status: 422, body: apiError("resource_in_use") } },
    { method: "DELETE", path: "/firewalls/8", response: { status: 204 } },
  ]);
  assertEquals((await client.firewalls.get(8))?.id, 8);
  assertEquals(await client.firewalls.get(7), undefined);
  assertEquals(await client.firewalls.findByName("nope"), undefined);
  assertEquals((await client.firewalls.list({ page: 3 })).pagination?.page, 3);
  assertEquals((await client.firewalls.listAll({ labelSelector: "a=b" })).length, 1);
  await assertRejects(() => client.firewalls.delete(8), (e: unknown) => isHcloudError(e, "resource_in_use"));
  assertEquals(await client.firewalls.delete(8), true);
  script.assertDone();
});
