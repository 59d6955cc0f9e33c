/**
 * An ha cluster through the real CLI, then the life of a handed-over cluster: a changed config is
 * shown as a spec diff and needs confirmation (none possible without a terminal: exit 2), `--yes`
 * updates the K8znerCluster without touching Hetzner, and `--wait` follows the real operator's status (the
 * phases it happens to read, in the order the operator wrote them, through CNI and the addons to Running)
 * or stops at its timeout with a clear message.
 *
 * @module
 */
import { assertEquals, assertIncludes, assertMatch, assertOk } from "../assert.ts";
import { startLocalCloud } from "../local_cloud/mod.ts";
import { findLeaks } from "./cloud_inventory.ts";
import {
  bootstrapCalls,
  byEndpoint,
  byMethod,
  clusterStatusHistory,
  clusterStore,
  firstApplyOverBudget,
  handoverObjects,
  isSubsequence,
  k8zner,
  makeWorkdir,
  mutating,
  renderConfig,
  withoutRepeats,
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
        // apply creates the first control plane only (and the image build server, deleted again); the operator,
        // running as soon as the hand-over installed it, creates the others and the workers meanwhile.
        const created = mutating(r.requests).filter((q) => q.method === "POST" && q.path === "/servers");
        assertEquals(created.length, 2, "build server and ha1-cp-1");
        assertEquals(firstApplyOverBudget(r.requests), [], JSON.stringify(byEndpoint(r.requests)));
        const planned = ["ha1-cp-1", "ha1-cp-2", "ha1-cp-3", "ha1-w-1", "ha1-w-2", "ha1-w-3"];
        const servers = [...cloud.sim.state.servers.values()].map((s) => s.name);
        assertOk(servers.includes("ha1-cp-1"), servers.join(", "));
        assertEquals(servers.filter((n) => !planned.includes(n)), [], "only planned servers exist");
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
          // Whatever the operator has written by then: nothing yet, a phase, or even Running for the previous
          // generation (not Ready for this one, which adds a server, until the operator has observed it).
          assertMatch(r.stderr, /not Ready after 1\.0s: (Provisioning|Running|Pending: waiting for the operator)/);
          assertIncludes(r.stderr, "k8zner doctor --watch");
        },
      );

      await t.step("--wait follows the operator's phases through the Helm addons to Running", async () => {
        // The real operator adds ha1-w-4 for the new spec, installs Cilium (CNI) and the CCM, CSI driver,
        // metrics-server, cert-manager, Traefik and Argo CD (Addons) with the real Helm, and --wait follows it
        // until the cluster is Ready.
        const first = await k8zner(cloud, dir, ["apply", "--wait", "--timeout", "240s"]);
        assertEquals(first.code, 0, `${first.stdout}\n${first.stderr}`);
        assertIncludes(`${first.stdout}${first.stderr}`, "Running and Ready");
        // --wait polls the status from a few seconds after it starts, and the operator has worked on this spec
        // since the previous step: which phases --wait sees depends on timing (in CI it first saw Addons). What
        // is certain: each line it shows is a status the operator wrote, in the order written, the last one
        // Running; and the operator itself went through the CNI, then the addons, for this spec.
        const history = clusterStatusHistory(cloud, "ha1");
        const written = withoutRepeats(history.map((r) => r.headline));
        const shown = withoutRepeats(
          [...first.stderr.matchAll(/ \.\.\.\s+Cluster ready: (Pending|Running|Provisioning \(\w+\))/g)].map((m) =>
            m[1]!
          )
            .filter((h) => h !== "Pending"),
        );
        console.log(`--wait showed ${shown.join(" > ")}; the operator wrote ${written.join(" > ")}`);
        assertOk(shown.length > 0, first.stderr);
        assertOk(
          isSubsequence(shown, written),
          `--wait showed ${shown.join(" > ")}; the operator wrote ${written.join(" > ")}`,
        );
        assertEquals(shown.at(-1), "Running");
        const generation = Number(
          (handoverObjects(cloud, "ha1").cluster!.metadata as { generation: number }).generation,
        );
        const forThisSpec = withoutRepeats(
          history.filter((r) => r.observedGeneration === generation).map((r) => r.headline),
        );
        assertOk(
          isSubsequence(["Provisioning (CNI)", "Provisioning (Addons)", "Running"], forThisSpec),
          `the operator wrote for generation ${generation}: ${forThisSpec.join(" > ")}`,
        );
        const store = clusterStore(cloud, "ha1")!;
        const nodes = store.listObjects("v1", "Node").map((n) => String((n.metadata as { name: string }).name));
        assertEquals(nodes.sort(), ["ha1-cp-1", "ha1-cp-2", "ha1-cp-3", "ha1-w-1", "ha1-w-2", "ha1-w-3", "ha1-w-4"]);
        assertEquals(
          [...cloud.sim.state.servers.values()].map((s) => s.name).sort(),
          nodes,
          "one server per Node, no duplicate",
        );
        const status = handoverObjects(cloud, "ha1").cluster!.status as {
          conditions: Array<{ type: string; status: string }>;
          addons: Record<string, { phase: string; chartVersion: string }>;
        };
        assertEquals(
          status.conditions.filter((c) => ["CNIReady", "AddonsReady", "Ready"].includes(c.type)).map((c) =>
            `${c.type}=${c.status}`
          ),
          ["CNIReady=True", "AddonsReady=True", "Ready=True"],
        );
        assertEquals(
          Object.entries(status.addons).map(([name, a]) => `${name} ${a.phase} ${a.chartVersion}`).sort(),
          [
            "argo-cd Installed 9.7.0",
            "cert-manager Installed v1.21.1",
            "cilium Installed 1.19.3",
            "hcloud-cloud-controller-manager Installed 1.33.0",
            "hcloud-csi Installed 2.22.0",
            "metrics-server Installed 3.13.1",
            "traefik Installed 39.0.9",
          ],
        );
      });
    } finally {
      await cloud.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
));
