/** Firewalls: rules, application by server and label selector, removal errors, delete in use. */
import { assertEquals } from "../assert.ts";
import { startHcloudSimulator } from "./mod.ts";
import { call } from "./test_client.ts";

const rule = { direction: "in", protocol: "tcp", port: "50000", source_ips: ["203.0.113.0/24"] };

Deno.test("set_rules replaces the rules and returns set_firewall_rules plus apply_firewall actions", async () => {
  await using sim = await startHcloudSimulator();
  const created = await call(sim.url, "POST", "/firewalls", { name: "fw", rules: [rule] });
  assertEquals(created.body.actions.map((a: { command: string }) => a.command), ["set_firewall_rules"]);
  assertEquals(created.body.firewall.rules, [{ description: null, destination_ips: [], ...rule }]);
  const id = created.body.firewall.id;
  sim.advance(2_000);
  await call(sim.url, "POST", "/servers", { name: "s", server_type: "cx23", image: "debian-13", labels: { c: "1" } });
  await call(sim.url, "POST", `/firewalls/${id}/actions/apply_to_resources`, {
    apply_to: [{ type: "label_selector", label_selector: { selector: "c=1" } }],
  });
  sim.advance(2_000);
  const set = await call(sim.url, "POST", `/firewalls/${id}/actions/set_rules`, {
    rules: [{ direction: "in", protocol: "icmp", source_ips: ["0.0.0.0/0", "::/0"] }],
  });
  assertEquals(set.body.actions.map((a: { command: string }) => a.command), ["set_firewall_rules", "apply_firewall"]);
  const locked = await call(sim.url, "POST", `/firewalls/${id}/actions/set_rules`, { rules: [] });
  assertEquals(locked.body.error.code, "locked");
  sim.advance(2_000);
  const fw = (await call(sim.url, "GET", `/firewalls/${id}`)).body.firewall;
  assertEquals(fw.rules.map((r: { protocol: string; port: string | null }) => [r.protocol, r.port]), [["icmp", null]]);
  const bad = await call(sim.url, "POST", `/firewalls/${id}/actions/set_rules`, {
    rules: [{ direction: "in", protocol: "tcp", source_ips: ["0.0.0.0/0"] }],
  });
  assertEquals([bad.status, bad.body.error.details.fields[0].name], [422, "rules[0].port"]);
});

Deno.test("apply_to_resources by label selector covers matching servers, including later ones", async () => {
  await using sim = await startHcloudSimulator();
  const id = (await call(sim.url, "POST", "/firewalls", { name: "fw" })).body.firewall.id;
  const a = (await call(sim.url, "POST", "/servers", {
    name: "a",
    server_type: "cx23",
    image: "debian-13",
    labels: { c: "1" },
  }))
    .body.server.id;
  await call(sim.url, "POST", `/firewalls/${id}/actions/apply_to_resources`, {
    apply_to: [{ type: "label_selector", label_selector: { selector: "c=1" } }],
  });
  sim.advance(2_000);
  const b = (await call(sim.url, "POST", "/servers", {
    name: "b",
    server_type: "cx23",
    image: "debian-13",
    labels: { c: "1" },
  }))
    .body.server.id;
  const fw = (await call(sim.url, "GET", `/firewalls/${id}`)).body.firewall;
  assertEquals(fw.applied_to[0].applied_to_resources.map((r: { server: { id: number } }) => r.server.id), [a, b]);
  const firewallsOf = async (server: number) =>
    (await call(sim.url, "GET", `/servers/${server}`)).body.server.public_net.firewalls;
  // A new match is processed with the server's create ("can take up to a few seconds").
  assertEquals(await firewallsOf(b), [{ id, status: "pending" }]);
  sim.advance(20_000);
  assertEquals(await firewallsOf(b), [{ id, status: "applied" }]);
  const again = await call(sim.url, "POST", `/firewalls/${id}/actions/apply_to_resources`, {
    apply_to: [{ type: "label_selector", label_selector: { selector: "c=1" } }],
  });
  assertEquals(again.body.error.code, "firewall_already_applied");
  const viaSelector = await call(sim.url, "POST", `/firewalls/${id}/actions/remove_from_resources`, {
    remove_from: [{ type: "server", server: { id: a } }],
  });
  assertEquals(viaSelector.body.error.code, "firewall_managed_by_label_selector");
});

