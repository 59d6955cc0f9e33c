import { assertEquals } from "../../../tests/assert.ts";
import { startClusterEnv } from "../../../tests/cluster_env.ts";
import { expandSpec, type Spec } from "../../config/mod.ts";
import { recordingProgress } from "../../lib/progress.ts";
import type { CostReport } from "../cost/cost.ts";
import { discoverCluster } from "./discover.ts";
import { ensureInfrastructure } from "./ensure_infrastructure.ts";
import { ensureServers } from "../nodes/ensure_servers.ts";
import { emptyObserved, type ObservedCluster } from "./observed.ts";
import { planInfrastructure } from "./plan.ts";
import { planToJson, renderPlan } from "./render_plan.ts";

const spec: Spec = { name: "demo", region: "nbg1", mode: "dev", workers: { count: 1, size: "cx33" } };
const desired = expandSpec(spec);
const CALLER = "203.0.113.7";

/** A converged observation, as the API really shapes it (built once against the simulator). */
async function convergedObservation(): Promise<ObservedCluster> {
  await using env = await startClusterEnv();
  const image = env.sim.addSnapshot({ description: "talos", labels: desired.talos.snapshotLabels });
  const observed = await discoverCluster(env.hc, "demo", { desired });
  const infra = await ensureInfrastructure(env.deps, desired, observed, recordingProgress(), { callerIp: CALLER });
  await ensureServers(env.deps, desired, observed, infra, { imageId: image.id }, recordingProgress().task("s"));
  await env.sim.settle();
  return await discoverCluster(env.hc, "demo", { desired });
}

const line = (c: { action: string; kind: string; name: string; detail: string }) =>
  `${c.action} ${c.kind} ${c.name}: ${c.detail}`;

Deno.test("planInfrastructure() compares each kind by what matters and ignores order and spelling", async (t) => {
  const converged = await convergedObservation();
  const copy = () => structuredClone(converged);

  await t.step("a converged cluster yields an empty plan", () => {
    assertEquals(planInfrastructure(desired, converged, { callerIp: CALLER }), []);
  });

  await t.step("firewall rules are a set: reordered rules and addresses are no change, another caller IP is", () => {
    const o = copy();
    o.firewalls[0]!.rules.reverse();
    assertEquals(planInfrastructure(desired, o, { callerIp: CALLER }), []);
    assertEquals(planInfrastructure(desired, o, { callerIp: "198.51.100.9" }).map(line), [
      "update firewall demo: set rules: tcp/6443 from 198.51.100.9/32; tcp/50000 from 198.51.100.9/32",
    ]);
    const allow = expandSpec({ ...spec, api_allowlist: ["2001:db8::/32", "198.51.100.0/24"] });
    o.firewalls[0]!.rules = allow.firewall.request.rules.map((r) => ({
      ...r,
      source_ips: [...r.source_ips].reverse(),
      destination_ips: [],
    }));
    assertEquals(planInfrastructure(allow, o, {}), []);
  });

  await t.step("a missing label selector on the firewall is an update", () => {
    const o = copy();
    o.firewalls[0]!.applied_to = [];
    assertEquals(planInfrastructure(desired, o, { callerIp: CALLER }).map(line), [
      "update firewall demo: apply to servers matching k8zner.io/cluster=demo",
    ]);
  });

  await t.step(
    "load balancer services compare by port and health check; targets by selector; IP drift conflicts",
    () => {
      const o = copy();
      const lb = o.loadBalancers[0]!;
      lb.services[0]!.health_check.interval = 15;
      lb.targets = [];
      lb.private_net[0]!.ip = "10.0.0.200";
      assertEquals(planInfrastructure(desired, o, { callerIp: CALLER }).map(line), [
        "conflict load_balancer demo-kube: has private IP 10.0.0.200 in network demo, k8zner plans 10.0.0.254",
        "update load_balancer demo-kube: replace service tcp 6443 (health check or ports differ)",
        "update load_balancer demo-kube: add target k8zner.io/cluster=demo,k8zner.io/role=control-plane",
      ]);
    },
  );

  await t.step(
    "a service the plan does not have (an older k8zner's Talos 50000) is deleted, a missing one added",
    () => {
      const o = copy();
      const kubeApi = o.loadBalancers[0]!.services.pop()!;
      o.loadBalancers[0]!.services.push({
        ...structuredClone(kubeApi),
        listen_port: 50000,
        destination_port: 50000,
        health_check: { protocol: "tcp", port: 50000, interval: 5, timeout: 3, retries: 2 },
      });
      assertEquals(planInfrastructure(desired, o, { callerIp: CALLER }).map(line), [
        "update load_balancer demo-kube: add service tcp 6443",
        "update load_balancer demo-kube: delete service tcp 50000 (not planned)",
      ]);
    },
  );

  await t.step("network subnets compare by range; a different network range is a conflict", () => {
    const o = copy();
    o.networks[0]!.subnets = o.networks[0]!.subnets.filter((s) => s.ip_range !== "10.0.1.0/25");
    o.networks[0]!.ip_range = "10.0.0.0/8";
    assertEquals(planInfrastructure(desired, o, { callerIp: CALLER }).map(line), [
      "conflict network demo: IP range is 10.0.0.0/8, k8zner plans 10.0.0.0/16; a range cannot change in place",
      "update network demo: add subnet 10.0.1.0/25",
    ]);
  });

  await t.step("fewer planned workers: the extra server is the operator's to delete, its empty group apply's", () => {
    const fewer = expandSpec({ ...spec, workers: { count: 0, size: "cx33" } });
    const o = copy();
    assertEquals(planInfrastructure(fewer, o, { callerIp: CALLER }).map(line), [
      "delete server demo-w-1: beyond the planned count: the operator drains and deletes it; apply never deletes servers",
    ]);
    o.placementGroups.find((g) => g.name === "demo-w-pg-1")!.servers = [];
    assertEquals(planInfrastructure(fewer, o, { callerIp: CALLER }).map((c) => `${c.action} ${c.name}`), [
      "delete demo-w-pg-1",
      "delete demo-w-1",
    ]);
  });

  await t.step("more workers, another server type and a stopped server", () => {
    const more = expandSpec({ ...spec, workers: { count: 2, size: "cx43" } });
    const o = copy();
    o.servers.find((s) => s.name === "demo-cp-1")!.status = "off";
    assertEquals(planInfrastructure(more, o, { callerIp: CALLER }).map(line), [
      "update server demo-cp-1: power on",
      "update server demo-w-1: server type cx33 -> cx43 (the operator rescales it)",
      "create server demo-w-2: worker cx43 in nbg1, private IP 10.0.1.3, placement group demo-w-pg-1",
    ]);
  });
});

