/**
 * The real client (`src/hcloud`) against the simulator through the validating fetch: every
 * request the client sends and every response the simulator returns must match Hetzner's
 * OpenAPI document. Also checks the client's no-blind-retry rule against a lost response.
 */
import { assertEquals, assertOk } from "../assert.ts";
import {
  createHcloudClient,
  type HcloudClient,
  isHcloudError,
  labelSelectorResource,
  serverResource,
} from "../../src/hcloud/mod.ts";
import { startHcloudSimulator } from "../hcloud_sim/mod.ts";
import { fakeEd25519Key } from "../hcloud_sim/test_client.ts";
import { HCLOUD_OPENAPI, OpenApiContract } from "./openapi.ts";
import { requires } from "../requirements.ts";
import { ContractRecorder, createValidatingFetch } from "./validating_fetch.ts";

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener("abort", abort);
      resolve();
    }, ms);
    const abort = () => {
      clearTimeout(t);
      reject(signal!.reason);
    };
    signal?.addEventListener("abort", abort, { once: true });
  });
}

function clientFor(url: string, recorder: ContractRecorder): HcloudClient {
  return createHcloudClient({
    token: "contract-test-token",
    endpoint: url,
    fetch: createValidatingFetch(fetch, recorder),
    sleep,
    retry: { baseDelayMs: 1, maxDelayMs: 5 },
  });
}

const poll = { pollInterval: 5 };

