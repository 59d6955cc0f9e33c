/**
 * The Compute step's workers against a real local cloud: a `dev` cluster handed over by `k8zner apply`
 * gets its worker, grows to five in parallel, and shrinks to two highest index first by draining through
 * the Eviction API: a PodDisruptionBudget blocks the drain (`Draining`, then `DrainBlocked`, nothing
 * deleted) until it is relaxed, then the Node and the server go.
 *
 * @module
 */
import { assertEquals, assertOk } from "../assert.ts";
import { withFakes } from "../fake_contracts.ts";
import { installFakeCni } from "../local_cloud/mod.ts";
import type { StepOutcome } from "../../src/operator/reconcile/context.ts";
import { type ComputeFixture, startComputeFixture } from "./context_fixture.ts";

const FAST_DRAIN = { drainRetryMs: 100, drainLimitMs: 1_500 };

function workerServers(fx: ComputeFixture): string[] {
  return [...fx.cloud.sim.state.servers.values()].map((s) => s.name).filter((n) => n.startsWith(`${fx.name}-w-`))
    .sort();
}

/** Runs Compute passes until the workers step is done (at most `max`), returning every workers outcome. */
async function untilWorkersDone(fx: ComputeFixture, max: number, each?: () => void): Promise<StepOutcome[]> {
  const outcomes: StepOutcome[] = [];
  for (let pass = 1; pass <= max; pass++) {
    const { workers } = await fx.computePass({ workers: FAST_DRAIN });
    outcomes.push(workers);
    each?.();
    if (workers.done) return outcomes;
    await new Promise((r) => setTimeout(r, Math.min(workers.requeueAfterMs ?? 100, 100)));
  }
  throw new Error(`workers not done after ${max} passes: ${JSON.stringify(outcomes.at(-1)?.conditions)}`);
}

function webPod(name: string, node: string) {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default", labels: { app: "web" } },
    spec: { nodeName: node, containers: [{ name: "web", image: "nginx" }] },
  };
}

function budget(minAvailable: number) {
  return {
    apiVersion: "policy/v1",
    kind: "PodDisruptionBudget",
    metadata: { name: "web", namespace: "default" },
    spec: { minAvailable, selector: { matchLabels: { app: "web" } } },
  };
}

