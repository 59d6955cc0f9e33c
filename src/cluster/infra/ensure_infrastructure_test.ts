import { assertEquals, assertIncludes, assertRejects } from "../../../tests/assert.ts";
import { startClusterEnv } from "../../../tests/cluster_env.ts";
import { call } from "../../../tests/hcloud_sim/test_client.ts";
import { expandSpec, type Spec } from "../../config/mod.ts";
import { recordingProgress } from "../../lib/progress.ts";
import { UserFacingError } from "../../lib/errors.ts";
import { discoverCluster } from "./discover.ts";
import { ensureInfrastructure } from "./ensure_infrastructure.ts";
import { ensureServers } from "../nodes/ensure_servers.ts";
import { planInfrastructure } from "./plan.ts";

const ha: Spec = { name: "demo", region: "fsn1", mode: "ha", workers: { count: 2, size: "cx33" } };
const CALLER = "203.0.113.7";

Deno.test("apply's infrastructure and servers converge, and a re-run sends zero mutating requests", async () => {
  await using env = await startClusterEnv();
  const desired = expandSpec(ha);
  const image = env.sim.addSnapshot({ description: "talos", labels: desired.talos.snapshotLabels });

  const observed = await discoverCluster(env.hc, "demo", { desired });
  assertEquals(planInfrastructure(desired, observed, { callerIp: CALLER }).length, 1 + 1 + 1 + 2 + 1 + 5);
  const progress = recordingProgress();
  const infra = await ensureInfrastructure(env.deps, desired, observed, progress, { callerIp: CALLER });
  const servers = await ensureServers(
    env.deps,
    desired,
    observed,
    infra,
    { imageId: image.id },
    progress.task("Servers"),
  );
  assertEquals(servers.map((s) => s.name), ["demo-cp-1", "demo-cp-2", "demo-cp-3", "demo-w-1", "demo-w-2"]);

  // The cloud holds what the plan says: planned private IPs, running, firewall by selector, LB at .254.
  const state = env.sim.state;
  const byName = new Map([...state.servers.values()].map((s) => [s.name, s]));
  assertEquals(
    desired.servers.map((p) => [p.name, byName.get(p.name)?.privateNet[0]?.ip, byName.get(p.name)?.status]),
    desired.servers.map((p) => [p.name, p.privateIp, "running"]),
  );
  const lb = [...state.loadBalancers.values()][0]!;
  assertEquals([lb.name, lb.privateNet[0]?.ip, lb.services.map((s) => s.listen_port)], [
    "demo-kube",
    "10.0.0.254",
    [6443],
  ]);
  const fw = [...state.firewalls.values()][0]!;
  assertEquals(fw.rules.map((r) => [r.port, r.source_ips]), [["6443", [`${CALLER}/32`]], ["50000", [`${CALLER}/32`]]]);
  assertEquals([...state.sshKeys.values()].map((k) => k.name), ["demo-default"]);
  assertEquals([...state.servers.values()].every((s) => s.sshKeys.length === 1), true);
  assertIncludes(progress.events.join("\n"), "done Network: created 10.0.0.0/16");

  // Second run: the plan is empty and nothing but GETs go out.
  const before = env.mutatingRequests().length;
  const requestsBefore = env.sim.requests.length;
  const again = await discoverCluster(env.hc, "demo", { desired });
  // One discovery pass: the six named kinds listed once each (ours, the cloud controller's and any
  // same-named foreign object from one list), volumes and primary IPs by label.
  assertEquals(env.sim.requests.length - requestsBefore, 8);
  assertEquals(planInfrastructure(desired, again, { callerIp: CALLER }), []);
  const infra2 = await ensureInfrastructure(env.deps, desired, again, recordingProgress(), { callerIp: CALLER });
  await ensureServers(env.deps, desired, again, infra2, { imageId: image.id }, recordingProgress().task("Servers"));
  assertEquals(env.mutatingRequests().slice(before), []);
});

