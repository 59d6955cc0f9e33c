import { assertEquals, assertOk } from "../../../../tests/assert.ts";
import { startClusterEnv } from "../../../../tests/cluster_env.ts";
import { expandSpec } from "../../../config/mod.ts";
import type { KubeObject } from "../../../kube/mod.ts";
import { createJsonLogger } from "../../runtime/mod.ts";
import type { ReconcileContext } from "../context.ts";
import type { PassState } from "../phase_step.ts";
import { INFRASTRUCTURE_RECHECK_MS, reconcileInfrastructure } from "./infrastructure.ts";
import { discoverCluster } from "../../../cluster/infra/discover.ts";
import { ensureInfrastructure } from "../../../cluster/infra/ensure_infrastructure.ts";
import { recordingProgress } from "../../../lib/progress.ts";
import {
  ENSURED_INFRASTRUCTURE_ANNOTATION,
  renderInfrastructureRecord,
} from "../../../cluster/handover/infrastructure_record.ts";

function context(
  env: Awaited<ReturnType<typeof startClusterEnv>>,
  generation: number,
  clock: { now: number },
  annotations?: Record<string, string>,
) {
  const events: string[] = [];
  const cluster: KubeObject = {
    apiVersion: "k8zner.io/v1alpha1",
    kind: "K8znerCluster",
    metadata: { name: "demo", namespace: "k8zner-system", generation, ...(annotations ? { annotations } : {}) },
  };
  const memory = new Map<string, unknown>();
  const make = (gen: number, spec: { workers?: number; allowlist?: string } = {}) =>
    ({
      cluster: { ...cluster, metadata: { ...cluster.metadata, generation: gen } },
      desired: expandSpec({
        name: "demo",
        region: "fsn1",
        mode: "dev",
        workers: { count: spec.workers ?? 1, size: "cx33" },
        api_allowlist: [spec.allowlist ?? "198.51.100.0/24"],
      }),
      cloud: env.deps,
      memory,
      now: () => clock.now,
      sleep: () => Promise.resolve(),
      signal: new AbortController().signal,
      log: createJsonLogger({ write: () => {} }),
      events: {
        record: (_o: unknown, _t: string, reason: string, action: string) => {
          events.push(`${reason} ${action}`);
          return Promise.resolve();
        },
      },
    }) as unknown as ReconcileContext;
  return { make, events };
}

Deno.test("the Infrastructure step ensures once, then asks Hetzner nothing until its part of the spec changes or 6 h pass", async () => {
  await using env = await startClusterEnv();
  const clock = { now: Date.UTC(2026, 11, 6) };
  const { make, events } = context(env, 1, clock);
  const pass = (): PassState => ({ conditions: new Map() });

  const first = pass();
  const outcome = await reconcileInfrastructure(make(1), first);
  assertEquals([outcome.done, outcome.conditions[0]?.status], [true, "True"]);
  assertOk(first.infra?.network.id);
  assertOk(env.mutatingRequests().length > 0);
  assertOk(events.includes("InfrastructureChanged Network"), events.join(", "));
  assertEquals((outcome.status?.infrastructure as { networkID: number }).networkID, first.infra.network.id);

  const before = env.sim.requests.length;
  clock.now += INFRASTRUCTURE_RECHECK_MS - 1;
  const idle = pass();
  await reconcileInfrastructure(make(1), idle);
  assertEquals(env.sim.requests.length, before, "an idle pass sends no Hetzner request");
  assertEquals(idle.infra?.network.id, first.infra.network.id);

  // A new generation that only adds workers (same placement group): nothing to ensure, no request.
  await reconcileInfrastructure(make(2, { workers: 5 }), pass());
  assertEquals(env.sim.requests.length, before, "a worker count change asks Hetzner nothing");

  // A new generation that changes the firewall: discovery and ensure again.
  const mutating = env.mutatingRequests().length;
  await reconcileInfrastructure(make(3, { workers: 5, allowlist: "203.0.113.0/24" }), pass());
  assertOk(env.sim.requests.length > before);
  assertOk(env.mutatingRequests().length > mutating, "the firewall rules were set");

  // Eleven workers need a second worker placement group: ensured, so the new servers have one.
  const mutatingBeforeGroups = env.mutatingRequests().length;
  await reconcileInfrastructure(make(4, { workers: 11, allowlist: "203.0.113.0/24" }), pass());
  assertEquals(env.mutatingRequests().slice(mutatingBeforeGroups), ["POST /placement_groups"]);
  const afterGroups = env.sim.requests.length;

  // And again after 6 h without a change, read-only on a converged cluster.
  const mutatingBefore = env.mutatingRequests().length;
  clock.now += INFRASTRUCTURE_RECHECK_MS;
  await reconcileInfrastructure(make(4, { workers: 11, allowlist: "203.0.113.0/24" }), pass());
  assertOk(env.sim.requests.length > afterGroups);
  assertEquals(env.mutatingRequests().length, mutatingBefore);
});

