/** Load balancers: services, targets, network, and target health from the pluggable probe. */
import { assertEquals } from "../assert.ts";
import { startHcloudSimulator } from "./mod.ts";
import { call } from "./test_client.ts";

async function setup(url: string) {
  const net = (await call(url, "POST", "/networks", {
    name: "n",
    ip_range: "10.0.0.0/16",
    subnets: [{ type: "cloud", ip_range: "10.0.0.0/24", network_zone: "eu-central" }],
  })).body.network.id;
  const servers: number[] = [];
  for (const name of ["cp-1", "cp-2"]) {
    servers.push(
      (await call(url, "POST", "/servers", {
        name,
        server_type: "cx23",
        image: "debian-13",
        networks: [net],
        labels: { role: "cp" },
      })).body.server.id,
    );
  }
  return { net, servers };
}

const kubeService = { protocol: "tcp", listen_port: 6443, destination_port: 6443 };

Deno.test("label-selector targets expand to matching servers and turn healthy when they run", async () => {
  await using sim = await startHcloudSimulator();
  const { net, servers } = await setup(sim.url);
  const res = await call(sim.url, "POST", "/load_balancers", {
    name: "kube",
    load_balancer_type: "lb11",
    location: "fsn1",
    network: net,
    services: [kubeService],
    targets: [{ type: "label_selector", label_selector: { selector: "role=cp" }, use_private_ip: true }],
  });
  assertEquals(res.status, 201);
  const lb = res.body.load_balancer;
  assertEquals(
    lb.private_net,
    [{ network: net, ip: "10.0.0.4" }],
    "the first free IP after gateway .1 and servers .2/.3",
  );
  sim.advance(8_000);
  const unhealthy = (await call(sim.url, "GET", `/load_balancers/${lb.id}`)).body.load_balancer.targets[0];
  assertEquals(
    unhealthy.targets.map((t: { server: { id: number; ip: string }; health_status: unknown[] }) => [
      t.server.id,
      t.server.ip,
      t.health_status,
    ]),
    [
      [servers[0], "10.0.0.2", [{ listen_port: 6443, status: "unhealthy" }]],
      [servers[1], "10.0.0.3", [{ listen_port: 6443, status: "unhealthy" }]],
    ],
  );
  sim.advance(60_000);
  const healthy = (await call(sim.url, "GET", `/load_balancers/${lb.id}`)).body.load_balancer.targets[0];
  assertEquals(healthy.targets.map((t: { health_status: { status: string }[] }) => t.health_status[0]!.status), [
    "healthy",
    "healthy",
  ]);
  sim.setTargetHealthProbe(({ server, destinationPort }) => server.name === "cp-1" && destinationPort === 6443);
  const probed = (await call(sim.url, "GET", `/load_balancers/${lb.id}`)).body.load_balancer.targets[0];
  assertEquals(probed.targets.map((t: { health_status: { status: string }[] }) => t.health_status[0]!.status), [
    "healthy",
    "unhealthy",
  ]);
  assertEquals((await call(sim.url, "GET", `/servers/${servers[0]}`)).body.server.load_balancers, [lb.id]);
});

Deno.test("services and targets are validated with Hetzner's operation-specific errors", async () => {
  await using sim = await startHcloudSimulator();
  const { net, servers } = await setup(sim.url);
  const lb = (await call(sim.url, "POST", "/load_balancers", {
    name: "lb",
    load_balancer_type: "lb11",
    location: "fsn1",
    services: [kubeService],
  })).body.load_balancer;
  sim.advance(8_000);
  const action = (path: string, body: unknown) =>
    call(sim.url, "POST", `/load_balancers/${lb.id}/actions/${path}`, body);
  const port = await action("add_service", kubeService);
  assertEquals([port.status, port.body.error.code], [412, "source_port_already_used"]);
  const noNet = await action("add_target", { type: "server", server: { id: servers[0] }, use_private_ip: true });
  assertEquals(noNet.body.error.code, "load_balancer_not_attached_to_network");
  assertEquals((await action("attach_to_network", { network: net })).status, 201);
  assertEquals((await action("add_target", { type: "server", server: { id: servers[0] } })).body.error.code, "locked");
  sim.advance(3_000);
  assertEquals((await action("attach_to_network", { network: net })).body.error.code, "load_balancer_already_attached");
  assertEquals(
    (await action("add_target", { type: "server", server: { id: servers[0] }, use_private_ip: true })).status,
    201,
  );
  sim.advance(2_000);
  const dup = await action("add_target", { type: "server", server: { id: servers[0] }, use_private_ip: true });
  assertEquals(dup.body.error.code, "target_already_defined");
  const http = await action("add_service", { protocol: "http", listen_port: 80, destination_port: 8080 });
  assertEquals(http.status, 201);
  sim.advance(2_000);
  const got = (await call(sim.url, "GET", `/load_balancers/${lb.id}`)).body.load_balancer;
  assertEquals(got.services[1].http.cookie_name, "HCLBSTICKY");
  assertEquals(got.services[1].health_check.http.path, "/");
  assertEquals(got.public_net.enabled, true);
  const dupName = await call(sim.url, "POST", "/load_balancers", {
    name: "lb",
    load_balancer_type: "lb11",
    location: "fsn1",
  });
  assertEquals(dupName.body.error.code, "uniqueness_error");
  const type = await call(sim.url, "POST", "/load_balancers", {
    name: "x",
    load_balancer_type: "lb99",
    location: "fsn1",
  });
  assertEquals(type.body.error.details.fields[0].name, "load_balancer_type");
});

