/** Server create/get/list/delete semantics over plain fetch, with simulated time advanced by hand. */
import { assertEquals, assertMatch, assertOk } from "../assert.ts";
import { type SimEvent, startHcloudSimulator } from "./mod.ts";
import { call, fakeEd25519Key } from "./test_client.ts";

async function network(url: string) {
  const res = await call(url, "POST", "/networks", {
    name: "net",
    ip_range: "10.0.0.0/16",
    subnets: [{ type: "cloud", ip_range: "10.0.0.0/24", network_zone: "eu-central" }],
  });
  return res.body.network.id as number;
}

Deno.test("a server goes initializing -> starting -> running over create_server and start_server", async () => {
  await using sim = await startHcloudSimulator({ speed: 1 });
  const events: SimEvent[] = [];
  sim.onEvent((e) => events.push(e));
  const res = await call(sim.url, "POST", "/servers", {
    name: "cp-1",
    server_type: "cx23",
    image: "debian-13",
    location: "nbg1",
    labels: { cluster: "c1" },
  });
  assertEquals(res.status, 201);
  const { server, action, next_actions, root_password } = res.body;
  assertEquals([server.status, server.locked, server.location.name, server.server_type.name], [
    "initializing",
    true,
    "nbg1",
    "cx23",
  ]);
  assertEquals([action.command, action.status, next_actions[0].command], ["create_server", "running", "start_server"]);
  assertMatch(root_password, /^[A-Za-z0-9]{20}$/, "a root password when no SSH key is given");
  assertMatch(server.created, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/);
  sim.advance(12_000);
  assertEquals((await call(sim.url, "GET", `/servers/${server.id}`)).body.server.status, "starting");
  sim.advance(6_000);
  const running = (await call(sim.url, "GET", `/servers/${server.id}`)).body.server;
  assertEquals([running.status, running.locked], ["running", false]);
  assertEquals(events.map((e) => e.type), ["server.created", "server.running"]);
  const ev = events[1]!;
  assertOk("server" in ev);
  assertEquals([ev.server.name, ev.server.image?.name, ev.server.rescue], ["cp-1", "debian-13", false]);
  const actions = (await call(sim.url, "GET", `/actions?id=${action.id}&id=${next_actions[0].id}`)).body.actions;
  assertEquals(actions.map((a: { status: string; progress: number }) => [a.status, a.progress]), [
    ["success", 100],
    ["success", 100],
  ]);
});

Deno.test("start_after_create false leaves the server off", async () => {
  await using sim = await startHcloudSimulator();
  const res = await call(sim.url, "POST", "/servers", {
    name: "s",
    server_type: "cpx22",
    image: "ubuntu-24.04",
    start_after_create: false,
  });
  assertEquals(res.body.next_actions, []);
  sim.advance(60_000);
  assertEquals((await call(sim.url, "GET", `/servers/${res.body.server.id}`)).body.server.status, "off");
});

Deno.test("action progress grows with simulated time and actions finish on their own at the speed factor", async () => {
  await using sim = await startHcloudSimulator({ speed: 1 });
  const res = await call(sim.url, "POST", "/servers", { name: "s", server_type: "cx23", image: "debian-13" });
  sim.advance(6_000);
  const half = (await call(sim.url, "GET", `/actions/${res.body.action.id}`)).body.action;
  assertEquals([half.status, half.progress, half.finished], ["running", 50, null]);

  await using fast = await startHcloudSimulator({ speed: 2000 });
  const { promise, resolve } = Promise.withResolvers<SimEvent>();
  fast.onEvent((e) => e.type === "server.running" && resolve(e));
  await call(fast.url, "POST", "/servers", { name: "s", server_type: "cx23", image: "debian-13" });
  const started = Date.now();
  const ev = await promise; // no polling: the simulator's own timer moves the server on (18 s / 2000 ≈ 9 ms)
  assertEquals(ev.type, "server.running");
  assertOk(Date.now() - started < 2000);
});