Deno.test(
  withFakes("workers 1 to 5 in parallel and back to 2 highest index first, a PDB blocking until relaxed", async () => {
    const started = Date.now();
    await using fx = await startComputeFixture({ name: "wk", mode: "dev", workers: 1 });
    const applied = Date.now();
    assertEquals(workerServers(fx), [], "apply leaves the workers to the operator");
    const requestsBefore = fx.cloud.sim.requests.length;

    await untilWorkersDone(fx, 60);
    assertEquals(workerServers(fx), ["wk-w-1"]);

    // Up to five: several created in one pass (bounded, 3 at once).
    await fx.setCounts({ workers: 5 });
    const upStart = Date.now();
    const up = await untilWorkersDone(fx, 60);
    const upMs = Date.now() - upStart;
    assertEquals(workerServers(fx), ["wk-w-1", "wk-w-2", "wk-w-3", "wk-w-4", "wk-w-5"]);
    const ready = up.at(-1)!;
    assertEquals(ready.conditions, [{
      type: "WorkersReady",
      status: "True",
      reason: "Ready",
      message: "5 of 5 workers registered",
    }]);
    const status = ready.status!.workers as { desired: number; nodes: { name: string; serverID?: number }[] };
    assertEquals(status.desired, 5);
    assertEquals(status.nodes.map((n) => n.name), ["wk-w-1", "wk-w-2", "wk-w-3", "wk-w-4", "wk-w-5"]);
    const creates = fx.cloud.sim.requests.slice(requestsBefore)
      .filter((r) => r.method === "POST" && /\/servers$/.test(r.path));
    assertEquals(creates.length, 5, "one create per worker, never a second for the same name");

    // Nodes Ready (a CNI stands in), a web pod on wk-w-5 and one on wk-w-1, a budget that allows no disruption.
    const store = fx.store();
    installFakeCni(store);
    store.put(webPod("web-a", "wk-w-5"));
    store.put(webPod("web-b", "wk-w-1"));
    store.put(budget(2));
    for (let i = 0; i < 100; i++) {
      const pods = store.listObjects("v1", "Pod", "default");
      if (pods.every((p) => (p.status as { phase?: string } | undefined)?.phase === "Running")) break;
      await new Promise((r) => setTimeout(r, 50));
    }

    await fx.setCounts({ workers: 2 });
    const deletes: string[] = [];
    const idToName = new Map([...fx.cloud.sim.state.servers.values()].map((s) => [s.id, s.name]));
    const deletedSoFar = () => {
      for (const r of fx.cloud.sim.requests) {
        const m = r.method === "DELETE" ? r.path.match(/\/servers\/(\d+)$/) : null;
        const name = m ? idToName.get(Number(m[1])) : undefined;
        if (name && !deletes.includes(name)) deletes.push(name);
      }
    };
    const blocked: StepOutcome[] = [];
    for (let pass = 1; pass <= 60; pass++) {
      const { workers } = await fx.computePass({ workers: FAST_DRAIN });
      blocked.push(workers);
      if (workers.conditions[0]!.reason === "DrainBlocked") break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const reasons = blocked.map((o) => o.conditions[0]!.reason);
    assertEquals(reasons.at(-1), "DrainBlocked", reasons.join(", "));
    assertOk(reasons.includes("Draining"), "retried before giving up");
    const drainBlocked = blocked.at(-1)!.conditions[0]!;
    assertEquals(drainBlocked.status, "False");
    assertEquals(
      blocked.at(-1)!.conditions.map((c) => [c.type, c.status, c.reason]),
      [["WorkersReady", "False", "DrainBlocked"], ["Degraded", "True", "DrainBlocked"]],
    );
    assertOk(
      drainBlocked.message.startsWith("Cannot drain wk-w-5: a PodDisruptionBudget has refused to evict default/web-a"),
    );
    deletedSoFar();
    assertEquals(deletes, [], "nothing deleted around the budget");
    assertEquals(workerServers(fx).length, 5);
    assertOk(store.getObject("v1", "Pod", "web-a", "default"), "the protected pod still runs");
    const w5 = store.getObject("v1", "Node", "wk-w-5")!;
    assertEquals((w5.spec as { unschedulable?: boolean }).unschedulable, true, "cordoned");
    const w4 = store.getObject("v1", "Node", "wk-w-4")!;
    assertEquals((w4.spec as { unschedulable?: boolean }).unschedulable, undefined, "the next one waits its turn");
    const events = store.listObjects("v1", "Event", "k8zner-system").map((e) => String(e.reason));
    assertOk(events.includes("DrainBlocked"), events.join(", "));

    // Relaxed: the drain goes through, the Nodes and servers go, highest index first.
    store.put(budget(1));
    const downStart = Date.now();
    const down = await untilWorkersDone(fx, 60, deletedSoFar);
    await fx.computePass({ workers: FAST_DRAIN }); // a Node a kubelet re-registered before its server went is removed
    const downMs = Date.now() - downStart;
    deletedSoFar();
    assertEquals(deletes, ["wk-w-5", "wk-w-4", "wk-w-3"]);
    assertEquals(workerServers(fx), ["wk-w-1", "wk-w-2"]);
    assertEquals(store.getObject("v1", "Pod", "web-a", "default"), undefined, "evicted");
    assertOk(store.getObject("v1", "Pod", "web-b", "default"), "a pod on a kept node stays");
    const nodes = store.listObjects("v1", "Node").map((n) => String((n.metadata as { name: string }).name)).sort();
    assertEquals(nodes, ["wk-cp-1", "wk-w-1", "wk-w-2"]);
    assertEquals(down.at(-1)!.conditions[0]!.reason, "Ready");
    assertOk(fx.leadershipChecks.includes("evict the pods of wk-w-5"));
    assertOk(fx.leadershipChecks.includes("delete server wk-w-3"));
    // Idle and converged (every planned Node Ready, no action): passes read no servers from Hetzner.
    await fx.computePass({ workers: FAST_DRAIN }); // the listing that follows the last action
    const idleFrom = fx.cloud.sim.requests.length;
    for (let i = 0; i < 3; i++) await fx.computePass({ workers: FAST_DRAIN });
    assertEquals(fx.cloud.sim.requests.slice(idleFrom).map((r) => `${r.method} ${r.path}`), []);
    console.log(
      `workers: apply ${applied - started} ms, 1->5 ${upMs} ms, 5->2 after the budget relaxed ${downMs} ms`,
    );
  }),
);