Deno.test(requires([HCLOUD_OPENAPI], {
  name: "every request of the real client and every simulator response match the OpenAPI document",
  fn: async () => {
    const recorder = new ContractRecorder(await OpenApiContract.load());
    await using sim = await startHcloudSimulator({ speed: 2000, rateLimit: false });
    const c = clientFor(sim.url, recorder);
    const labels = { "k8zner.io/cluster": "demo", cluster: "demo" };
    const selector = "k8zner.io/cluster=demo,cluster=demo";

    // Catalog.
    assertEquals((await c.locations.findByName("fsn1"))?.network_zone, "eu-central");
    assertOk(await c.locations.get(1));
    assertEquals((await c.locations.listAll()).length, 6);
    assertEquals((await c.serverTypes.findByName("cx23"))?.cores, 2);
    assertOk(await c.serverTypes.get(104));
    assertOk((await c.serverTypes.listAll()).length > 20);
    assertEquals((await c.pricing.get()).currency, "EUR");

    // SSH key, placement group, network, firewall.
    const { sshKey } = await c.sshKeys.create({ name: "demo", public_key: fakeEd25519Key(9), labels });
    assertEquals((await c.sshKeys.findByFingerprint(sshKey.fingerprint))?.id, sshKey.id);
    assertEquals((await c.sshKeys.findByName("demo"))?.id, sshKey.id);
    assertOk(await c.sshKeys.get(sshKey.id));
    assertEquals((await c.sshKeys.listAll({ labelSelector: selector })).length, 1);
    assertEquals((await c.sshKeys.list({ perPage: 1 })).items.length, 1);
    const { placementGroup } = await c.placementGroups.create({ name: "demo-cp", type: "spread", labels });
    assertOk(await c.placementGroups.get(placementGroup.id));
    assertOk(await c.placementGroups.findByName("demo-cp"));
    assertEquals((await c.placementGroups.listAll({ labelSelector: selector })).length, 1);
    assertEquals((await c.placementGroups.list()).items.length, 1);
    const { network } = await c.networks.create({
      name: "demo",
      ip_range: "10.0.0.0/16",
      labels,
      subnets: [{ type: "cloud", ip_range: "10.0.0.0/24", network_zone: "eu-central" }],
    });
    await c.waitForActions(
      [(await c.networks.addSubnet(network.id, { type: "cloud", network_zone: "eu-central" })).id],
      poll,
    );
    assertEquals((await c.networks.get(network.id))?.subnets.length, 2);
    assertOk(await c.networks.findByName("demo"));
    assertEquals((await c.networks.listAll({ labelSelector: selector })).length, 1);
    assertEquals((await c.networks.list()).items.length, 1);
    const { firewall, actions: fwActions } = await c.firewalls.create({
      name: "demo",
      labels,
      rules: [{ direction: "in", protocol: "tcp", port: "50000", source_ips: ["0.0.0.0/0", "::/0"] }],
    });
    await c.waitForActions(fwActions.map((a) => a.id), poll);
    await c.waitForActions(
      (await c.firewalls.setRules(firewall.id, [
        { direction: "in", protocol: "tcp", port: "6443", source_ips: ["0.0.0.0/0"], description: "kube" },
        { direction: "in", protocol: "icmp", source_ips: ["0.0.0.0/0"] },
      ])).map((a) => a.id),
      poll,
    );
    await c.waitForActions(
      (await c.firewalls.applyToResources(firewall.id, [labelSelectorResource(selector)])).map((a) => a.id),
      poll,
    );
    assertOk(await c.firewalls.findByName("demo"));
    assertEquals((await c.firewalls.listAll({ labelSelector: selector })).length, 1);
    assertEquals((await c.firewalls.list()).items.length, 1);

    // Servers and their actions.
    const created = await c.servers.create({
      name: "demo-cp-1",
      server_type: "cx23",
      image: "debian-13",
      location: "fsn1",
      labels: { ...labels, role: "control-plane" },
      networks: [network.id],
      firewalls: [{ firewall: firewall.id }],
      placement_group: placementGroup.id,
      ssh_keys: [String(sshKey.id)],
      user_data: "#cloud-config\n",
      public_net: { enable_ipv4: true, enable_ipv6: true },
    });
    assertEquals(created.rootPassword, null);
    const progress: string[] = [];
    await c.waitForActions(created.actions.map((a) => a.id), { ...poll, onProgress: (a) => progress.push(a.status) });
    assertOk(progress.includes("success"));
    const id = created.server.id;
    assertEquals((await c.servers.get(id))?.status, "running");
    assertOk(await c.servers.findByName("demo-cp-1"));
    assertEquals((await c.servers.listAll({ labelSelector: selector, status: ["running"] })).length, 1);
    assertEquals((await c.servers.list({ sort: ["name:asc"] })).items.length, 1);
    assertEquals(await c.servers.listRunningActions(id), []);
    const rescue = await c.servers.enableRescue(id, { type: "linux64", ssh_keys: [sshKey.id] });
    await c.waitForActions([rescue.action.id], poll);
    await c.waitForActions([(await c.servers.reset(id)).id], poll);
    await c.waitForActions([(await c.servers.disableRescue(id)).id], poll);
    await c.waitForActions([(await c.servers.poweroff(id)).id], poll);
    await c.waitForActions([(await c.servers.poweron(id)).id], poll);
    const snapshot = await c.servers.createImage(id, {
      type: "snapshot",
      description: "talos",
      labels: { os: "talos" },
    });
    await c.waitForActions([snapshot.action!.id], poll);
    const { network: second } = await c.networks.create({
      name: "second",
      ip_range: "10.1.0.0/16",
      subnets: [{ type: "cloud", ip_range: "10.1.0.0/24", network_zone: "eu-central" }],
    });
    await c.waitForActions([(await c.servers.attachToNetwork(id, { network: second.id, ip: "10.1.0.7" })).id], poll);
    assertEquals((await c.servers.get(id))?.private_net.map((p) => p.ip), ["10.0.0.2", "10.1.0.7"]);

    // Images.
    assertEquals((await c.images.listSnapshots("os=talos", "x86")).map((i) => i.id), [snapshot.image.id]);
    assertEquals((await c.images.update(snapshot.image.id, { labels: { os: "talos", v: "1" } })).labels.v, "1");
    assertOk(await c.images.get(snapshot.image.id));
    assertOk((await c.images.listAll({ labelSelector: "os=talos" })).length === 1);
    assertOk((await c.images.list()).items.length > 0);

    // Load balancer.
    const service = {
      protocol: "tcp" as const,
      listen_port: 6443,
      destination_port: 6443,
      proxyprotocol: false,
      health_check: { protocol: "tcp" as const, port: 6443, interval: 15, timeout: 10, retries: 3 },
    };
    const lb = await c.loadBalancers.create({
      name: "demo-kube",
      load_balancer_type: "lb11",
      location: "fsn1",
      labels,
      algorithm: { type: "round_robin" },
      services: [service],
    });
    await c.waitForActions(lb.actions.map((a) => a.id), poll);
    const lbId = lb.loadBalancer.id;
    await c.waitForActions([(await c.loadBalancers.attachToNetwork(lbId, { network: network.id })).id], poll);
    await c.waitForActions([
      (await c.loadBalancers.addTarget(lbId, {
        type: "label_selector",
        label_selector: { selector: "role=control-plane" },
        use_private_ip: true,
      })).id,
    ], poll);
    await c.waitForActions([
      (await c.loadBalancers.addService(lbId, { ...service, listen_port: 50000, destination_port: 50000 })).id,
    ], poll);
    await c.waitForActions([(await c.loadBalancers.addTarget(lbId, { type: "server", server: { id } })).id], poll);
    const lbNow = await c.loadBalancers.get(lbId);
    assertEquals(lbNow?.targets[0]?.targets?.[0]?.health_status?.map((h) => h.status), ["healthy", "healthy"]);
    assertOk(await c.loadBalancers.findByName("demo-kube"));
    assertEquals((await c.loadBalancers.listAll({ labelSelector: selector })).length, 1);
    assertEquals((await c.loadBalancers.list()).items.length, 1);

    // Volumes and primary IPs exist only for teardown in the client; make some with raw requests.
    const vol = await c.request<{ volume: { id: number } }>("POST", "/volumes", {
      body: { name: "demo-vol", size: 10, location: "fsn1", labels },
    });
    assertOk(await c.volumes.get(vol.volume.id));
    assertEquals((await c.volumes.listAll({ labelSelector: selector })).length, 1);
    assertEquals((await c.volumes.list()).items.length, 1);
    const pip = await c.request<{ primary_ip: { id: number } }>("POST", "/primary_ips", {
      body: { name: "demo-ip", type: "ipv4", location: "fsn1", assignee_type: "server", labels },
    });
    assertOk(await c.primaryIps.get(pip.primary_ip.id));
    assertEquals((await c.primaryIps.listAll({ labelSelector: selector })).length, 1);
    assertOk((await c.primaryIps.list()).items.length >= 3);

    // Actions.
    assertEquals((await c.actions.get(created.actions[0]!.id))?.status, "success");
    assertEquals((await c.actions.list(created.actions.map((a) => a.id))).length, created.actions.length);

    // Lookups of missing things are undefined, not errors.
    assertEquals(await c.servers.get(1), undefined);
    assertEquals(await c.networks.findByName("nope"), undefined);

    // Teardown.
    await c.waitForActions(
      (await c.firewalls.removeFromResources(firewall.id, [labelSelectorResource(selector), serverResource(id)])).map((
        a,
      ) => a.id),
      poll,
    );
    assertEquals(await c.firewalls.delete(firewall.id), true);
    assertEquals(await c.loadBalancers.delete(lbId), true);
    assertEquals(await c.volumes.delete(vol.volume.id), true);
    assertEquals(await c.primaryIps.delete(pip.primary_ip.id), true);
    assertEquals(await c.images.delete(snapshot.image.id), true);
    const del = await c.servers.delete(id);
    await c.waitForActions([del!.id], poll);
    assertEquals(await c.servers.delete(id), undefined);
    assertEquals(await c.networks.delete(network.id), true);
    assertEquals(await c.networks.delete(second.id), true);
    assertEquals(await c.placementGroups.delete(placementGroup.id), true);
    assertEquals(await c.sshKeys.delete(sshKey.id), true);
    assertEquals(await c.sshKeys.delete(sshKey.id), false);

    console.log(recorder.summary());
    recorder.assertNoMismatches();
  },
}));

Deno.test(requires([HCLOUD_OPENAPI], {
  name: "the client does not repeat a create whose response was lost, and its error responses match the spec",
  fn: async () => {
    const recorder = new ContractRecorder(await OpenApiContract.load());
    await using sim = await startHcloudSimulator({ speed: 2000, rateLimit: false });
    const c = clientFor(sim.url, recorder);
    sim.faults.failNext({ method: "POST", path: "/networks" }, { kind: "502", processed: true });
    const { network, recovered } = await c.networks.create({ name: "lost", ip_range: "10.0.0.0/16" });
    assertEquals(recovered, true);
    assertEquals(sim.requests.filter((r) => r.method === "POST" && r.path === "/networks").length, 1);
    assertEquals(network.name, "lost");
    sim.faults.failNext({ method: "GET", path: "/pricing" }, "503");
    const err = await c.pricing.get().then(() => undefined, (e) => e);
    assertOk(isHcloudError(err, "unavailable"), `503 is not retried and surfaces as unavailable: ${err}`);
    sim.faults.failNext({ method: "GET", path: "/pricing" }, "504");
    assertEquals((await c.pricing.get()).currency, "EUR", "504 timeout is retried");
    console.log(recorder.summary());
    recorder.assertNoMismatches();
  },
}));