Deno.test("server names are unique (409 uniqueness_error) and must be hostnames (422 invalid_input)", async () => {
  await using sim = await startHcloudSimulator();
  const body = { name: "s1", server_type: "cx23", image: "debian-13" };
  assertEquals((await call(sim.url, "POST", "/servers", body)).status, 201);
  const dup = await call(sim.url, "POST", "/servers", body);
  assertEquals([dup.status, dup.body.error.code, dup.body.error.details], [409, "uniqueness_error", {
    fields: [{ name: "name" }],
  }]);
  const bad = await call(sim.url, "POST", "/servers", { ...body, name: "under_score" });
  assertEquals([bad.status, bad.body.error.code], [422, "invalid_input"]);
  assertEquals(bad.body.error.details.fields[0].name, "name");
  assertMatch(bad.body.error.message, /^invalid input in field 'name'/);
  for (
    const [patch, field] of [
      [{ server_type: "cx99" }, "server_type"],
      [{ image: "windows-11" }, "image"],
      [{ location: "mars1" }, "location"],
      [{ user_data: "x".repeat(32 * 1024 + 1) }, "user_data"],
      [{ labels: { "hetzner.cloud/x": "y" } }, "labels"],
      [{ ssh_keys: ["nope"] }, "ssh_keys"],
    ] as const
  ) {
    const res = await call(sim.url, "POST", "/servers", { ...body, name: "s2", ...patch });
    assertEquals([res.status, res.body.error.details?.fields?.[0]?.name], [422, field], JSON.stringify(patch));
  }
  const unavailable = await call(sim.url, "POST", "/servers", { ...body, name: "s3", location: "ash" });
  assertEquals([unavailable.status, unavailable.body.error.code], [412, "resource_unavailable"], "cx23 is EU only");
  const deprecated = await call(sim.url, "POST", "/servers", { ...body, name: "s4", server_type: "cx22" });
  assertEquals(deprecated.status, 412);
});

Deno.test("a server gets public IPs from documentation ranges as auto-delete primary IPs", async () => {
  await using sim = await startHcloudSimulator();
  const s =
    (await call(sim.url, "POST", "/servers", { name: "s", server_type: "cx23", image: "debian-13" })).body.server;
  assertMatch(s.public_net.ipv4.ip, /^203\.0\.113\.\d+$/);
  assertMatch(s.public_net.ipv6.ip, /^2001:db8:[0-9a-f:]+\/64$/);
  const ips = (await call(sim.url, "GET", "/primary_ips")).body.primary_ips;
  assertEquals(
    ips.map((p: { type: string; assignee_id: number; auto_delete: boolean }) => [p.type, p.assignee_id, p.auto_delete]),
    [
      ["ipv4", s.id, true],
      ["ipv6", s.id, true],
    ],
  );
  const v6only = (await call(sim.url, "POST", "/servers", {
    name: "v6",
    server_type: "cx23",
    image: "debian-13",
    public_net: { enable_ipv4: false, enable_ipv6: true },
  })).body.server;
  assertEquals(v6only.public_net.ipv4, null);
  const none = await call(sim.url, "POST", "/servers", {
    name: "none",
    server_type: "cx23",
    image: "debian-13",
    public_net: { enable_ipv4: false, enable_ipv6: false },
  });
  assertEquals([none.status, none.body.error.details.fields[0].name], [422, "public_net"]);
});