Deno.test("lb.created and lb.deleted events fire; delete frees the load balancer", async () => {
  await using sim = await startHcloudSimulator();
  const events: string[] = [];
  sim.onEvent((e) => events.push(e.type));
  const lb = (await call(sim.url, "POST", "/load_balancers", {
    name: "lb",
    load_balancer_type: "lb21",
    network_zone: "eu-central",
  }))
    .body.load_balancer;
  assertEquals(lb.location.network_zone, "eu-central");
  sim.advance(8_000);
  assertEquals((await call(sim.url, "DELETE", `/load_balancers/${lb.id}`)).status, 204);
  assertEquals(events, ["lb.created", "lb.deleted"]);
  assertEquals((await call(sim.url, "GET", `/load_balancers/${lb.id}`)).status, 404);
});

Deno.test("the public interface: off needs a network and private-IP targets only, and can be switched", async () => {
  await using sim = await startHcloudSimulator();
  const { net, servers } = await setup(sim.url);
  const base = { load_balancer_type: "lb11", location: "fsn1", public_interface: false };
  const noNet = await call(sim.url, "POST", "/load_balancers", { ...base, name: "a" });
  assertEquals([noNet.status, noNet.body.error.code], [422, "load_balancer_not_attached_to_network"]);

  const res = await call(sim.url, "POST", "/load_balancers", { ...base, name: "b", network: net });
  assertEquals(res.status, 201);
  const lb = res.body.load_balancer;
  assertEquals(lb.public_net.enabled, false);
  sim.advance(60_000);
  const publicTarget = await call(sim.url, "POST", `/load_balancers/${lb.id}/actions/add_target`, {
    type: "server",
    server: { id: servers[0] },
    use_private_ip: false,
  });
  assertEquals([publicTarget.status, publicTarget.body.error.code], [422, "load_balancer_public_interface_disabled"]);

  const enable = await call(sim.url, "POST", `/load_balancers/${lb.id}/actions/enable_public_interface`);
  assertEquals(enable.status, 201);
  sim.advance(60_000);
  assertEquals((await call(sim.url, "GET", `/load_balancers/${lb.id}`)).body.load_balancer.public_net.enabled, true);
  await call(sim.url, "POST", `/load_balancers/${lb.id}/actions/add_target`, {
    type: "server",
    server: { id: servers[0] },
    use_private_ip: false,
  });
  sim.advance(60_000);
  const refused = await call(sim.url, "POST", `/load_balancers/${lb.id}/actions/disable_public_interface`);
  assertEquals([refused.status, refused.body.error.code], [422, "targets_without_use_private_ip"]);
});

Deno.test("attach_to_network takes its IP from the subnet ip_range names, and refuses a range that is no subnet", async () => {
  await using sim = await startHcloudSimulator();
  const { net } = await setup(sim.url);
  await call(sim.url, "POST", `/networks/${net}/actions/add_subnet`, {
    type: "cloud",
    ip_range: "10.0.1.128/25",
    network_zone: "eu-central",
  });
  sim.advance(2_000);
  const lb = (await call(sim.url, "POST", "/load_balancers", {
    name: "ingress",
    load_balancer_type: "lb11",
    location: "fsn1",
  })).body.load_balancer;
  sim.advance(8_000);
  const attach = (body: unknown) => call(sim.url, "POST", `/load_balancers/${lb.id}/actions/attach_to_network`, body);
  const wrong = await attach({ network: net, ip_range: "10.0.9.0/24" });
  assertEquals([wrong.status, wrong.body.error.code, wrong.body.error.details.fields[0].name], [
    422,
    "invalid_input",
    "ip_range",
  ]);
  assertEquals((await attach({ network: net, ip_range: "10.0.1.128/25" })).status, 201);
  sim.advance(3_000);
  const got = (await call(sim.url, "GET", `/load_balancers/${lb.id}`)).body.load_balancer;
  assertEquals(got.private_net, [{ network: net, ip: "10.0.1.129" }]);
});

Deno.test("update_service changes the fields it is given, keeps the others, and answers not_found for an unknown port", async () => {
  await using sim = await startHcloudSimulator();
  const lb = (await call(sim.url, "POST", "/load_balancers", {
    name: "lb",
    load_balancer_type: "lb11",
    location: "fsn1",
    services: [{ protocol: "tcp", listen_port: 80, destination_port: 30080, proxyprotocol: true }],
  })).body.load_balancer;
  sim.advance(8_000);
  const update = (body: unknown) => call(sim.url, "POST", `/load_balancers/${lb.id}/actions/update_service`, body);
  const res = await update({
    listen_port: 80,
    destination_port: 30081,
    health_check: { protocol: "tcp", port: 30081 },
  });
  assertEquals([res.status, res.body.action.command], [201, "update_service"]);
  sim.advance(2_000);
  const [svc] = (await call(sim.url, "GET", `/load_balancers/${lb.id}`)).body.load_balancer.services;
  assertEquals([svc.protocol, svc.listen_port, svc.destination_port, svc.proxyprotocol, svc.health_check.port], [
    "tcp",
    80,
    30081,
    true,
    30081,
  ]);
  const unknown = await update({ listen_port: 443, destination_port: 30443 });
  assertEquals([unknown.status, unknown.body.error.code], [404, "not_found"]);
});
