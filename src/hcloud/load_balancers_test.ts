import { assertEquals, assertRejects } from "../../tests/assert.ts";
import { action, apiError, loadBalancer, meta, scriptedClient } from "../../tests/hcloud_fixtures.ts";
import { isHcloudError } from "./errors.ts";
import type { CreateLoadBalancerRequest, LoadBalancerService } from "./load_balancers.ts";

const labels = { "k8zner.io/cluster": "demo", "k8zner.io/role": "kube-api" };
const kubeApi: LoadBalancerService = {
  protocol: "tcp",
  listen_port: 6443,
  destination_port: 6443,
  proxyprotocol: false,
  health_check: {
    protocol: "http",
    port: 6443,
    interval: 3,
    timeout: 2,
    retries: 2,
    http: { domain: null, path: "/version", status_codes: ["401"], tls: true },
  },
};
const request: CreateLoadBalancerRequest = {
  name: "demo-kube",
  load_balancer_type: "lb11",
  location: "fsn1",
  algorithm: { type: "round_robin" },
  services: [kubeApi],
  targets: [{
    type: "label_selector",
    label_selector: { selector: "k8zner.io/cluster=demo,k8zner.io/role=control-plane" },
    use_private_ip: true,
  }],
  labels,
  network: 9,
};

Deno.test("loadBalancers.create() posts services, targets and network in one request", async () => {
  const { client, script } = scriptedClient([{
    method: "POST",
    path: "/load_balancers",
    body: request,
    response: {
      status: 201,
      body: { load_balancer: loadBalancer(4, "demo-kube", labels), action: action(1, "create_load_balancer") },
    },
  }]);
  const r = await client.loadBalancers.create(request);
  assertEquals([r.loadBalancer.id, r.actions.map((a) => a.id), r.recovered], [4, [1], false]);
  script.assertDone();
});

Deno.test("loadBalancers.create() after a 504 returns the load balancer found by name", async () => {
  const { client, script } = scriptedClient([
    { method: "POST", path: "/load_balancers", body: request, response: { status: 504, body: apiError("timeout") } },
    {
      method: "GET",
      path: "/load_balancers",
      query: { name: "demo-kube" },
      response: { status: 200, body: { load_balancers: [loadBalancer(4, "demo-kube", labels)], meta: meta(1, 1) } },
    },
  ]);
  assertEquals((await client.loadBalancers.create(request)).recovered, true);
  script.assertDone();
});

Deno.test("loadBalancers add_service, add_target, attach_to_network post their bodies and are not repeated", async () => {
  const target = { type: "server" as const, server: { id: 11 }, use_private_ip: true };
  const { client, script } = scriptedClient([
    {
      method: "POST",
      path: "/load_balancers/4/actions/add_service",
      body: kubeApi,
      response: { status: 201, body: { action: action(2, "add_service") } },
    },
    {
      method: "POST",
      path: "/load_balancers/4/actions/add_target",
      body: target,
      response: { status: 201, body: { action: action(3, "add_target") } },
    },
    {
      method: "POST",
      path: "/load_balancers/4/actions/attach_to_network",
      body: { network: 9, ip: "10.0.0.254" },
      response: { status: 201, body: { action: action(4, "attach_to_network") } },
    },
    {
      method: "POST",
      path: "/load_balancers/4/actions/add_target",
      body: target,
      response: { status: 502, body: apiError("bad_gateway") },
    },
  ]);
  assertEquals((await client.loadBalancers.addService(4, kubeApi)).command, "add_service");
  assertEquals((await client.loadBalancers.addTarget(4, target)).command, "add_target");
  assertEquals(
    (await client.loadBalancers.attachToNetwork(4, { network: 9, ip: "10.0.0.254" })).command,
    "attach_to_network",
  );
  await assertRejects(() => client.loadBalancers.addTarget(4, target), (e: unknown) => isHcloudError(e, "bad_gateway"));
  script.assertDone();
});

Deno.test("loadBalancers get/findByName/list/listAll/delete", async () => {
  const { client, script } = scriptedClient([
    {
      method: "GET",
      path: "/load_balancers/4",
      response: { status: 200, body: { load_balancer: loadBalancer(4, "a") } },
    },
    { method: "GET", path: "/load_balancers/5", response: { status: 404, body: apiError("not_found") } },
    {
      method: "GET",
      path: "/load_balancers",
      query: { name: "a" },
      response: { status: 200, body: { load_balancers: [loadBalancer(4, "a")], meta: meta(1, 1) } },
    },
    {
      method: "GET",
      path: "/load_balancers",
      query: { label_selector: "hcloud-ccm/service-uid" },
      response: { status: 200, body: { load_balancers: [], meta: meta(1, 1) } },
    },
    {
      method: "GET",
      path: "/load_balancers",
      query: { label_selector: "k8zner.io/cluster=demo", page: "1", per_page: "50" },
      response: { status: 200, body: { load_balancers: [loadBalancer(4, "a")], meta: meta(1, 1) } },
    },
    { method: "DELETE", path: "/load_balancers/4", response: { status: 204 } },
  ]);
  assertEquals((await client.loadBalancers.get(4))?.name, "a");
  assertEquals(await client.loadBalancers.get(5), undefined);
  assertEquals((await client.loadBalancers.findByName("a"))?.id, 4);
  assertEquals((await client.loadBalancers.list({ labelSelector: "hcloud-ccm/service-uid" })).items, []);
  assertEquals((await client.loadBalancers.listAll({ labelSelector: "k8zner.io/cluster=demo" })).length, 1);
  assertEquals(await client.loadBalancers.delete(4), true);
  script.assertDone();
});
