/** Images (snapshots), SSH keys, volumes, primary IPs and placement groups. */
import { assertEquals, assertMatch } from "../assert.ts";
import { startHcloudSimulator } from "./mod.ts";
import { call, fakeEd25519Key } from "./test_client.ts";

Deno.test("snapshots can be relabelled, found by label selector and deleted", async () => {
  await using sim = await startHcloudSimulator();
  const events: string[] = [];
  sim.onEvent((e) => events.push(e.type));
  const snap = sim.addSnapshot({ description: "talos", labels: { os: "talos", v: "1.13" } });
  const put = await call(sim.url, "PUT", `/images/${snap.id}`, { description: "talos 1.13", labels: { os: "talos" } });
  assertEquals([put.body.image.description, put.body.image.labels], ["talos 1.13", { os: "talos" }]);
  const found = await call(sim.url, "GET", `/images?type=snapshot&label_selector=${encodeURIComponent("os=talos,!v")}`);
  assertEquals(found.body.images.map((i: { id: number }) => i.id), [snap.id]);
  assertEquals((await call(sim.url, "DELETE", `/images/${snap.id}`)).status, 204);
  assertEquals((await call(sim.url, "GET", `/images/${snap.id}`)).status, 404);
  assertEquals(events, ["image.available", "image.deleted"]);
});

Deno.test("SSH keys get an MD5 fingerprint and are unique by name and by fingerprint", async () => {
  await using sim = await startHcloudSimulator();
  const key = (await call(sim.url, "POST", "/ssh_keys", { name: "a", public_key: fakeEd25519Key(1) })).body.ssh_key;
  assertMatch(key.fingerprint, /^([0-9a-f]{2}:){15}[0-9a-f]{2}$/);
  const sameKey = await call(sim.url, "POST", "/ssh_keys", { name: "b", public_key: fakeEd25519Key(1) });
  assertEquals([sameKey.status, sameKey.body.error], [409, {
    code: "uniqueness_error",
    message: "SSH key with the same fingerprint already exists",
    details: { fields: [{ name: "public_key" }] },
  }]);
  const sameName = await call(sim.url, "POST", "/ssh_keys", { name: "a", public_key: fakeEd25519Key(2) });
  assertEquals(sameName.body.error.details.fields, [{ name: "name" }]);
  const bad = await call(sim.url, "POST", "/ssh_keys", { name: "c", public_key: "ssh-ed25519 notbase64!" });
  assertEquals(bad.body.error.details.fields[0].name, "public_key");
  const byFp = await call(sim.url, "GET", `/ssh_keys?fingerprint=${key.fingerprint}`);
  assertEquals(byFp.body.ssh_keys.map((k: { name: string }) => k.name), ["a"]);
});

Deno.test("volumes attach to a server in their location and must be detached before delete", async () => {
  await using sim = await startHcloudSimulator();
  const s =
    (await call(sim.url, "POST", "/servers", { name: "s", server_type: "cx23", image: "debian-13", location: "fsn1" }))
      .body.server.id;
  assertEquals(
    (await call(sim.url, "POST", "/volumes", { name: "v", size: 10, server: s })).status,
    423,
    "server busy",
  );
  sim.advance(60_000);
  const created = await call(sim.url, "POST", "/volumes", { name: "v", size: 10, server: s, labels: { c: "1" } });
  assertEquals(created.body.next_actions.map((a: { command: string }) => a.command), ["attach_volume"]);
  const v = created.body.volume;
  assertEquals([v.status, v.location.name, v.linux_device], [
    "creating",
    "fsn1",
    `/dev/disk/by-id/scsi-0HC_Volume_${v.id}`,
  ]);
  sim.advance(60_000);
  assertEquals((await call(sim.url, "GET", `/servers/${s}`)).body.server.volumes, [v.id]);
  assertEquals((await call(sim.url, "DELETE", `/volumes/${v.id}`)).status, 422);
  assertEquals((await call(sim.url, "POST", "/volumes", { name: "w", size: 5, location: "fsn1" })).status, 422);
  await call(sim.url, "POST", `/volumes/${v.id}/actions/detach`);
  sim.advance(3_000);
  assertEquals((await call(sim.url, "DELETE", `/volumes/${v.id}`)).status, 204);
});

Deno.test("primary IPs: unassign needs the server off, delete needs them unassigned", async () => {
  await using sim = await startHcloudSimulator();
  const s =
    (await call(sim.url, "POST", "/servers", { name: "s", server_type: "cx23", image: "debian-13" })).body.server;
  sim.advance(60_000);
  const v4 = s.public_net.ipv4.id;
  assertEquals((await call(sim.url, "DELETE", `/primary_ips/${v4}`)).body.error.code, "must_be_unassigned");
  assertEquals(
    (await call(sim.url, "POST", `/primary_ips/${v4}/actions/unassign`)).body.error.code,
    "server_not_stopped",
  );
  await call(sim.url, "POST", `/servers/${s.id}/actions/poweroff`);
  sim.advance(3_000);
  assertEquals((await call(sim.url, "POST", `/primary_ips/${v4}/actions/unassign`)).status, 201);
  sim.advance(1_000);
  assertEquals((await call(sim.url, "GET", `/servers/${s.id}`)).body.server.public_net.ipv4, null);
  assertEquals((await call(sim.url, "DELETE", `/primary_ips/${v4}`)).status, 204);
  const own = await call(sim.url, "POST", "/primary_ips", { name: "mine", type: "ipv4", location: "fsn1" });
  assertMatch(own.body.primary_ip.ip, /^203\.0\.113\.\d+$/);
  assertEquals(own.body.action, null);
  const assign = await call(sim.url, "POST", `/primary_ips/${own.body.primary_ip.id}/actions/assign`, {
    assignee_id: s.id,
    assignee_type: "server",
  });
  assertEquals(assign.status, 201);
  sim.advance(1_000);
  assertEquals((await call(sim.url, "GET", `/servers/${s.id}`)).body.server.public_net.ipv4.ip, own.body.primary_ip.ip);
});

Deno.test("placement groups are spread only and cannot be deleted while servers are in them", async () => {
  await using sim = await startHcloudSimulator();
  const bad = await call(sim.url, "POST", "/placement_groups", { name: "x", type: "cluster" });
  assertEquals(bad.body.error.details.fields[0].name, "type");
  const pg = (await call(sim.url, "POST", "/placement_groups", { name: "pg", type: "spread" })).body.placement_group;
  const s = (await call(sim.url, "POST", "/servers", {
    name: "s",
    server_type: "cx23",
    image: "debian-13",
    placement_group: pg.id,
  }))
    .body.server.id;
  assertEquals((await call(sim.url, "DELETE", `/placement_groups/${pg.id}`)).status, 422);
  sim.advance(60_000);
  await call(sim.url, "DELETE", `/servers/${s}`);
  sim.advance(5_000);
  assertEquals((await call(sim.url, "DELETE", `/placement_groups/${pg.id}`)).status, 204);
});