Deno.test("apply to a missing or private-only server fails; remove and delete follow Hetzner's errors", async () => {
  await using sim = await startHcloudSimulator();
  const id = (await call(sim.url, "POST", "/firewalls", { name: "fw" })).body.firewall.id;
  const missing = await call(sim.url, "POST", `/firewalls/${id}/actions/apply_to_resources`, {
    apply_to: [{ type: "server", server: { id: 424242 } }],
  });
  assertEquals([missing.status, missing.body.error.code], [404, "firewall_resource_not_found"]);
  const net = (await call(sim.url, "POST", "/networks", {
    name: "n",
    ip_range: "10.0.0.0/16",
    subnets: [{ type: "cloud", ip_range: "10.0.0.0/24", network_zone: "eu-central" }],
  })).body.network.id;
  const priv = (await call(sim.url, "POST", "/servers", {
    name: "p",
    server_type: "cx23",
    image: "debian-13",
    networks: [net],
    public_net: { enable_ipv4: false, enable_ipv6: false },
  })).body.server.id;
  const privateOnly = await call(sim.url, "POST", `/firewalls/${id}/actions/apply_to_resources`, {
    apply_to: [{ type: "server", server: { id: priv } }],
  });
  assertEquals(privateOnly.body.error.code, "private_net_only_server");
  const s =
    (await call(sim.url, "POST", "/servers", { name: "s", server_type: "cx23", image: "debian-13" })).body.server.id;
  await call(sim.url, "POST", `/firewalls/${id}/actions/apply_to_resources`, {
    apply_to: [{ type: "server", server: { id: s } }],
  });
  sim.advance(2_000);
  const inUse = await call(sim.url, "DELETE", `/firewalls/${id}`);
  assertEquals([inUse.status, inUse.body.error.code], [422, "resource_in_use"]);
  const notApplied = await call(sim.url, "POST", `/firewalls/${id}/actions/remove_from_resources`, {
    remove_from: [{ type: "label_selector", label_selector: { selector: "x=y" } }],
  });
  assertEquals(notApplied.body.error.code, "firewall_resource_not_found");
  const removed = await call(sim.url, "POST", `/firewalls/${id}/actions/remove_from_resources`, {
    remove_from: [{ type: "server", server: { id: s } }],
  });
  assertEquals(removed.body.actions[0].command, "remove_firewall");
  sim.advance(2_000);
  assertEquals((await call(sim.url, "DELETE", `/firewalls/${id}`)).status, 204);
});

Deno.test("firewalls given to POST /servers are applied by the create, beside a matching label selector", async () => {
  await using sim = await startHcloudSimulator();
  const id = (await call(sim.url, "POST", "/firewalls", {
    name: "fw",
    rules: [rule],
    apply_to: [{ type: "label_selector", label_selector: { selector: "c=1" } }],
  })).body.firewall.id;
  sim.advance(2_000);
  const created = await call(sim.url, "POST", "/servers", {
    name: "a",
    server_type: "cx23",
    image: "debian-13",
    labels: { c: "1" },
    firewalls: [{ firewall: id }],
  });
  assertEquals(created.status, 201);
  const a = created.body.server.id;
  assertEquals(created.body.server.public_net.firewalls, [{ id, status: "pending" }]);
  sim.advance(20_000);
  const server = (await call(sim.url, "GET", `/servers/${a}`)).body.server;
  assertEquals([server.status, server.public_net.firewalls], ["running", [{ id, status: "applied" }]]);
  const fw = (await call(sim.url, "GET", `/firewalls/${id}`)).body.firewall;
  assertEquals(fw.applied_to.map((t: { type: string }) => t.type), ["label_selector", "server"]);
  assertEquals(fw.applied_to[0].applied_to_resources, [{ type: "server", server: { id: a } }]);
  // Both bindings: the direct one cannot go while the selector stays; both at once can.
  const direct = await call(sim.url, "POST", `/firewalls/${id}/actions/remove_from_resources`, {
    remove_from: [{ type: "server", server: { id: a } }],
  });
  assertEquals([direct.status, direct.body.error.code], [422, "firewall_managed_by_label_selector"]);
  const both = await call(sim.url, "POST", `/firewalls/${id}/actions/remove_from_resources`, {
    remove_from: [
      { type: "server", server: { id: a } },
      { type: "label_selector", label_selector: { selector: "c=1" } },
    ],
  });
  assertEquals(both.status, 201);
  sim.advance(2_000);
  assertEquals((await call(sim.url, "DELETE", `/firewalls/${id}`)).status, 204);
  const unknown = await call(sim.url, "POST", "/servers", {
    name: "b",
    server_type: "cx23",
    image: "debian-13",
    firewalls: [{ firewall: id }],
  });
  assertEquals([unknown.status, unknown.body.error.details.fields[0].name], [422, "firewalls[0].firewall"]);
});

Deno.test("deleting a server drops its direct firewall binding, so the firewall can be deleted", async () => {
  await using sim = await startHcloudSimulator();
  const id = (await call(sim.url, "POST", "/firewalls", { name: "fw", rules: [rule] })).body.firewall.id;
  const a = (await call(sim.url, "POST", "/servers", {
    name: "a",
    server_type: "cx23",
    image: "debian-13",
    firewalls: [{ firewall: id }],
  })).body.server.id;
  sim.advance(20_000);
  assertEquals((await call(sim.url, "DELETE", `/firewalls/${id}`)).body.error.code, "resource_in_use");
  await call(sim.url, "DELETE", `/servers/${a}`);
  sim.advance(20_000);
  assertEquals((await call(sim.url, "DELETE", `/firewalls/${id}`)).status, 204);
});
