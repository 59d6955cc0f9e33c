/**
 * reconcileWorkers() scale-down against the fake Kubernetes API (strict, with the eviction subresource and
 * PDBs) and an in-test Hetzner fake, on a clock the test moves: the default 5 s retry and 2 min limit.
 *
 * @module
 */
import { assertEquals, assertOk } from "../../../../tests/assert.ts";
import { withKubeClient } from "../../../../tests/kube_fake/with_kube_client.ts";
import { expandSpec } from "../../../config/mod.ts";
import { MAX_WORKERS } from "../../../config/spec.ts";
import type { Server } from "../../../hcloud/mod.ts";
import type { KubeClient } from "../../../kube/mod.ts";
import { OperatorMetrics } from "../../runtime/mod.ts";
import type { NodeActions, ReconcileContext } from "../context.ts";
import { reconcileWorkers, WORKER_WAVE } from "./workers.ts";

const desired = expandSpec({ name: "c", region: "fsn1", mode: "dev", workers: { count: 1, size: "cx23" } });

function fakeContext(
  kube: KubeClient,
  clock: { now: number },
  deleted: number[],
  checks: string[],
  desiredState = desired,
) {
  const noop = () => {};
  const log = { debug: noop, info: noop, warn: noop, error: noop, with: () => log };
  return {
    cluster: { apiVersion: "k8zner.io/v1alpha1", kind: "K8znerCluster", metadata: { name: "c", namespace: "ns" } },
    desired: desiredState,
    kube,
    cloud: {
      hc: {
        servers: {
          delete: (id: number) => {
            deleted.push(id);
            return Promise.resolve({ id: 1, status: "running" });
          },
        },
      },
      actions: { wait: () => Promise.resolve([]) },
    },
    events: { record: () => Promise.resolve() },
    log,
    metrics: new OperatorMetrics(["Compute"]),
    memory: new Map(),
    signal: new AbortController().signal,
    now: () => clock.now,
    requireLeadership: (action: string) => {
      checks.push(action);
      return Promise.resolve();
    },
  } as unknown as ReconcileContext;
}

const actions: NodeActions = {
  addNode: () => Promise.reject(new Error("nothing to add")),
  removeUnreachable: () => Promise.reject(new Error("not for a scale-down")),
};

Deno.test("reconcileWorkers() retries a PDB-blocked drain every 5 s, says DrainBlocked after 2 min, removes it once relaxed", () =>
  withKubeClient(async (kube, api) => {
    for (const name of ["c-w-1", "c-w-2"]) {
      api.store.put({ apiVersion: "v1", kind: "Node", metadata: { name, labels: { "k8zner.io/cluster": "c" } } });
    }
    const pod = (name: string, node: string) => ({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name, namespace: "default", labels: { app: "db" } },
      spec: { nodeName: node, containers: [{ name: "c", image: "x" }] },
      status: { phase: "Running", conditions: [{ type: "Ready", status: "True" }] },
    });
    api.store.put(pod("db-0", "c-w-2"));
    api.store.put(pod("db-1", "c-w-1"));
    // A DaemonSet's pod (not covered by the budget): left alone, as kubectl drain leaves it.
    const owner = { apiVersion: "apps/v1", kind: "DaemonSet", name: "a", uid: "u", controller: true };
    api.store.put({
      ...pod("agent", "c-w-2"),
      metadata: { name: "agent", namespace: "default", ownerReferences: [owner] },
    });
    const pdb = (minAvailable: number) => ({
      apiVersion: "policy/v1",
      kind: "PodDisruptionBudget",
      metadata: { name: "db", namespace: "default" },
      spec: { minAvailable, selector: { matchLabels: { app: "db" } } },
    });
    api.store.put(pdb(2));
    const clock = { now: 1_000_000 };
    const deleted: number[] = [];
    const checks: string[] = [];
    const ctx = fakeContext(kube, clock, deleted, checks);
    const servers = [11, 12].map((id) => ({
      id,
      name: `c-w-${id - 10}`,
      private_net: [],
      public_net: { ipv4: null },
    })) as unknown as Server[];
    const pass = async () => {
      const nodes = await kube.list("v1", "Node");
      return await reconcileWorkers(ctx, { servers, nodes }, actions);
    };

    const first = await pass();
    assertEquals([first.conditions[0]!.reason, first.requeueAfterMs], ["Draining", 5_000]);
    assertEquals(((await kube.get("v1", "Node", "c-w-2"))!.spec as { unschedulable?: boolean }).unschedulable, true);
    clock.now += 119_000;
    assertEquals((await pass()).conditions[0]!.reason, "Draining", "still within the 2 min limit");
    clock.now += 1_000;
    const blocked = await pass();
    assertEquals(blocked.conditions.map((c) => `${c.type}=${c.status}/${c.reason}`), [
      "WorkersReady=False/DrainBlocked",
      "Degraded=True/DrainBlocked",
    ]);
    assertOk(blocked.conditions[0]!.message.includes("default/db-0"));
    assertEquals(deleted, [], "never deleted around the budget");
    assertOk(await kube.get("v1", "Node", "c-w-2"));

    api.store.put(pdb(1));
    const done = await pass();
    assertEquals(done.conditions[0]!.reason, "Ready");
    assertEquals(await kube.get("v1", "Node", "c-w-2"), undefined);
    assertEquals(deleted, [12], "then the server");
    assertOk(api.store.getObject("v1", "Pod", "agent", "default"), "the DaemonSet pod was not evicted");
    assertEquals(api.store.getObject("v1", "Pod", "db-0", "default"), undefined);
    assertEquals(checks, [
      "evict the pods of c-w-2",
      "evict the pods of c-w-2",
      "evict the pods of c-w-2",
      "evict the pods of c-w-2",
      "delete Node c-w-2",
      "delete server c-w-2",
    ]);
  }));

Deno.test("reconcileWorkers() adds every missing worker at once: 3 -> 50 is one wave, not five", async () => {
  const fifty = expandSpec({ name: "c", region: "fsn1", mode: "dev", workers: { count: 50, size: "cx23" } });
  const ctx = fakeContext({} as KubeClient, { now: 0 }, [], [], fifty);
  const existing = [1, 2, 3].map((i) => ({ id: i, name: `c-w-${i}`, private_net: [], public_net: { ipv4: null } }));
  const nodes = existing.map((s) => ({ apiVersion: "v1", kind: "Node", metadata: { name: s.name } }));
  let inFlight = 0, most = 0;
  const started: string[] = [];
  let release!: () => void;
  const allStarted = new Promise<void>((r) => release = r);
  const adding: NodeActions = {
    addNode: async (name) => {
      started.push(name);
      most = Math.max(most, ++inFlight);
      // No add finishes before the 47th has started: with a bound below 47 this would never resolve.
      if (started.length === 47) release();
      await Promise.race([allStarted, new Promise((r) => setTimeout(r, 2_000))]);
      inFlight--;
    },
    removeUnreachable: () => Promise.reject(new Error("not for a scale-up")),
  };
  const outcome = await reconcileWorkers(ctx, { servers: existing as unknown as Server[], nodes }, adding);
  assertEquals(most, 47);
  assertEquals(started.length, 47);
  assertEquals(started[0], "c-w-4");
  assertEquals(started.at(-1), "c-w-50");
  assertEquals(outcome.conditions[0]!.reason, "Joining");
  // A spec's largest scale-up is one wave; raising MAX_WORKERS past the wave needs its rate-limit reasoning redone.
  assertEquals(WORKER_WAVE, MAX_WORKERS);
});
