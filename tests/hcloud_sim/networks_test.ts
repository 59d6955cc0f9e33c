/** Networks, subnets and private IP allocation. */
import { assertEquals } from "../assert.ts";
import { startHcloudSimulator } from "./mod.ts";
import { call } from "./test_client.ts";

Deno.test("networks need an RFC 1918 range, unique names, and subnets inside the range without overlap", async () => {
  await using sim = await startHcloudSimulator();
  const created = await call(sim.url, "POST", "/networks", { name: "n", ip_range: "10.0.0.0/16", labels: { a: "b" } });
  assertEquals([created.status, created.body.network.subnets, created.body.network.labels], [201, [], { a: "b" }]);
  const id = created.body.network.id;
  assertEquals((await call(sim.url, "POST", "/networks", { name: "n", ip_range: "10.1.0.0/16" })).status, 409);
  const publicRange = await call(sim.url, "POST", "/networks", { name: "p", ip_range: "1.2.3.0/24" });
  assertEquals(publicRange.body.error.details.fields[0].name, "ip_range");
  const add = (body: Record<string, unknown>) => call(sim.url, "POST", `/networks/${id}/actions/add_subnet`, body);
  assertEquals((await add({ type: "cloud", ip_range: "10.0.0.0/24", network_zone: "eu-central" })).status, 201);
  sim.advance(1_000);
  const auto = await add({ type: "cloud", network_zone: "eu-central" });
  assertEquals(auto.status, 201);
  sim.advance(1_000);
  const overlap = await add({ type: "cloud", ip_range: "10.0.0.128/25", network_zone: "eu-central" });
  assertEquals([overlap.status, overlap.body.error.code], [422, "invalid_input"]);
  const outside = await add({ type: "cloud", ip_range: "10.9.0.0/24", network_zone: "eu-central" });
  assertEquals(outside.body.error.details.fields[0].name, "subnet.ip_range");
  const zone = await add({ type: "cloud", ip_range: "10.0.5.0/24", network_zone: "moon" });
  assertEquals(zone.status, 422);
  const net = (await call(sim.url, "GET", `/networks/${id}`)).body.network;
  assertEquals(net.subnets.map((s: { ip_range: string; gateway: string }) => [s.ip_range, s.gateway]), [
    ["10.0.0.0/24", "10.0.0.1"],
    ["10.0.1.0/24", "10.0.0.1"],
  ]);
});

Deno.test("servers get the first free IP of a subnet in their zone, skipping the gateway", async () => {
  await using sim = await startHcloudSimulator();
  const id = (await call(sim.url, "POST", "/networks", {
    name: "n",
    ip_range: "10.0.0.0/16",
    subnets: [
      { type: "cloud", ip_range: "10.0.0.0/30", network_zone: "eu-central" },
      { type: "cloud", ip_range: "10.0.1.0/24", network_zone: "eu-central" },
      { type: "cloud", ip_range: "10.0.2.0/24", network_zone: "us-east" },
    ],
  })).body.network.id;
  const ips: string[] = [];
  for (let i = 0; i < 3; i++) {
    const s = (await call(sim.url, "POST", "/servers", {
      name: `s${i}`,
      server_type: "cx23",
      image: "debian-13",
      networks: [id],
    }))
      .body.server;
    ips.push(s.private_net[0].ip);
  }
  assertEquals(ips, ["10.0.0.2", "10.0.1.1", "10.0.1.2"], "10.0.0.1 is the gateway, .3 the broadcast of the /30");
  const us = (await call(sim.url, "POST", "/servers", {
    name: "us",
    server_type: "cpx22",
    image: "debian-13",
    location: "ash",
    networks: [id],
  })).body.server;
  assertEquals(us.private_net[0].ip, "10.0.2.1");
  const none = await call(sim.url, "POST", "/servers", {
    name: "sg",
    server_type: "cpx22",
    image: "debian-13",
    location: "sin",
    networks: [id],
  });
  assertEquals([none.status, none.body.error.code], [422, "no_subnet_available"]);
  assertEquals((await call(sim.url, "GET", "/servers?name=sg")).body.servers, [], "a failed create leaves nothing");
});

Deno.test("networks and subnets in use cannot be deleted; empty ones can", async () => {
  await using sim = await startHcloudSimulator();
  const id = (await call(sim.url, "POST", "/networks", {
    name: "n",
    ip_range: "10.0.0.0/16",
    subnets: [{ type: "cloud", ip_range: "10.0.0.0/24", network_zone: "eu-central" }],
  })).body.network.id;
  const s =
    (await call(sim.url, "POST", "/servers", { name: "s", server_type: "cx23", image: "debian-13", networks: [id] }))
      .body.server;
  assertEquals((await call(sim.url, "DELETE", `/networks/${id}`)).body.error.code, "resource_in_use");
  const subnet = await call(sim.url, "POST", `/networks/${id}/actions/delete_subnet`, { ip_range: "10.0.0.0/24" });
  assertEquals(subnet.body.error.code, "resource_in_use");
  sim.advance(60_000);
  await call(sim.url, "DELETE", `/servers/${s.id}`);
  sim.advance(10_000);
  assertEquals(
    (await call(sim.url, "POST", `/networks/${id}/actions/delete_subnet`, { ip_range: "10.0.0.0/24" })).status,
    201,
  );
  sim.advance(1_000);
  assertEquals((await call(sim.url, "DELETE", `/networks/${id}`)).status, 204);
  assertEquals((await call(sim.url, "GET", `/networks/${id}`)).status, 404);
});
