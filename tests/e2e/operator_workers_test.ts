/**
 * Workers through `k8zner.yaml` and `apply --yes`, carried out by the real operator processes: 1 -> 5 in
 * parallel, then 5 -> 2 highest index first through a drain; a PodDisruptionBudget covering a pod on
 * w-5 stops the scale-down at `DrainBlocked` with nothing deleted until the budget is relaxed.
 *
 * @module
 */
import { assertEquals, assertOk } from "../assert.ts";
import { withFakes } from "../fake_contracts.ts";
import type { KubeObj } from "../kube_fake/mod.ts";
import { controlPlaneNames, podOn, startScenario, workerNames } from "./operator_scenario.ts";

Deno.test(withFakes(
  "the operator scales workers 1 -> 5 -> 2; a PodDisruptionBudget holds the drain at DrainBlocked until relaxed",
  async (t) => {
    const started = Date.now();
    await using s = await startScenario("ws", "dev", 1);
    const cps = controlPlaneNames("ws", 1);

    await t.step("the operator creates the one worker of the spec; every Node turns Ready", async () => {
      await s.waitForReadyNodes([...cps, ...workerNames("ws", 1)]);
      await s.until("WorkersReady True", () => s.condition("WorkersReady")?.status === "True");
    });

    let serversBefore: Map<string, { id: number }>;
    await t.step("workers 1 -> 5: four servers created in parallel (all at once), five Ready Nodes", async () => {
      const t0 = Date.now();
      await s.applyWorkers(5);
      const firstNew = await s.until("a new worker server", () => s.servers().has("ws-w-2") && Date.now(), 30_000);
      console.log(`spec change to first server: ${firstNew - t0} ms`);
      // In parallel, all at once (the operator adds every missing worker in one wave): w-2..w-5 all exist before one of their Nodes registers.
      const newWorkers = workerNames("ws", 5).slice(1);
      const nodesWhenAllExist = await s.until(
        "w-2..w-5 servers",
        () => newWorkers.every((n) => s.servers().has(n)) && Object.keys(s.nodes()),
        30_000,
      );
      assertEquals(nodesWhenAllExist.filter((n) => newWorkers.includes(n)), []);
      await s.waitForReadyNodes([...cps, ...workerNames("ws", 5)], 120_000);
      await s.until("WorkersReady True", () => s.condition("WorkersReady")?.status === "True");
      const posts = s.cloud.sim.requests.filter((r) =>
        r.method === "POST" && r.path === "/servers" && r.userAgent?.startsWith("k8zner-operator/")
      );
      assertEquals(posts.length, 5, "w-1 at hand-over, then w-2..w-5");
      serversBefore = s.servers();
      console.log(`1 -> 5 workers: ${Date.now() - t0} ms`);
    });

    await t.step("a PodDisruptionBudget covering a pod on w-5 holds the scale-down at DrainBlocked", async () => {
      // The owner shortens how long a refused eviction is retried before DrainBlocked (default 2m), as with kubectl.
      await s.patchCluster({ spec: { healthCheck: { drainTimeout: "10s" } } });
      const store = s.store();
      store.put(podOn("guarded", "ws-w-5", { app: "guarded" }));
      store.put({
        apiVersion: "policy/v1",
        kind: "PodDisruptionBudget",
        metadata: { name: "guarded", namespace: "default" },
        spec: { minAvailable: 1, selector: { matchLabels: { app: "guarded" } } },
      } as KubeObj);
      const t0 = Date.now();
      await s.applyWorkers(2);
      const blocked = await s.until(
        "WorkersReady False DrainBlocked",
        () => {
          const c = s.condition("WorkersReady");
          return c?.status === "False" && c.reason === "DrainBlocked" && c;
        },
        240_000,
      );
      console.log(`spec change to DrainBlocked: ${Date.now() - t0} ms`);
      assertOk(blocked.message?.includes("ws-w-5"), blocked.message);
      assertEquals(s.condition("Degraded")?.status, "True");
      // Nothing deleted: every server and Node is still there, w-5 cordoned, the guarded pod still runs.
      assertEquals([...s.servers().keys()].sort(), [...cps, ...workerNames("ws", 5)].sort());
      for (const [name, server] of s.servers()) assertEquals(server.id, serversBefore.get(name)!.id, name);
      assertEquals(Object.keys(s.nodes()).length, 6);
      assertEquals((store.getObject("v1", "Node", "ws-w-5")!.spec as { unschedulable?: boolean }).unschedulable, true);
      assertOk(store.getObject("v1", "Pod", "guarded", "default"), "the guarded pod was not deleted around the budget");
      assertOk(s.events().some((e) => e.startsWith("DrainBlocked")), s.events().join("\n"));
    });

    await t.step("relaxing the budget lets the scale-down finish: w-5, w-4, w-3 gone, two workers Ready", async () => {
      const t0 = Date.now();
      const store = s.store();
      const pdb = store.getObject("policy/v1", "PodDisruptionBudget", "guarded", "default")!;
      store.put({ ...pdb, spec: { ...(pdb.spec as object), minAvailable: 0 } } as KubeObj);
      await s.waitForReadyNodes([...cps, ...workerNames("ws", 2)], 120_000);
      await s.until("only two worker servers", () => s.servers().size === 3, 60_000);
      await s.until("WorkersReady True", () => s.condition("WorkersReady")?.status === "True");
      assertEquals([...s.servers().keys()].sort(), [...cps, ...workerNames("ws", 2)].sort());
      assertEquals(store.getObject("v1", "Pod", "guarded", "default"), undefined, "evicted");
      // Highest index first: the operator's server deletions in order.
      const deleted = s.cloud.sim.requests.filter((r) =>
        r.method === "DELETE" && /^\/servers\/\d+$/.test(r.path) && r.userAgent?.startsWith("k8zner-operator/")
      ).map((r) => Number(r.path.split("/")[2]));
      const names = deleted.map((id) => [...serversBefore].find(([, v]) => v.id === id)?.[0]);
      assertEquals(names, ["ws-w-5", "ws-w-4", "ws-w-3"]);
      console.log(`relaxed budget to two workers: ${Date.now() - t0} ms; scenario ${Date.now() - started} ms`);
    });
  },
));