Deno.test("the Infrastructure step refuses an empty allowlist instead of locking everybody out", async () => {
  await using env = await startClusterEnv();
  const { make } = context(env, 1, { now: Date.now() });
  const ctx = make(1);
  const open = {
    ...ctx,
    desired: expandSpec({ name: "demo", region: "fsn1", mode: "dev", workers: { count: 1, size: "cx33" } }),
  };
  const outcome = await reconcileInfrastructure(open as ReconcileContext, { conditions: new Map() });
  assertEquals([outcome.done, outcome.conditions[0]?.reason], [false, "NoApiAllowlist"]);
  assertEquals(env.sim.requests.length, 0);
});

/** The desired state the tests' contexts expand (dev, one worker, the default allowlist). */
function demoDesired(allowlist = "198.51.100.0/24") {
  return expandSpec({
    name: "demo",
    region: "fsn1",
    mode: "dev",
    workers: { count: 1, size: "cx33" },
    api_allowlist: [allowlist],
  });
}

Deno.test("the first pass after the hand-over takes apply's record of the infrastructure and asks Hetzner nothing", async () => {
  await using env = await startClusterEnv();
  const clock = { now: Date.UTC(2026, 11, 6) };
  // What apply did: discovery, ensure, and the record beside the spec.
  const desired = demoDesired();
  const ensured = await ensureInfrastructure(
    env.deps,
    desired,
    await discoverCluster(env.hc, "demo", { desired }),
    recordingProgress(),
  );
  const record = renderInfrastructureRecord(ensured, desired, new Date(clock.now - 60_000));
  const before = env.sim.requests.length;

  const { make } = context(env, 1, clock, { [ENSURED_INFRASTRUCTURE_ANNOTATION]: record });
  const first: PassState = { conditions: new Map() };
  const outcome = await reconcileInfrastructure(make(1), first);
  assertEquals([outcome.done, outcome.conditions[0]?.status], [true, "True"]);
  assertEquals(env.sim.requests.length, before, "the record stands in for the check");
  assertEquals(first.infra?.network.id, ensured.network.id);
  assertEquals(first.infra?.sshKey.id, ensured.sshKey.id);
  assertEquals([...first.infra!.placementGroups.keys()], [...ensured.placementGroups.keys()]);
  assertEquals((outcome.status?.infrastructure as { loadBalancerID: number }).loadBalancerID, ensured.loadBalancer.id);

  // It is trusted for the recheck period from the time apply ensured, not from the hand-over.
  clock.now += INFRASTRUCTURE_RECHECK_MS - 60_000;
  await reconcileInfrastructure(make(1), { conditions: new Map() });
  assertOk(env.sim.requests.length > before, "6 h after apply's check the operator checks itself");
});

Deno.test("a record for other infrastructure, a stale, future or unreadable one means a check as without it", async () => {
  await using env = await startClusterEnv();
  const now = Date.UTC(2026, 11, 6);
  const desired = demoDesired();
  const ensured = await ensureInfrastructure(
    env.deps,
    desired,
    await discoverCluster(env.hc, "demo", { desired }),
    recordingProgress(),
  );
  const records: [string, string][] = [
    ["another allowlist", renderInfrastructureRecord(ensured, demoDesired("203.0.113.0/24"), new Date(now))],
    ["6 h old", renderInfrastructureRecord(ensured, desired, new Date(now - INFRASTRUCTURE_RECHECK_MS))],
    ["an hour ahead", renderInfrastructureRecord(ensured, desired, new Date(now + 3_600_000))],
    ["not JSON", "{"],
    [
      "without the firewall",
      JSON.stringify({ ...JSON.parse(renderInfrastructureRecord(ensured, desired, new Date(now))), firewall: null }),
    ],
  ];
  for (const [what, record] of records) {
    const before = env.sim.requests.length;
    const { make } = context(env, 1, { now }, { [ENSURED_INFRASTRUCTURE_ANNOTATION]: record });
    const pass: PassState = { conditions: new Map() };
    await reconcileInfrastructure(make(1), pass);
    assertOk(env.sim.requests.length > before, `${what}: the operator checks`);
    assertEquals(pass.infra?.network.id, ensured.network.id, what);
  }
});
