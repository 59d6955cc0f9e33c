/**
 * The local cloud enforces Hetzner firewalls on the servers' public ports: a missing port or a wrong
 * caller /32 drops the connection (fast, not a hang), the right rule lets it through, and a load
 * balancer reaching its targets over the private network is not filtered. A load balancer whose public
 * interface is disabled answers nothing.
 */
import { assertEquals, assertOk, assertRejects } from "../assert.ts";
import { createMaintenanceClient } from "../../src/talos/api_client.ts";
import { startLocalCloud } from "./mod.ts";
import { hcloud, isRefused, waitFor, waitForAction } from "./test_helpers.ts";
import { withFakes } from "../fake_contracts.ts";

const SELECTOR = "k8zner.io/cluster=fw";

/** The Talos version a maintenance-mode node reports at `endpoint` (throws when unreachable). */
async function talosVersion(endpoint: string): Promise<string | undefined> {
  const client = createMaintenanceClient({ endpoint });
  try {
    return (await client.version())[0]?.version?.tag;
  } finally {
    await client.close();
  }
}

/** Asserts that the Talos API at `endpoint` cannot be reached, and that finding out took under 3 s. */
async function assertDropped(endpoint: string): Promise<void> {
  const started = Date.now();
  await assertRejects(() => talosVersion(endpoint));
  const ms = Date.now() - started;
  assertOk(ms < 3_000, `a dropped connection to ${endpoint} should fail fast, took ${ms} ms`);
}

const rule = (port: string, source: string) => ({
  direction: "in",
  protocol: "tcp",
  port,
  source_ips: [source],
});

Deno.test(withFakes(
  "firewalls filter the servers' public ports by caller address and port; the load balancer's private path is not filtered",
  async () => {
    await using cloud = await startLocalCloud({ speed: 1000, rescueSsh: false });
    const url = cloud.hcloudUrl;
    const caller = `${cloud.callerIp}/32`;
    const snapshot = cloud.sim.addSnapshot({
      description: "talos",
      labels: { os: "talos", "talos-version": "v1.13.9" },
    });
    const network = (await hcloud(url, "POST", "/networks", {
      name: "fw",
      ip_range: "10.0.0.0/16",
      subnets: [{ type: "cloud", ip_range: "10.0.1.0/24", network_zone: "eu-central" }],
    })).body.network.id as number;
    const { body } = await hcloud(url, "POST", "/servers", {
      name: "fw-cp-1",
      server_type: "cx23",
      image: snapshot.id,
      location: "nbg1",
      networks: [network],
      labels: { "k8zner.io/cluster": "fw", "k8zner.io/role": "control-plane" },
    });
    const ip = body.server.public_net.ipv4.ip as string;
    await waitFor("the Talos API", () => cloud.talosNodes.get(body.server.id)?.state.mode === "maintenance");

    // No firewall applied: Hetzner lets everything in.
    assertEquals(await talosVersion(ip), "v1.13.9");

    // A firewall without a 50000 rule: dropped.
    const fw = await hcloud(url, "POST", "/firewalls", {
      name: "fw",
      rules: [rule("6443", caller)],
      apply_to: [{ type: "label_selector", label_selector: { selector: SELECTOR } }],
    });
    const fwId = fw.body.firewall.id as number;
    await assertDropped(ip);

    const setRules = async (rules: unknown[]) => {
      const res = await hcloud(url, "POST", `/firewalls/${fwId}/actions/set_rules`, { rules }, 201);
      for (const action of res.body.actions) await waitForAction(url, action.id);
    };
    // The right port from the wrong /32: dropped.
    await setRules([rule("6443", caller), rule("50000", "198.51.100.7/32")]);
    await assertDropped(ip);
    // The right port from the caller (also as part of a wider block or a port range): let in.
    await setRules([rule("6443", caller), rule("50000", caller)]);
    assertEquals(await talosVersion(ip), "v1.13.9");
    await setRules([rule("49000-50001", "203.0.113.0/24")]);
    assertEquals(await talosVersion(ip), "v1.13.9");

    // Through a load balancer to the private IP the firewall does not apply (why k8zner never forwards
    // Talos there); the load balancer forwards only to a healthy target.
    await setRules([rule("6443", caller)]);
    await assertDropped(ip);
    const lbRes = await hcloud(url, "POST", "/load_balancers", {
      name: "fw-lb",
      load_balancer_type: "lb11",
      location: "nbg1",
      network,
      services: [{ protocol: "tcp", listen_port: 50000, destination_port: 50000 }],
      targets: [{ type: "label_selector", label_selector: { selector: SELECTOR }, use_private_ip: true }],
    });
    const lbId = lbRes.body.load_balancer.id as number;
    const lbIp = lbRes.body.load_balancer.public_net.ipv4.ip as string;
    await waitForAction(url, lbRes.body.action.id);
    await cloud.idle();
    assertEquals(await talosVersion(lbIp), "v1.13.9");

    // Target down (powered off): the load balancer has nowhere to forward to.
    await waitForAction(url, (await hcloud(url, "POST", `/servers/${body.server.id}/actions/poweroff`)).body.action.id);
    await cloud.idle();
    await assertDropped(lbIp);
    await waitForAction(url, (await hcloud(url, "POST", `/servers/${body.server.id}/actions/poweron`)).body.action.id);
    await waitFor(
      "the Talos API after power-on",
      () => cloud.talosNodes.get(body.server.id)?.state.mode === "maintenance",
    );
    assertEquals(await talosVersion(lbIp), "v1.13.9");

    // Public interface off: nothing listens at the load balancer's public address.
    const off = await hcloud(url, "POST", `/load_balancers/${lbId}/actions/disable_public_interface`, undefined, 201);
    await waitForAction(url, off.body.action.id);
    await cloud.idle();
    assertEquals(await isRefused(lbIp, 50000), true);
    assertEquals(cloud.errors.map((e) => e.message), []);
  },
));

