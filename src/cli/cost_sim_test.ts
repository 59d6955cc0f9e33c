/**
 * `k8zner cost` end to end against the Hetzner simulator: the client provisions part of a cluster
 * (network, a control plane, the API load balancer, a snapshot) through the real HTTP stack, then
 * the command prices what exists next to the plan.
 */
import { assertEquals, assertIncludes, assertMatch } from "../../tests/assert.ts";
import { startHcloudSimulator } from "../../tests/hcloud_sim/mod.ts";
import { expandSpec } from "../config/mod.ts";
import { createHcloudClient } from "../hcloud/mod.ts";
import type { CliContext } from "./context.ts";
import { runCost } from "./cost_run.ts";
import { realSleep } from "./hcloud_env.ts";

Deno.test("k8zner cost prices a partly provisioned cluster in the simulator", async () => {
  await using sim = await startHcloudSimulator({ speed: 1000 });
  const dir = await Deno.makeTempDir();
  try {
    const yaml = "name: demo\nregion: fsn1\nmode: dev\nworkers:\n  count: 1\n  size: cx33\n";
    await Deno.writeTextFile(`${dir}/k8zner.yaml`, yaml);
    const desired = expandSpec({ name: "demo", region: "fsn1", mode: "dev", workers: { count: 1, size: "cx33" } });
    const client = createHcloudClient({ token: "sim-token", endpoint: sim.url, fetch, sleep: realSleep });

    const { network } = await client.networks.create(desired.network.request);
    const cp = desired.servers[0]!;
    const created = await client.servers.create({
      name: cp.name,
      server_type: cp.server_type,
      image: "ubuntu-24.04",
      location: cp.location,
      labels: cp.labels,
      networks: [network.id],
      user_data: "#cloud-config\n",
      public_net: cp.public_net,
    });
    await client.waitForActions(created.actions.map((a) => a.id), { pollInterval: 20 });
    const lb = await client.loadBalancers.create({ ...desired.loadBalancer.request, network: network.id });
    await client.waitForActions(lb.actions.map((a) => a.id), { pollInterval: 20 });
    sim.addSnapshot({ description: "talos", labels: desired.talos.snapshotLabels });
    assertEquals((await client.servers.get(created.server.id))?.status, "running");

    const out: string[] = [];
    const ctx: CliContext = {
      io: { out: (t) => out.push(t), err: () => {}, stdoutIsTty: false, stdinIsTty: false },
      env: (n) => ({ HCLOUD_TOKEN: "sim-token", HCLOUD_ENDPOINT: sim.url } as Record<string, string>)[n],
      cwd: dir,
      color: false,
    };
    const report = await runCost(ctx, {});
    assertEquals(
      report.current.filter((l) => !l.resource.startsWith("snapshot")).map((l) => [l.resource, l.detail, l.count]),
      [
        ["server cx23 (fsn1)", "control plane", 1],
        ["load balancer lb11 (fsn1)", "Kubernetes API", 1],
        ["primary IPv4 (fsn1)", "server", 1],
        ["primary IPv6 (fsn1)", "server", 1],
      ],
    );
    // Planned lines are priced from the simulator's GET /pricing, like the current ones.
    const cpPlanned = report.planned.find((l) => l.detail === "control plane")!;
    const cpCurrent = report.current.find((l) => l.resource === "server cx23 (fsn1)")!;
    assertEquals(cpPlanned.unit, cpCurrent.unit);
    assertEquals(report.totals.delta.net > 0, true);
    const text = out.join("\n");
    assertIncludes(text, "Current (resources with the cluster's labels)");
    assertMatch(text, /^Delta\s+\+\d+\.\d\d\s+\+\d+\.\d\d$/m);
    assertEquals(client.budget.snapshot().requests.byMethod.POST, 3);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
