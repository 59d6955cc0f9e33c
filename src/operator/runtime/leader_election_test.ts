import { assertEquals, assertMatch, assertOk, assertRejects } from "../../../tests/assert.ts";
import { type FakeKubeApi } from "../../../tests/kube_fake/mod.ts";
import { type KubeClient } from "../../kube/mod.ts";
import { realTimers, type Timers } from "../../lib/timers.ts";
import { LeaderElector, LeadershipLostError } from "./leader_election.ts";
import { withKubeClient } from "../../../tests/kube_fake/with_kube_client.ts";

/** A clock the test sets by hand (timers are real; only `now` is steered). */
function steeredClock(): Timers & { set(ms: number): void } {
  let now = Date.UTC(2026, 0, 1);
  return { ...realTimers, now: () => now, set: (ms) => now = Date.UTC(2026, 0, 1) + ms };
}

function elector(kube: KubeClient, identity: string, timers: Timers, extra: Partial<{ retryPeriodMs: number }> = {}) {
  return new LeaderElector({
    kube,
    identity,
    namespace: "kube-system",
    name: "k8zner-operator",
    leaseDurationMs: 15_000,
    renewDeadlineMs: 10_000,
    retryPeriodMs: extra.retryPeriodMs ?? 2_000,
    timers,
  });
}

function holderOf(api: FakeKubeApi): unknown {
  const lease = api.store.getObject("coordination.k8s.io/v1", "Lease", "k8zner-operator", "kube-system");
  return (lease?.spec as { holderIdentity?: string } | undefined)?.holderIdentity;
}

Deno.test("two electors: the first takes the Lease, the second waits until it expires, then takes over", () =>
  withKubeClient(async (kube, api) => {
    const clock = steeredClock();
    const a = elector(kube, "pod-a", clock);
    const b = elector(kube, "pod-b", clock);
    assertEquals(await a.tryAcquireOrRenew(), true);
    assertEquals(await b.tryAcquireOrRenew(), false);
    assertEquals([a.isLeader(), b.isLeader(), holderOf(api)], [true, false, "pod-a"]);
    clock.set(5_000);
    assertEquals(await a.tryAcquireOrRenew(), true, "the holder renews");
    clock.set(12_000);
    assertEquals(await b.tryAcquireOrRenew(), false, "renewed 7 s ago: not expired for b");
    // a stops renewing; b must wait a full lease duration from when it last saw the record change.
    clock.set(26_999);
    assertEquals(await b.tryAcquireOrRenew(), false);
    clock.set(27_000);
    assertEquals(await b.tryAcquireOrRenew(), true);
    assertEquals([b.isLeader(), holderOf(api)], [true, "pod-b"]);
    const lease = api.store.getObject("coordination.k8s.io/v1", "Lease", "k8zner-operator", "kube-system")!;
    assertEquals((lease.spec as { leaseTransitions: number }).leaseTransitions, 1);
    assertEquals(await a.tryAcquireOrRenew(), false, "the old holder sees b and does not renew");
    assertEquals(a.isLeader(), false);
  }));

Deno.test("two electors racing for a free Lease: the resourceVersion conflict lets only one win", () =>
  withKubeClient(async (kube, api) => {
    const clock = steeredClock();
    const a = elector(kube, "pod-a", clock);
    const b = elector(kube, "pod-b", clock);
    assertEquals(await a.tryAcquireOrRenew(), true);
    await a.release();
    assertEquals(holderOf(api), "");
    // Both read the released Lease, then both write: the second write carries a stale resourceVersion.
    const results = await Promise.all([a.tryAcquireOrRenew(), b.tryAcquireOrRenew()]);
    assertEquals(results.filter(Boolean).length, 1, `results ${results}`);
    assertEquals(holderOf(api), results[0] ? "pod-a" : "pod-b");
    const puts = api.requests.filter((r) => r.method === "PUT").length;
    assertOk(puts >= 2, "both candidates tried to write");
  }));

Deno.test("requireLeadership() reads the Lease and refuses once another replica holds it", () =>
  withKubeClient(async (kube, api) => {
    const clock = steeredClock();
    const a = elector(kube, "pod-a", clock);
    await a.tryAcquireOrRenew();
    await a.requireLeadership("delete server worker-3");
    const lease = api.store.getObject("coordination.k8s.io/v1", "Lease", "k8zner-operator", "kube-system")!;
    api.store.put({ ...lease, spec: { ...(lease.spec as object), holderIdentity: "pod-b" } });
    await assertRejects(() => a.requireLeadership("delete server worker-3"), LeadershipLostError);
    const caught = await a.requireLeadership("delete server worker-3").then(() => undefined, (e) => e as Error);
    assertMatch(
      String(caught?.message),
      /Cannot delete server worker-3: replica "pod-a" no longer leads .*held by "pod-b"/,
    );
  }));