Deno.test(withFakes(
  "a server created started with its firewall is filtered from its first boot; its private side opens only once attached",
  async () => {
    await using cloud = await startLocalCloud({ speed: 1000, rescueSsh: false });
    const url = cloud.hcloudUrl;
    const snapshot = cloud.sim.addSnapshot({
      description: "talos",
      labels: { os: "talos", "talos-version": "v1.13.9" },
    });
    const network = (await hcloud(url, "POST", "/networks", {
      name: "fw",
      ip_range: "10.0.0.0/16",
      subnets: [{ type: "cloud", ip_range: "10.0.1.0/24", network_zone: "eu-central" }],
    })).body.network.id as number;
    // No label selector: whatever filters the node comes from the create alone.
    const fw = await hcloud(url, "POST", "/firewalls", { name: "fw", rules: [rule("50000", "198.51.100.7/32")] });
    for (const action of fw.body.actions) await waitForAction(url, action.id);
    // What ensureServers sends (ADR 0010): started, the firewall in the create, no network yet.
    const { body } = await hcloud(url, "POST", "/servers", {
      name: "fw-w-1",
      server_type: "cx23",
      image: snapshot.id,
      location: "nbg1",
      start_after_create: true,
      firewalls: [{ firewall: fw.body.firewall.id }],
      labels: { "k8zner.io/cluster": "fw", "k8zner.io/role": "worker" },
    });
    const id = body.server.id as number;
    const ip = body.server.public_net.ipv4.ip as string;
    await waitFor("the Talos API", () => cloud.talosNodes.get(id)?.state.mode === "maintenance");
    await assertDropped(ip);
    const privateIp = "10.0.1.5";
    const loopback = cloud.privateLoopbackOf(network, privateIp);
    assertEquals(await isRefused(loopback, 50000), true, "no private interface before the attach");

    const attach = await hcloud(url, "POST", `/servers/${id}/actions/attach_to_network`, {
      network,
      ip: privateIp,
    }, 201);
    await waitForAction(url, attach.body.action.id);
    await cloud.idle();
    assertEquals(await talosVersion(loopback), "v1.13.9", "the private side is not filtered");
    await assertDropped(ip);
    assertEquals(cloud.errors.map((e) => e.message), []);
  },
));