Deno.test("networks, firewalls, placement group and SSH keys given at create are applied", async () => {
  await using sim = await startHcloudSimulator();
  const net = await network(sim.url);
  const fw = (await call(sim.url, "POST", "/firewalls", { name: "fw" })).body.firewall;
  const pg = (await call(sim.url, "POST", "/placement_groups", { name: "pg", type: "spread" })).body.placement_group;
  const key = (await call(sim.url, "POST", "/ssh_keys", { name: "k", public_key: fakeEd25519Key(3) })).body.ssh_key;
  const res = await call(sim.url, "POST", "/servers", {
    name: "s",
    server_type: "cx23",
    image: "debian-13",
    networks: [net],
    firewalls: [{ firewall: fw.id }],
    placement_group: pg.id,
    ssh_keys: ["k"],
    user_data: "machine: config",
  });
  const s = res.body.server;
  assertEquals(res.body.root_password, null);
  assertEquals(s.private_net.map((p: { network: number; ip: string }) => [p.network, p.ip]), [[net, "10.0.0.2"]]);
  assertMatch(s.private_net[0].mac_address, /^86:00:00:[0-9a-f]{2}:[0-9a-f]{2}:[0-9a-f]{2}$/);
  assertEquals(s.public_net.firewalls.map((f: { id: number }) => f.id), [fw.id]);
  assertEquals(s.placement_group.id, pg.id);
  assertEquals(sim.state.servers.get(s.id)!.sshKeys, [key.id]);
  assertEquals(sim.state.servers.get(s.id)!.userData, "machine: config");
  assertEquals((await call(sim.url, "GET", `/placement_groups/${pg.id}`)).body.placement_group.servers, [s.id]);
});

Deno.test("a spread placement group takes at most 10 servers (422 placement_error)", async () => {
  await using sim = await startHcloudSimulator();
  const pg = (await call(sim.url, "POST", "/placement_groups", { name: "pg", type: "spread" })).body.placement_group;
  for (let i = 0; i < 10; i++) {
    const r = await call(sim.url, "POST", "/servers", {
      name: `s${i}`,
      server_type: "cx23",
      image: "debian-13",
      placement_group: pg.id,
    });
    assertEquals(r.status, 201);
  }
  const eleventh = await call(sim.url, "POST", "/servers", {
    name: "s10",
    server_type: "cx23",
    image: "debian-13",
    placement_group: pg.id,
  });
  assertEquals([eleventh.status, eleventh.body.error.code], [422, "placement_error"]);
});

Deno.test("servers list by name, label selector and status", async () => {
  await using sim = await startHcloudSimulator();
  await call(sim.url, "POST", "/servers", {
    name: "cp",
    server_type: "cx23",
    image: "debian-13",
    labels: { role: "cp" },
  });
  await call(sim.url, "POST", "/servers", {
    name: "w",
    server_type: "cx23",
    image: "debian-13",
    labels: { role: "worker" },
    start_after_create: false,
  });
  sim.advance(60_000);
  const names = async (q: string) =>
    (await call(sim.url, "GET", `/servers?${q}`)).body.servers.map((s: { name: string }) => s.name);
  assertEquals(await names("name=w"), ["w"]);
  assertEquals(await names(`label_selector=${encodeURIComponent("role in (cp,worker)")}`), ["cp", "w"]);
  assertEquals(await names(`label_selector=${encodeURIComponent("role!=cp")}`), ["w"]);
  assertEquals(await names("status=running"), ["cp"]);
  assertEquals(await names("status=off&status=running"), ["cp", "w"]);
});

Deno.test("a second action while one runs is 423 locked; delete goes deleting -> gone", async () => {
  await using sim = await startHcloudSimulator();
  const events: string[] = [];
  sim.onEvent((e) => events.push(e.type));
  const s =
    (await call(sim.url, "POST", "/servers", { name: "s", server_type: "cx23", image: "debian-13" })).body.server;
  const locked = await call(sim.url, "POST", `/servers/${s.id}/actions/poweroff`);
  assertEquals([locked.status, locked.body.error.code], [423, "locked"]);
  assertEquals((await call(sim.url, "DELETE", `/servers/${s.id}`)).status, 423);
  sim.advance(60_000);
  const del = await call(sim.url, "DELETE", `/servers/${s.id}`);
  assertEquals([del.status, del.body.action.command], [200, "delete_server"]);
  assertEquals((await call(sim.url, "GET", `/servers/${s.id}`)).body.server.status, "deleting");
  sim.advance(5_000);
  const gone = await call(sim.url, "GET", `/servers/${s.id}`);
  assertEquals([gone.status, gone.body.error.code], [404, "not_found"]);
  assertEquals((await call(sim.url, "GET", "/primary_ips")).body.primary_ips, [], "auto-delete IPs went with it");
  assertEquals(events, ["server.created", "server.running", "server.deleted"]);
});
