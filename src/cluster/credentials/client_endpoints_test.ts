import { assertEquals } from "../../../tests/assert.ts";
import { loadBalancer, server } from "../../../tests/hcloud_fixtures.ts";
import type { LoadBalancer, Server } from "../../hcloud/mod.ts";
import { roleLabels } from "../../lib/labels.ts";
import { kubeApiServerUrl, liveEndpointsOf, talosEndpoints, talosNodes } from "./client_endpoints.ts";

function controlPlane(id: number, name: string, privateIp?: string): Server {
  const s = server(id, name, roleLabels("demo", "control-plane", "control-plane")) as unknown as Server;
  return { ...s, private_net: privateIp ? [{ network: 1, ip: privateIp }] : [] };
}

const apiLb = loadBalancer(5, "demo-kube", roleLabels("demo", "kube-api")) as unknown as LoadBalancer;
const worker = server(9, "demo-w-1", roleLabels("demo", "worker", "workers")) as unknown as Server;

Deno.test("kubeApiServerUrl() is the load balancer's public IPv4 when public, undefined without one", () => {
  const live = liveEndpointsOf({ loadBalancers: [apiLb], servers: [controlPlane(1, "demo-cp-1", "10.0.0.2")] });
  assertEquals(kubeApiServerUrl(live, "public"), "https://198.51.100.1:6443");
  const noLb = liveEndpointsOf({ loadBalancers: [], servers: [...live.controlPlanes] });
  assertEquals(kubeApiServerUrl(noLb, "public"), undefined, "never a control plane in public mode");
  const noIp = { ...apiLb, public_net: { ...apiLb.public_net, ipv4: { ip: null } } };
  assertEquals(kubeApiServerUrl({ apiLoadBalancer: noIp, controlPlanes: live.controlPlanes }, "public"), undefined);
  const disabled = { ...apiLb, public_net: { ...apiLb.public_net, enabled: false } };
  assertEquals(kubeApiServerUrl({ apiLoadBalancer: disabled, controlPlanes: [] }, "public"), undefined);
});

Deno.test("kubeApiServerUrl() is the first control plane's public IPv4 when the load balancer is private", () => {
  const privateLb = { ...apiLb, public_net: { ...apiLb.public_net, enabled: false, ipv4: { ip: null } } };
  const live = liveEndpointsOf({
    loadBalancers: [privateLb],
    servers: [controlPlane(2, "demo-cp-2", "10.0.0.3"), controlPlane(1, "demo-cp-1", "10.0.0.2")],
  });
  assertEquals(kubeApiServerUrl(live, "private"), "https://203.0.113.1:6443");
  assertEquals(kubeApiServerUrl({ apiLoadBalancer: privateLb, controlPlanes: [] }, "private"), undefined);
});

Deno.test("liveEndpointsOf() keeps only the kube-api load balancer and the control planes, in numeric name order", () => {
  const ccm = loadBalancer(6, "demo-ingress", { "k8zner.io/cluster": "demo" }) as unknown as LoadBalancer;
  const live = liveEndpointsOf({
    loadBalancers: [ccm, apiLb],
    servers: [
      controlPlane(10, "demo-cp-10", "10.0.0.11"),
      worker,
      controlPlane(2, "demo-cp-2", "10.0.0.3"),
      controlPlane(1, "demo-cp-1", "10.0.0.2"),
    ],
  });
  assertEquals(live.apiLoadBalancer?.id, 5);
  assertEquals(live.controlPlanes.map((s) => s.name), ["demo-cp-1", "demo-cp-2", "demo-cp-10"]);
  assertEquals(talosEndpoints(live), ["203.0.113.1", "203.0.113.2", "203.0.113.10"]);
  assertEquals(talosNodes(live), ["10.0.0.2"]);
});

Deno.test("talosEndpoints() never lists the load balancer; talosNodes() skips a control plane not yet attached", () => {
  const live = liveEndpointsOf({
    loadBalancers: [apiLb],
    servers: [controlPlane(1, "demo-cp-1"), controlPlane(2, "demo-cp-2", "10.0.0.3")],
  });
  assertEquals(talosEndpoints(live).includes("198.51.100.1"), false);
  assertEquals(talosNodes(live), ["10.0.0.3"]);
  assertEquals(talosNodes(liveEndpointsOf({ loadBalancers: [], servers: [controlPlane(1, "demo-cp-1")] })), []);
});
