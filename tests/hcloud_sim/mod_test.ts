/** The simulator's own controls: settle, events with node details, unsubscribe, close. */
import { assertEquals, assertOk, assertRejects } from "../assert.ts";
import { type SimEvent, startHcloudSimulator } from "./mod.ts";
import { call } from "./test_client.ts";

Deno.test("settle() waits until every action finished, at the speed factor", async () => {
  await using sim = await startHcloudSimulator({ speed: 5000 });
  const res = await call(sim.url, "POST", "/servers", { name: "s", server_type: "cx23", image: "debian-13" });
  await sim.settle(2000);
  assertEquals(sim.state.servers.get(res.body.server.id)?.status, "running");
  assertEquals(sim.engine.busy, false);
});

Deno.test("server events carry what a fake Talos node needs: IPs, image labels, user data", async () => {
  await using sim = await startHcloudSimulator();
  const talos = sim.addSnapshot({ description: "talos", labels: { os: "talos", "talos-version": "v1.13.9" } });
  const net = (await call(sim.url, "POST", "/networks", {
    name: "n",
    ip_range: "10.0.0.0/16",
    subnets: [{ type: "cloud", ip_range: "10.0.0.0/24", network_zone: "eu-central" }],
  })).body.network.id;
  const events: SimEvent[] = [];
  const stop = sim.onEvent((e) => events.push(e));
  await call(sim.url, "POST", "/servers", {
    name: "cp-1",
    server_type: "cx23",
    image: String(talos.id),
    networks: [net],
    labels: { role: "cp" },
    user_data: "version: v1alpha1\n",
  });
  sim.advance(60_000);
  const running = events.find((e) => e.type === "server.running");
  assertOk(running && "server" in running);
  assertEquals(running.server.privateIps, [{ network: net, ip: "10.0.0.2" }]);
  assertEquals(running.server.image?.labels, { os: "talos", "talos-version": "v1.13.9" });
  assertEquals(running.server.userData, "version: v1alpha1\n");
  assertEquals([running.server.labels, running.server.serverType, running.server.location], [
    { role: "cp" },
    "cx23",
    "fsn1",
  ]);
  assertOk(running.server.publicIpv4?.startsWith("203.0.113."));
  stop();
  await call(sim.url, "POST", `/servers/${running.server.id}/actions/poweroff`);
  sim.advance(60_000);
  assertEquals(events.map((e) => e.type), ["server.created", "server.running"], "no events after unsubscribe");
});

Deno.test("close() releases held requests and can be called twice", async () => {
  const sim = await startHcloudSimulator();
  sim.faults.failNext({}, { kind: "timeout", delayMs: 600_000 });
  const pending = call(sim.url, "GET", "/servers");
  await new Promise((r) => setTimeout(r, 20));
  await sim.close();
  const res = await pending;
  assertEquals(res.status, 504);
  await sim.close();
  await assertRejects(() => fetch(`${sim.url}/servers`));
});

Deno.test("a speed below or equal to zero is refused", async () => {
  await assertRejects(() => startHcloudSimulator({ speed: 0 }), RangeError);
});
