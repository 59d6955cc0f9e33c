/**
 * Drives the simulator through every operation it implements, with plain requests shaped per
 * the spec, through the validating fetch: every request and every response (successes and the
 * Hetzner errors) must match Hetzner's OpenAPI document.
 */
import { assertEquals, assertOk } from "../assert.ts";
import { simulatedOperations, startHcloudSimulator } from "../hcloud_sim/mod.ts";
import { call } from "../hcloud_sim/test_client.ts";
import { fakeEd25519Key } from "../hcloud_sim/test_client.ts";
import { HCLOUD_OPENAPI, OpenApiContract } from "./openapi.ts";
import { requires } from "../requirements.ts";
import { ContractRecorder, createValidatingFetch } from "./validating_fetch.ts";

Deno.test(requires([HCLOUD_OPENAPI], {
  name: "every simulated operation exists in Hetzner's OpenAPI document",
  fn: async () => {
    const contract = await OpenApiContract.load();
    const missing = simulatedOperations().filter((op) => !contract.operations.some((o) => o.key === op));
    assertEquals(missing, []);
  },
}));

Deno.test(requires([HCLOUD_OPENAPI], {
  name: "the simulator's requests and responses for all its operations match the OpenAPI document",
  fn: async () => {
    const contract = await OpenApiContract.load();
    const recorder = new ContractRecorder(contract);
    const f = createValidatingFetch(fetch, recorder);
    await using sim = await startHcloudSimulator({ speed: 1, rateLimit: false });
    const api = (method: string, path: string, body?: unknown) => call(sim.url, method, path, body, { fetch: f });
    const done = () => sim.advance(120_000);
    const ok = async (method: string, path: string, body: unknown, status: number) => {
      const res = await api(method, path, body);
      assertEquals(res.status, status, `${method} ${path}: ${JSON.stringify(res.body)}`);
      return res.body;
    };

    // Catalog.
    await ok("GET", "/locations", undefined, 200);
    await ok("GET", "/locations/1", undefined, 200);
    await ok("GET", "/server_types?per_page=5&page=2", undefined, 200);
    await ok("GET", "/server_types/104", undefined, 200);
    await ok("GET", "/load_balancer_types", undefined, 200);
    await ok("GET", "/load_balancer_types/1", undefined, 200);
    await ok("GET", "/pricing", undefined, 200);
    await ok("GET", "/images?type=system&architecture=x86", undefined, 200);

    // SSH keys, placement groups.
    const key = (await ok("POST", "/ssh_keys", { name: "k", public_key: fakeEd25519Key(1), labels: { a: "b" } }, 201))
      .ssh_key;
    await ok("GET", `/ssh_keys/${key.id}`, undefined, 200);
    await ok("GET", `/ssh_keys?fingerprint=${key.fingerprint}`, undefined, 200);
    await ok("PUT", `/ssh_keys/${key.id}`, { name: "k2", labels: {} }, 200);
    await ok("POST", "/ssh_keys", { name: "dup", public_key: fakeEd25519Key(1) }, 409);
    const pg = (await ok("POST", "/placement_groups", { name: "pg", type: "spread", labels: { c: "x" } }, 201))
      .placement_group;
    await ok("GET", "/placement_groups?label_selector=c%3Dx&type=spread", undefined, 200);
    await ok("GET", `/placement_groups/${pg.id}`, undefined, 200);
    await ok("PUT", `/placement_groups/${pg.id}`, { name: "pg2" }, 200);

    // Network and subnets.
    const net = (await ok("POST", "/networks", {
      name: "c1",
      ip_range: "10.0.0.0/16",
      labels: { cluster: "c1" },
      subnets: [{ type: "cloud", ip_range: "10.0.0.0/24", network_zone: "eu-central" }],
    }, 201)).network;
    await ok("POST", `/networks/${net.id}/actions/add_subnet`, {
      type: "cloud",
      ip_range: "10.0.1.0/24",
      network_zone: "eu-central",
    }, 201);
    done();
    await ok("GET", `/networks/${net.id}`, undefined, 200);
    await ok("GET", "/networks?label_selector=cluster%3Dc1", undefined, 200);
    await ok("PUT", `/networks/${net.id}`, { labels: { cluster: "c1", x: "y" } }, 200);
    await ok("POST", "/networks", { name: "bad", ip_range: "8.8.8.0/24" }, 422);

    // Firewall.
    const fw = (await ok("POST", "/firewalls", {
      name: "fw",
      labels: { cluster: "c1" },
      rules: [{ direction: "in", protocol: "tcp", port: "6443", source_ips: ["0.0.0.0/0", "::/0"] }],
    }, 201)).firewall;
    done();

    // Servers.
    const created = await ok("POST", "/servers", {
      name: "c1-cp-1",
      server_type: "cx23",
      image: "debian-13",
      location: "fsn1",
      labels: { cluster: "c1", role: "control-plane" },
      networks: [net.id],
      firewalls: [{ firewall: fw.id }],
      placement_group: pg.id,
      ssh_keys: [String(key.id)],
      user_data: "#cloud-config\n",
      public_net: { enable_ipv4: true, enable_ipv6: true },
    }, 201);
    const server = created.server;
    await ok("POST", `/servers/${server.id}/actions/poweroff`, undefined, 423);
    done();
    await ok("GET", `/servers?label_selector=role%3Dcontrol-plane&status=running&sort=name:asc`, undefined, 200);
    await ok("GET", `/servers/${server.id}`, undefined, 200);
    await ok("PUT", `/servers/${server.id}`, { labels: { cluster: "c1", role: "control-plane", x: "1" } }, 200);
    await ok("POST", "/servers", { name: "c1-cp-1", server_type: "cx23", image: "debian-13" }, 409);
    await ok("POST", "/servers", { name: "bad_name!", server_type: "cx23", image: "debian-13" }, 422);
    for (const action of ["poweroff", "poweron", "shutdown", "poweron", "reboot", "reset", "disable_rescue"]) {
      await ok("POST", `/servers/${server.id}/actions/${action}`, undefined, 201);
      done();
    }
    await ok("POST", `/servers/${server.id}/actions/enable_rescue`, { type: "linux64", ssh_keys: [key.id] }, 201);
    done();
    const img = await ok("POST", `/servers/${server.id}/actions/create_image`, {
      type: "snapshot",
      description: "talos",
      labels: { os: "talos" },
    }, 201);
    done();
    await ok("GET", `/actions/${img.action.id}`, undefined, 200);
    await ok("GET", `/actions?id=${img.action.id}&id=${created.action.id}`, undefined, 200);
    await ok("GET", "/images?type=snapshot&label_selector=os%3Dtalos", undefined, 200);
    await ok("GET", `/images/${img.image.id}`, undefined, 200);
    await ok("PUT", `/images/${img.image.id}`, { description: "talos v1", labels: { os: "talos", v: "1" } }, 200);
    await ok("POST", `/servers/${server.id}/actions/detach_from_network`, { network: net.id }, 201);
    done();
    await ok("POST", `/servers/${server.id}/actions/attach_to_network`, { network: net.id, ip: "10.0.0.5" }, 201);
    done();

    // Firewall actions.
    await ok("POST", `/firewalls/${fw.id}/actions/set_rules`, {
      rules: [{ direction: "in", protocol: "icmp", source_ips: ["0.0.0.0/0"] }],
    }, 201);
    done();
    await ok("POST", `/firewalls/${fw.id}/actions/apply_to_resources`, {
      apply_to: [{ type: "label_selector", label_selector: { selector: "cluster=c1" } }],
    }, 201);
    done();
    await ok("GET", `/firewalls/${fw.id}`, undefined, 200);
    await ok("GET", "/firewalls", undefined, 200);
    await ok("PUT", `/firewalls/${fw.id}`, { name: "fw2" }, 200);
    await ok("POST", `/firewalls/${fw.id}/actions/remove_from_resources`, {
      remove_from: [{ type: "label_selector", label_selector: { selector: "cluster=c1" } }, {
        type: "server",
        server: { id: server.id },
      }],
    }, 201);
    done();

    // Load balancer.
    const lb = (await ok("POST", "/load_balancers", {
      name: "c1-kube",
      load_balancer_type: "lb11",
      location: "fsn1",
      network: net.id,
      labels: { cluster: "c1" },
      algorithm: { type: "round_robin" },
      services: [{
        protocol: "tcp",
        listen_port: 6443,
        destination_port: 6443,
        proxyprotocol: false,
        health_check: { protocol: "tcp", port: 6443, interval: 15, timeout: 10, retries: 3 },
      }],
      targets: [{ type: "label_selector", label_selector: { selector: "role=control-plane" }, use_private_ip: true }],
    }, 201)).load_balancer;
    done();
    await ok("POST", `/load_balancers/${lb.id}/actions/add_service`, {
      protocol: "http",
      listen_port: 80,
      destination_port: 8080,
      proxyprotocol: false,
      health_check: { protocol: "http", port: 8080, interval: 10, timeout: 5, retries: 3, http: { path: "/healthz" } },
      http: { sticky_sessions: false },
    }, 201);
    done();
    await ok("POST", `/load_balancers/${lb.id}/actions/add_service`, {
      protocol: "tcp",
      listen_port: 80,
      destination_port: 80,
      proxyprotocol: false,
      health_check: { protocol: "tcp", port: 80, interval: 15, timeout: 10, retries: 3 },
    }, 412);
    await ok("POST", `/load_balancers/${lb.id}/actions/add_target`, {
      type: "server",
      server: { id: server.id },
      use_private_ip: true,
    }, 201);
    done();
    const lbNow = await ok("GET", `/load_balancers/${lb.id}`, undefined, 200);
    assertEquals(lbNow.load_balancer.targets.length, 2);
    await ok("GET", "/load_balancers?label_selector=cluster%3Dc1", undefined, 200);
    await ok("PUT", `/load_balancers/${lb.id}`, { labels: { cluster: "c1" } }, 200);
    await ok(
      "POST",
      `/load_balancers/${lb.id}/actions/remove_target`,
      { type: "server", server: { id: server.id } },
      201,
    );
    done();
    await ok("POST", `/load_balancers/${lb.id}/actions/update_service`, {
      listen_port: 80,
      destination_port: 8081,
      protocol: "http",
      health_check: { protocol: "tcp", port: 8081, interval: 15, timeout: 10, retries: 3 },
    }, 201);
    done();
    await ok("POST", `/load_balancers/${lb.id}/actions/update_service`, { listen_port: 81 }, 404);
    await ok("POST", `/load_balancers/${lb.id}/actions/delete_service`, { listen_port: 80 }, 201);
    done();
    await ok("POST", `/load_balancers/${lb.id}/actions/detach_from_network`, { network: net.id }, 201);
    done();
    await ok("POST", `/load_balancers/${lb.id}/actions/attach_to_network`, { network: net.id, ip: "10.0.1.254" }, 201);
    done();
    await ok("POST", `/load_balancers/${lb.id}/actions/disable_public_interface`, undefined, 201);
    done();
    await ok("POST", `/load_balancers/${lb.id}/actions/enable_public_interface`, undefined, 201);
    done();

    // Volumes and primary IPs.
    const vol =
      (await ok("POST", "/volumes", { name: "v", size: 10, location: "fsn1", labels: { cluster: "c1" } }, 201))
        .volume;
    done();
    await ok("POST", `/volumes/${vol.id}/actions/attach`, { server: server.id }, 201);
    done();
    await ok("POST", `/volumes/${vol.id}/actions/detach`, undefined, 201);
    done();
    await ok("GET", `/volumes/${vol.id}`, undefined, 200);
    await ok("GET", "/volumes?status=available", undefined, 200);
    await ok("PUT", `/volumes/${vol.id}`, { name: "v2" }, 200);
    const pip = (await ok("POST", "/primary_ips", {
      name: "pip",
      type: "ipv4",
      location: "fsn1",
      auto_delete: false,
      assignee_type: "server",
    }, 201)).primary_ip;
    await ok("GET", `/primary_ips?ip=${pip.ip}`, undefined, 200);
    await ok("GET", `/primary_ips/${pip.id}`, undefined, 200);
    await ok("PUT", `/primary_ips/${pip.id}`, { labels: { a: "b" } }, 200);
    await ok("POST", `/servers/${server.id}/actions/poweroff`, undefined, 201);
    done();
    const v4 = (await ok("GET", `/servers/${server.id}`, undefined, 200)).server.public_net.ipv4.id;
    await ok("POST", `/primary_ips/${v4}/actions/unassign`, undefined, 201);
    done();
    await ok("POST", `/primary_ips/${pip.id}/actions/assign`, { assignee_id: server.id, assignee_type: "server" }, 201);
    done();
    await ok("DELETE", `/primary_ips/${pip.id}`, undefined, 422);

    // Per-resource action lists.
    for (
      const path of [
        `/servers/${server.id}/actions?status=success&sort=id:desc&per_page=5`,
        `/networks/${net.id}/actions`,
        `/firewalls/${fw.id}/actions`,
        `/load_balancers/${lb.id}/actions`,
        `/volumes/${vol.id}/actions`,
        `/primary_ips/${pip.id}/actions`,
        `/images/${img.image.id}/actions`,
      ]
    ) {
      const listed = await ok("GET", path, undefined, 200);
      assertOk(listed.actions.length > 0, path);
    }

    // Errors and teardown.
    await ok("GET", "/servers/999", undefined, 404);
    const unauthorized = await call(sim.url, "GET", "/servers", undefined, { fetch: f, token: null });
    assertEquals(unauthorized.status, 401);
    await ok("DELETE", `/firewalls/${fw.id}`, undefined, 204);
    await ok("DELETE", `/load_balancers/${lb.id}`, undefined, 204);
    await ok("DELETE", `/volumes/${vol.id}`, undefined, 204);
    await ok("DELETE", `/images/${img.image.id}`, undefined, 204);
    await ok("DELETE", `/servers/${server.id}`, undefined, 200);
    done();
    await ok("DELETE", `/primary_ips/${pip.id}`, undefined, 204);
    await ok("DELETE", `/primary_ips/${v4}`, undefined, 204);
    await ok("POST", `/networks/${net.id}/actions/delete_subnet`, { ip_range: "10.0.1.0/24" }, 201);
    done();
    await ok("DELETE", `/networks/${net.id}`, undefined, 204);
    await ok("DELETE", `/placement_groups/${pg.id}`, undefined, 204);
    await ok("DELETE", `/ssh_keys/${key.id}`, undefined, 204);
    await ok("GET", "/ssh_keys", undefined, 200);

    console.log(recorder.summary());
    recorder.assertNoMismatches();
    const notExercised = simulatedOperations().filter((op) => !recorder.exercised.includes(op));
    assertEquals(notExercised, [], "every simulated operation is exercised");
    assertOk(recorder.validated.length === recorder.exercised.length);
  },
}));
