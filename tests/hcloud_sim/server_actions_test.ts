/** Power actions, rescue mode, create_image snapshots and network attach/detach. */
import { assertEquals, assertMatch } from "../assert.ts";
import { type SimEvent, startHcloudSimulator } from "./mod.ts";
import { call } from "./test_client.ts";

async function runningServer(url: string, advance: (ms: number) => void, extra: Record<string, unknown> = {}) {
  const res = await call(url, "POST", "/servers", { name: "s", server_type: "cx23", image: "debian-13", ...extra });
  advance(60_000);
  return res.body.server.id as number;
}

Deno.test("poweroff turns a server off and poweron boots it again, with events", async () => {
  await using sim = await startHcloudSimulator();
  const id = await runningServer(sim.url, sim.advance);
  const events: string[] = [];
  sim.onEvent((e) => events.push(e.type));
  const off = await call(sim.url, "POST", `/servers/${id}/actions/poweroff`);
  assertEquals([off.status, off.body.action.command], [201, "stop_server"]);
  assertEquals((await call(sim.url, "GET", `/servers/${id}`)).body.server.status, "stopping");
  sim.advance(3_000);
  assertEquals((await call(sim.url, "GET", `/servers/${id}`)).body.server.status, "off");
  const on = await call(sim.url, "POST", `/servers/${id}/actions/poweron`);
  assertEquals(on.body.action.command, "start_server");
  assertEquals((await call(sim.url, "GET", `/servers/${id}`)).body.server.status, "starting");
  sim.advance(6_000);
  assertEquals((await call(sim.url, "GET", `/servers/${id}`)).body.server.status, "running");
  assertEquals(events, ["server.off", "server.running"]);
});

Deno.test("shutdown sends ACPI: the action ends quickly and the OS powers off later", async () => {
  await using sim = await startHcloudSimulator();
  const id = await runningServer(sim.url, sim.advance);
  const res = await call(sim.url, "POST", `/servers/${id}/actions/shutdown`);
  assertEquals(res.body.action.command, "shutdown_server");
  sim.advance(1_000);
  assertEquals((await call(sim.url, "GET", `/actions/${res.body.action.id}`)).body.action.status, "success");
  assertEquals((await call(sim.url, "GET", `/servers/${id}`)).body.server.status, "running");
  sim.advance(8_000);
  assertEquals((await call(sim.url, "GET", `/servers/${id}`)).body.server.status, "off");
});

Deno.test("enable_rescue + reset boots the rescue system once, and the flag clears like on Hetzner", async () => {
  await using sim = await startHcloudSimulator();
  const id = await runningServer(sim.url, sim.advance);
  const events: SimEvent[] = [];
  sim.onEvent((e) => events.push(e));
  const rescue = await call(sim.url, "POST", `/servers/${id}/actions/enable_rescue`, { type: "linux64" });
  assertMatch(rescue.body.root_password, /^\w{20}$/);
  sim.advance(1_500);
  assertEquals((await call(sim.url, "GET", `/servers/${id}`)).body.server.rescue_enabled, true);
  await call(sim.url, "POST", `/servers/${id}/actions/reset`);
  sim.advance(3_000);
  assertEquals((await call(sim.url, "GET", `/servers/${id}`)).body.server.rescue_enabled, false);
  const reset = events.find((e) => e.type === "server.reset");
  assertEquals(reset && "server" in reset ? reset.server.rescue : undefined, true);
  await call(sim.url, "POST", `/servers/${id}/actions/reboot`);
  sim.advance(5_000);
  const reboot = events.filter((e) => e.type === "server.reset")[1];
  assertEquals(reboot && "server" in reboot ? reboot.server.rescue : undefined, false, "next boot is normal again");
  await call(sim.url, "POST", `/servers/${id}/actions/enable_rescue`, {});
  sim.advance(1_500);
  await call(sim.url, "POST", `/servers/${id}/actions/disable_rescue`);
  sim.advance(1_500);
  assertEquals((await call(sim.url, "GET", `/servers/${id}`)).body.server.rescue_enabled, false);
});

Deno.test("create_image makes a labelled snapshot that is creating until the action ends", async () => {
  await using sim = await startHcloudSimulator();
  const id = await runningServer(sim.url, sim.advance);
  const events: string[] = [];
  sim.onEvent((e) => events.push(e.type));
  const res = await call(sim.url, "POST", `/servers/${id}/actions/create_image`, {
    type: "snapshot",
    description: "talos v1.13.9",
    labels: { os: "talos", "talos-version": "v1.13.9" },
  });
  assertEquals([res.status, res.body.image.status, res.body.image.type], [201, "creating", "snapshot"]);
  assertEquals(res.body.image.created_from, { id, name: "s" });
  assertEquals((await call(sim.url, "POST", `/servers/${id}/actions/poweroff`)).status, 423);
  sim.advance(45_000);
  const listed = await call(sim.url, "GET", `/images?type=snapshot&label_selector=${encodeURIComponent("os=talos")}`);
  assertEquals(listed.body.images.map((i: { id: number; status: string }) => [i.id, i.status]), [[
    res.body.image.id,
    "available",
  ]]);
  assertEquals(events, ["image.available"]);
  const boot = await call(sim.url, "POST", "/servers", {
    name: "t1",
    server_type: "cx23",
    image: String(res.body.image.id),
  });
  assertEquals(boot.body.server.image.labels, { os: "talos", "talos-version": "v1.13.9" });
});

Deno.test("attach_to_network honours an explicit IP, rejects taken ones, and detach frees it", async () => {
  await using sim = await startHcloudSimulator();
  const net = (await call(sim.url, "POST", "/networks", {
    name: "n",
    ip_range: "10.0.0.0/16",
    subnets: [{ type: "cloud", ip_range: "10.0.1.0/24", network_zone: "eu-central" }],
  })).body.network.id;
  const a = await runningServer(sim.url, sim.advance);
  const b =
    (await call(sim.url, "POST", "/servers", { name: "b", server_type: "cx23", image: "debian-13" })).body.server.id;
  sim.advance(60_000);
  const events: SimEvent[] = [];
  sim.onEvent((e) => events.push(e));
  assertEquals(
    (await call(sim.url, "POST", `/servers/${a}/actions/attach_to_network`, { network: net, ip: "10.0.1.10" })).status,
    201,
  );
  sim.advance(3_000);
  const attached = events.find((e) => e.type === "server.network_attached");
  assertEquals(attached && "server" in attached ? attached.server.privateIps : [], [{ network: net, ip: "10.0.1.10" }]);
  const taken = await call(sim.url, "POST", `/servers/${b}/actions/attach_to_network`, {
    network: net,
    ip: "10.0.1.10",
  });
  assertEquals([taken.status, taken.body.error.code], [422, "ip_not_available"]);
  const outside = await call(sim.url, "POST", `/servers/${b}/actions/attach_to_network`, {
    network: net,
    ip: "10.0.9.1",
  });
  assertEquals(outside.body.error.code, "ip_not_available");
  const again = await call(sim.url, "POST", `/servers/${a}/actions/attach_to_network`, { network: net });
  assertEquals(again.body.error.code, "server_already_attached");
  await call(sim.url, "POST", `/servers/${a}/actions/detach_from_network`, { network: net });
  sim.advance(2_000);
  assertEquals(
    (await call(sim.url, "POST", `/servers/${b}/actions/attach_to_network`, { network: net, ip: "10.0.1.10" })).status,
    201,
  );
});
