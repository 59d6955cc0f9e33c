/**
 * An ha cluster through the real CLI, then the life of a handed-over cluster: a changed config is
 * shown as a spec diff and needs confirmation (none possible without a terminal: exit 2), `--yes`
 * updates the K8znerCluster without touching Hetzner, and `--wait` follows the status until Ready
 * or stops at its timeout with a clear message.
 *
 * @module
 */
import { assertEquals, assertIncludes, assertOk } from "../assert.ts";
import { startLocalCloud } from "../local_cloud/mod.ts";
import { findLeaks } from "./cloud_inventory.ts";
import { startK8zner } from "./k8zner_process.ts";
import {
  bootstrapCalls,
  byMethod,
  cloudEnv,
  handoverObjects,
  k8zner,
  makeWorkdir,
  mutating,
  renderConfig,
} from "./apply_harness.ts";
import { withFakes } from "../fake_contracts.ts";

Deno.test(withFakes(
  "apply bootstraps an ha cluster; a changed config updates only the cluster spec, after confirmation",
  async (t) => {
    const cloud = await startLocalCloud({ speed: 200 });
    const dir = await makeWorkdir(renderConfig("ha1", "ha", 3));
    try {
      await t.step("apply creates the first of three control planes and hands over", async () => {
        const r = await k8zner(cloud, dir, ["apply"]);
        assertEquals(r.code, 0, `${r.stdout}\n${r.stderr}`);
        console.log(`ha apply: ${r.ms} ms, Hetzner requests ${JSON.stringify(byMethod(r.requests))}`);
        const servers = [...cloud.sim.state.servers.values()].map((s) => s.name);
        assertEquals(servers, ["ha1-cp-1"], "the operator creates the other control planes and the workers");
        assertEquals(bootstrapCalls(cloud), 1);
        const objects = handoverObjects(cloud, "ha1");
        assertOk(objects.crd && objects.deployment && objects.cluster, "operator and K8znerCluster present");
        const spec = objects.cluster!.spec as Record<string, { count: number }>;
        assertEquals(spec.controlPlanes!.count, 3);
        assertEquals((objects.deployment!.spec as { replicas: number }).replicas, 2);
        assertEquals(findLeaks(cloud.sim.state), []);
      });

      await Deno.writeTextFile(`${dir}/k8zner.yaml`, renderConfig("ha1", "ha", 4));

      await t.step("plan shows the spec diff and answers 10", async () => {
        const r = await k8zner(cloud, dir, ["plan", "--exit-code"]);
        assertEquals(r.code, 10, `${r.stdout}\n${r.stderr}`);
        assertIncludes(r.stdout, "workers.count: 3 -> 4");
      });

      await t.step("apply without a terminal and without --yes exits 2 and changes nothing", async () => {
        const r = await k8zner(cloud, dir, ["apply"]);
        assertEquals(r.code, 2, `${r.stdout}\n${r.stderr}`);
        assertIncludes(r.stderr, "without confirmation");
        assertIncludes(r.stderr, "--yes");
        assertIncludes(r.stderr, "workers.count: 3 -> 4");
        assertEquals(mutating(r.requests), []);
        const spec = handoverObjects(cloud, "ha1").cluster!.spec as Record<string, { count: number }>;
        assertEquals(spec.workers!.count, 3);
      });

      await t.step("apply --yes updates the spec and sends no mutating Hetzner request", async () => {
        const r = await k8zner(cloud, dir, ["apply", "--yes"]);
        assertEquals(r.code, 0, `${r.stdout}\n${r.stderr}`);
        assertIncludes(r.stdout, "updated");
        assertEquals(mutating(r.requests), []);
        const cluster = handoverObjects(cloud, "ha1").cluster!;
        assertEquals((cluster.spec as Record<string, { count: number }>).workers!.count, 4);
        assertOk((cluster.spec as { bootstrap?: { completed: boolean } }).bootstrap?.completed, "bootstrap facts kept");
        assertEquals(bootstrapCalls(cloud), 1);
      });

      await t.step(
        "--wait stops at its timeout with a clear message while the operator has not reported Ready",
        async () => {
          const r = await k8zner(cloud, dir, ["apply", "--wait", "--timeout", "1s"]);
          assertEquals(r.code, 1, `${r.stdout}\n${r.stderr}`);
          assertIncludes(r.stderr, "not Ready");
          assertIncludes(r.stderr, "Provisioning");
          assertIncludes(r.stderr, "k8zner doctor --watch");
        },
      );

      await t.step("--wait follows the status and ends when the cluster reports Ready", async () => {
        const lines: string[] = [];
        const run = startK8zner(["apply", "--wait", "--timeout", "60s"], {
          cwd: dir,
          env: cloudEnv(cloud),
          onLine: (line) => lines.push(line),
        });
        // Stand in for the operator once apply is following the status.
        for (let i = 0; i < 200 && !lines.some((l) => l.includes("Cluster ready")); i++) {
          await new Promise((r) => setTimeout(r, 50));
        }
        const api = [...cloud.kubeApis.values()][0]!;
        const live = api.store.getObject("k8zner.io/v1alpha1", "K8znerCluster", "ha1", "k8zner-system")!;
        api.store.put({
          ...live,
          status: {
            ...(live.status as Record<string, unknown>),
            phase: "Running",
            provisioningPhase: "Running",
            controlPlanes: { desired: 3, ready: 3 },
            workers: { desired: 4, ready: 4 },
            conditions: [{ type: "Ready", status: "True", reason: "Ready", message: "all good" }],
          },
        });
        const r = await run.done;
        assertEquals(r.code, 0, `${r.stdout}\n${r.stderr}`);
        assertIncludes(r.stderr, "Running: control planes 3/3, workers 4/4");
      });
    } finally {
      await cloud.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
));