Deno.test("run() calls onStartedLeading, then onStoppedLeading when renewals fail past the deadline", () =>
  withKubeClient(async (kube, api) => {
    const a = new LeaderElector({
      kube,
      identity: "pod-a",
      namespace: "kube-system",
      name: "k8zner-operator",
      leaseDurationMs: 600,
      renewDeadlineMs: 300,
      retryPeriodMs: 50,
    });
    const events: string[] = [];
    let leadingSignal: AbortSignal | undefined;
    const { promise: started, resolve } = Promise.withResolvers<void>();
    const running = a.run({
      onStartedLeading: (signal) => {
        leadingSignal = signal;
        events.push("started");
        resolve();
      },
      onStoppedLeading: (reason) => events.push(`stopped: ${reason}`),
    });
    await started;
    // A renewal is due every 50 ms; a loaded machine may delay the first by more than a fixed pause.
    const renewed = () => api.requests.some((r) => r.method === "PUT");
    for (const deadline = Date.now() + 5_000; !renewed() && Date.now() < deadline;) {
      await new Promise((r) => setTimeout(r, 10));
    }
    assertOk(renewed(), "it renews");
    api.failNext({ path: "/apis/coordination.k8s.io", code: 503, message: "etcd is down", times: 1000 });
    await running;
    assertEquals(events.length, 2);
    assertEquals(events[0], "started");
    assertMatch(events[1]!, /^stopped: failed to renew the Lease within 0.3 s: Cannot get Lease .*: etcd is down$/);
    assertEquals([leadingSignal?.aborted, a.isLeader()], [true, false]);
  }));

Deno.test("run() steps down at once when another replica holds the Lease, and a shutdown releases it", () =>
  withKubeClient(async (kube, api) => {
    const options = {
      kube,
      namespace: "kube-system",
      name: "k8zner-operator",
      leaseDurationMs: 600,
      renewDeadlineMs: 300,
      retryPeriodMs: 50,
    };
    const a = new LeaderElector({ ...options, identity: "pod-a" });
    const stopped: string[] = [];
    const { promise: started, resolve } = Promise.withResolvers<void>();
    const running = a.run({ onStartedLeading: () => resolve(), onStoppedLeading: (r) => stopped.push(r) });
    await started;
    const lease = api.store.getObject("coordination.k8s.io/v1", "Lease", "k8zner-operator", "kube-system")!;
    api.store.put({
      ...lease,
      spec: { ...(lease.spec as object), holderIdentity: "pod-b", leaseDurationSeconds: 60 },
    });
    await running;
    assertEquals(stopped.length, 1);
    assertMatch(stopped[0]!, /held by "pod-b"/);

    // A clean shutdown of the new holder gives the Lease back so nobody waits for it to expire.
    api.store.remove("coordination.k8s.io/v1", "Lease", "k8zner-operator", "kube-system");
    const c = new LeaderElector({ ...options, identity: "pod-c" });
    const shutdown = new AbortController();
    const { promise: cStarted, resolve: cResolve } = Promise.withResolvers<void>();
    const cRunning = c.run(
      { onStartedLeading: () => cResolve(), onStoppedLeading: (r) => stopped.push(r) },
      shutdown.signal,
    );
    await cStarted;
    shutdown.abort();
    await cRunning;
    assertEquals(stopped[1], "shutting down");
    assertEquals(holderOf(api), "");
  }));

Deno.test("isLeader() turns false at the renew deadline, before any other replica may take the Lease over", () =>
  withKubeClient(async (kube) => {
    const clock = steeredClock();
    const a = elector(kube, "pod-a", clock);
    await a.tryAcquireOrRenew();
    clock.set(9_999);
    assertEquals(a.isLeader(), true);
    clock.set(10_000);
    assertEquals(a.isLeader(), false, "10 s renew deadline < 15 s lease: stop acting 5 s before a takeover");
    await assertRejects(() => a.requireLeadership("drain node"), LeadershipLostError);
  }));