Deno.test("planInfrastructure() of an empty project creates everything, and needs the caller IP without an allowlist", () => {
  const plan = planInfrastructure(desired, emptyObserved("demo"), { callerIp: CALLER });
  assertEquals(plan.map((c) => `${c.action} ${c.kind} ${c.name}`), [
    "create network demo",
    "create firewall demo",
    "create load_balancer demo-kube",
    "create placement_group demo-cp-pg",
    "create placement_group demo-w-pg-1",
    "create ssh_key demo-default",
    "create server demo-cp-1",
    "create server demo-w-1",
  ]);
  let threw = false;
  try {
    planInfrastructure(desired, emptyObserved("demo"));
  } catch (err) {
    threw = err instanceof TypeError && /api_allowlist is empty/.test(err.message);
  }
  assertEquals(threw, true);
});

Deno.test("renderPlan() aligns the lines, counts actions and adds the cost; planToJson() is stable", () => {
  const changes = [
    { action: "create" as const, kind: "network" as const, name: "demo", detail: "10.0.0.0/16" },
    { action: "update" as const, kind: "load_balancer" as const, name: "demo-kube", detail: "add service tcp 50000" },
    { action: "conflict" as const, kind: "server" as const, name: "demo-cp-1", detail: "taken" },
  ];
  const money = (net: number) => ({ net, gross: net * 1.19 });
  const costs = {
    currency: "EUR",
    vatRate: 19,
    planned: [],
    current: [],
    totals: { planned: money(20.5), current: money(5.39), delta: money(15.11) },
    notes: [],
  } as CostReport;
  assertEquals(
    renderPlan(changes, costs),
    [
      "  + network demo             10.0.0.0/16",
      "  ~ load_balancer demo-kube  add service tcp 50000",
      "  ! server demo-cp-1         taken",
      "",
      "Plan: 1 to create, 1 to update, 0 to delete, 1 conflict to resolve first.",
      "Monthly cost (net): now EUR 5.39, planned EUR 20.50 (+EUR 15.11).",
    ].join("\n"),
  );
  assertEquals(renderPlan([]), "No changes: the infrastructure matches the configuration.");
  const json = planToJson(changes, costs);
  assertEquals(json.summary, { create: 1, update: 1, delete: 0, conflict: 1 });
  assertEquals((json.cost as { delta: { net: number } }).delta.net, 15.11);
});