Deno.test("a run that died after creating a server stopped finishes it: attach with the planned IP, power on", async () => {
  await using env = await startClusterEnv();
  const desired = expandSpec({ ...ha, mode: "dev", workers: { count: 1, size: "cx33" } });
  const image = env.sim.addSnapshot({ description: "talos", labels: desired.talos.snapshotLabels });
  const infra = await ensureInfrastructure(
    env.deps,
    desired,
    await discoverCluster(env.hc, "demo", { desired }),
    recordingProgress(),
    { callerIp: CALLER },
  );
  // Simulate the crash: the create went through, nothing after it.
  const res = await call(env.sim.url, "POST", "/servers", {
    name: "demo-cp-1",
    server_type: "cx23",
    image: String(image.id),
    location: "fsn1",
    start_after_create: false,
    labels: desired.servers[0]!.labels,
  });
  assertEquals(res.status, 201);
  await env.sim.settle();
  const observed = await discoverCluster(env.hc, "demo", { desired });
  assertEquals(
    planInfrastructure(desired, observed, { callerIp: CALLER }).filter((c) => c.name === "demo-cp-1").map((c) =>
      c.detail
    ),
    ["attach to network demo with IP 10.0.0.2", "power on"],
  );
  const progress = recordingProgress();
  await ensureServers(env.deps, desired, observed, infra, { imageId: image.id }, progress.task("Servers"));
  const cp = [...env.sim.state.servers.values()].find((s) => s.name === "demo-cp-1")!;
  assertEquals([cp.status, cp.privateNet[0]?.ip], ["running", "10.0.0.2"]);
  assertEquals(env.sim.state.servers.size, 2, "no duplicate server");
  assertIncludes(progress.events.join("\n"), "done Servers: created 1, finished 1");
});

Deno.test("a same-named network of someone else is a conflict: apply stops before any mutating request", async () => {
  await using env = await startClusterEnv();
  const desired = expandSpec(ha);
  await call(env.sim.url, "POST", "/networks", { name: "demo", ip_range: "10.1.0.0/16" });
  const before = env.mutatingRequests().length;
  const observed = await discoverCluster(env.hc, "demo", { desired });
  const plan = planInfrastructure(desired, observed, { callerIp: CALLER });
  assertEquals(plan[0]?.action, "conflict");
  assertEquals([plan[0]?.kind, plan[0]?.name], ["network", "demo"]);
  await assertRejects(
    () => ensureInfrastructure(env.deps, desired, observed, recordingProgress(), { callerIp: CALLER }),
    (err: unknown) => err instanceof UserFacingError && /network demo: .*not created by k8zner/.test(err.message),
  );
  assertEquals(env.mutatingRequests().slice(before), []);
});

Deno.test("an API load balancer an older k8zner gave a Talos (50000) service loses it on the next apply", async () => {
  await using env = await startClusterEnv();
  const desired = expandSpec(ha);
  await ensureInfrastructure(
    env.deps,
    desired,
    await discoverCluster(env.hc, "demo", { desired }),
    recordingProgress(),
    {
      callerIp: CALLER,
    },
  );
  const lb = [...env.sim.state.loadBalancers.values()][0]!;
  const res = await call(env.sim.url, "POST", `/load_balancers/${lb.id}/actions/add_service`, {
    protocol: "tcp",
    listen_port: 50000,
    destination_port: 50000,
    health_check: { protocol: "tcp", port: 50000, interval: 5, timeout: 3, retries: 2 },
  });
  assertEquals(res.status, 201);
  await env.sim.settle();
  assertEquals(lb.services.map((s) => s.listen_port), [6443, 50000]);

  const progress = recordingProgress();
  await ensureInfrastructure(env.deps, desired, await discoverCluster(env.hc, "demo", { desired }), progress, {
    callerIp: CALLER,
  });
  assertEquals(lb.services.map((s) => s.listen_port), [6443]);
  assertIncludes(progress.events.join("\n"), "deleted service 50000");
});

Deno.test("api_load_balancer: private makes a load balancer without public interface at 10.0.0.254; re-runs change nothing", async () => {
  await using env = await startClusterEnv();
  const desired = expandSpec({ ...ha, api_load_balancer: "private" });
  const progress = recordingProgress();
  await ensureInfrastructure(env.deps, desired, await discoverCluster(env.hc, "demo", { desired }), progress, {
    callerIp: CALLER,
  });
  const lb = [...env.sim.state.loadBalancers.values()][0]!;
  assertEquals(
    [lb.publicEnabled, lb.privateNet[0]?.ip, lb.services.map((s) => s.listen_port), lb.targets.length],
    [false, "10.0.0.254", [6443], 1],
  );
  assertIncludes(progress.events.join("\n"), "created without public interface, private 10.0.0.254");
  const before = env.mutatingRequests().length;
  const again = await discoverCluster(env.hc, "demo", { desired });
  assertEquals(planInfrastructure(desired, again, { callerIp: CALLER }).filter((c) => c.kind !== "server"), []);
  await ensureInfrastructure(env.deps, desired, again, recordingProgress(), { callerIp: CALLER });
  assertEquals(env.mutatingRequests().slice(before), []);

  // Switching a serving load balancer back to public would cut the nodes off their endpoint: refused.
  const publicAgain = expandSpec(ha);
  const observed = await discoverCluster(env.hc, "demo", { desired: publicAgain });
  assertEquals(
    planInfrastructure(publicAgain, observed, { callerIp: CALLER }).filter((c) => c.kind !== "server").map((c) =>
      `${c.action} ${c.name}`
    ),
    ["conflict demo-kube"],
  );
  await assertRejects(
    () => ensureInfrastructure(env.deps, publicAgain, observed, recordingProgress(), { callerIp: CALLER }),
    (err: unknown) => err instanceof UserFacingError && /cluster endpoint is in every node/.test(err.message),
  );
  assertEquals(lb.publicEnabled, false);
});

Deno.test("a private load balancer whose create was interrupted (public, no services yet) is finished on the next run", async () => {
  await using env = await startClusterEnv();
  const desired = expandSpec({ ...ha, api_load_balancer: "private" });
  const network = await ensureInfrastructure(
    env.deps,
    expandSpec({ ...ha, api_load_balancer: "private" }),
    await discoverCluster(env.hc, "demo", { desired }),
    recordingProgress(),
    { callerIp: CALLER },
  ).then((r) => r.network);
  // Replace the load balancer by the state a crash right after its create leaves.
  const lb = [...env.sim.state.loadBalancers.values()][0]!;
  assertEquals((await call(env.sim.url, "DELETE", `/load_balancers/${lb.id}`)).status, 204);
  const created = await call(env.sim.url, "POST", "/load_balancers", {
    name: "demo-kube",
    load_balancer_type: "lb11",
    location: "fsn1",
    labels: desired.loadBalancer.request.labels,
    public_interface: true,
  });
  assertEquals(created.status, 201);
  await env.sim.settle();
  const observed = await discoverCluster(env.hc, "demo", { desired });
  assertEquals(
    planInfrastructure(desired, observed, { callerIp: CALLER }).filter((c) => c.kind === "load_balancer").map((c) =>
      c.detail
    ),
    [
      "add service tcp 6443",
      "disable the public interface (finishing a private create)",
      `attach to network demo with IP 10.0.0.254`,
      "add target k8zner.io/cluster=demo,k8zner.io/role=control-plane",
    ],
  );
  await ensureInfrastructure(env.deps, desired, observed, recordingProgress(), { callerIp: CALLER });
  const finished = env.sim.state.loadBalancers.get(created.body.load_balancer.id)!;
  assertEquals(
    [finished.publicEnabled, finished.privateNet[0], finished.services.map((s) => s.listen_port)],
    [false, { network: network.id, ip: "10.0.0.254" }, [6443]],
  );
});

Deno.test("a server the operator created after the labelled list was read (ours by its labels) is no conflict", async () => {
  await using env = await startClusterEnv();
  const desired = expandSpec(ha);
  const plan = desired.servers.find((s) => s.name === "demo-w-1")!;
  await call(env.sim.url, "POST", "/servers", {
    name: plan.name,
    server_type: plan.server_type,
    image: "debian-12",
    labels: { ...plan.labels },
  });
  // The race: the labelled list is read before the server exists, the lookup by name after.
  const listAll: typeof env.hc.servers.listAll = (options) =>
    options?.labelSelector ? Promise.resolve([]) : env.hc.servers.listAll(options);
  const hc = { ...env.hc, servers: { ...env.hc.servers, listAll } };
  const observed = await discoverCluster(hc, "demo", { desired });
  assertEquals(observed.conflicts, []);
  // Someone else's server of that name still is one.
  await call(env.sim.url, "POST", "/servers", { name: "demo-w-2", server_type: "cx33", image: "debian-12" });
  const again = await discoverCluster(hc, "demo", { desired });
  assertEquals(again.conflicts.map((c) => `${c.kind} ${c.name}`), ["server demo-w-2"]);
});

Deno.test("the load balancer comes back as the actions left it: a private one without public interface, attached with its planned IP", async () => {
  for (const publicInterface of [true, false]) {
    await using env = await startClusterEnv();
    const desired = expandSpec({ ...ha, ...(publicInterface ? {} : { api_load_balancer: "private" as const }) });
    const run = async () =>
      (await ensureInfrastructure(
        env.deps,
        desired,
        await discoverCluster(env.hc, "demo", { desired }),
        recordingProgress(),
        { callerIp: CALLER },
      )).loadBalancer;
    const created = await run();
    const fresh = (await env.hc.loadBalancers.listAll()).find((lb) => lb.name === "demo-kube")!;
    // What the hand-over record carries to the operator must be what Hetzner now reports.
    assertEquals([created.public_net.enabled, created.private_net], [fresh.public_net.enabled, fresh.private_net]);
    assertEquals([created.public_net.enabled, created.private_net[0]?.ip], [publicInterface, "10.0.0.254"]);
    const again = await run();
    assertEquals([again.public_net.enabled, again.private_net], [fresh.public_net.enabled, fresh.private_net]);
  }
});
