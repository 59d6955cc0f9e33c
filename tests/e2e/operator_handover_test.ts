/**
 * A fresh hand-over followed to Running with the real CLI and the real operator processes the local
 * cloud runs from the `k8zner-operator` Deployment: `apply --wait` creates the first control plane,
 * hands over, and then shows the operator's phases as the operator writes them (the other control planes
 * and the workers are the operator's, then Cilium and the addons it installs with the real Helm) until
 * the cluster is Ready. Every planned server has registered its Node, the status is the operator's
 * (observedGeneration = generation), `doctor` shows its conditions and addons, and a `destroy` with the
 * operator still running leaves nothing behind.
 *
 * @module
 */
import { assertEquals, assertIncludes, assertOk } from "../assert.ts";
import { startLocalCloud } from "../local_cloud/mod.ts";
import { listClusterResources } from "./cloud_inventory.ts";
import {
  clusterStore,
  handoverObjects,
  isOperatorRequest,
  k8zner,
  makeWorkdir,
  mutating,
  renderConfig,
} from "./apply_harness.ts";
import { withFakes } from "../fake_contracts.ts";

interface Condition {
  type: string;
  status: string;
  reason?: string;
  observedGeneration?: number;
}

function plannedNames(cluster: string, controlPlanes: number, workers: number): string[] {
  return [
    ...Array.from({ length: controlPlanes }, (_, i) => `${cluster}-cp-${i + 1}`),
    ...Array.from({ length: workers }, (_, i) => `${cluster}-w-${i + 1}`),
  ].sort();
}

for (
  const { mode, controlPlanes, workers } of [{ mode: "dev", controlPlanes: 1, workers: 2 }, {
    mode: "ha",
    controlPlanes: 3,
    workers: 2,
  }] as const
) {
  const cluster = `hand${mode}`;
  Deno.test(withFakes(
    `apply --wait of a fresh ${mode} cluster follows the real operator to Running (Helm addons); doctor shows its conditions; destroy leaves nothing`,
    async (t) => {
      const cloud = await startLocalCloud({ speed: 200 });
      const dir = await makeWorkdir(renderConfig(cluster, mode, workers));
      try {
        await t.step("apply --wait follows the operator to Running, every planned node registered", async () => {
          const before = cloud.sim.requests.length;
          const r = await k8zner(cloud, dir, ["apply", "--wait", "--timeout", "300s"]);
          const output = `${r.stdout}\n${r.stderr}`;
          assertEquals(r.code, 0, output);
          console.log(`${mode} apply --wait until Running: ${(r.ms / 1000).toFixed(1)} s`);
          console.log(
            output.split("\n").filter((l) => l.includes("Cluster ready") || l.includes("waits for")).join("\n"),
          );
          // The CLI created the first control plane only (and the image build server); the rest is the operator's.
          const cliServers = mutating(r.requests).filter((q) => q.method === "POST" && q.path === "/servers");
          assertEquals(cliServers.length, 2, "build server and the first control plane");
          const operatorServers = cloud.sim.requests.slice(before)
            .filter((q) => isOperatorRequest(q) && q.method === "POST" && q.path === "/servers");
          assertEquals(operatorServers.length, controlPlanes - 1 + workers, "the operator creates the other nodes");
          // The phases as the operator reported them, then Ready. The operator writes a phase before its
          // step runs, so each shows while it lasts, in order (Infrastructure is over within one poll when
          // everything exists, so it may not be seen).
          let at = -1;
          for (const phase of ["(Compute)", "(CNI)", "(Addons)"]) {
            const i = output.indexOf(`Cluster ready: Provisioning ${phase}`);
            assertOk(i > at, `"Provisioning ${phase}" missing or out of order:\n${output}`);
            at = i;
          }
          assertIncludes(output, "Running and Ready");
          assertOk(!output.includes("The operator has done what it can for now"), output);
          const servers = [...cloud.sim.state.servers.values()].map((s) => s.name).sort();
          assertEquals(servers, plannedNames(cluster, controlPlanes, workers), "no duplicate or missing server");
          const store = clusterStore(cloud, cluster)!;
          const nodes = store.listObjects("v1", "Node").map((n) => String((n.metadata as { name: string }).name))
            .sort();
          assertEquals(nodes, plannedNames(cluster, controlPlanes, workers));
        });

        await t.step(
          "the status is the operator's: every condition True, the four addons Installed",
          () => {
            const object = handoverObjects(cloud, cluster).cluster!;
            const status = object.status as {
              phase: string;
              provisioningPhase: string;
              observedGeneration: number;
              controlPlanes: { desired: number };
              workers: { desired: number };
              conditions: Condition[];
              addons: Record<string, { phase: string }>;
            };
            assertEquals(status.observedGeneration, (object.metadata as { generation: number }).generation);
            assertEquals([status.phase, status.provisioningPhase], ["Running", "Running"]);
            assertEquals([status.controlPlanes.desired, status.workers.desired], [controlPlanes, workers]);
            const byType = new Map(status.conditions.map((c) => [c.type, c]));
            for (
              const type of [
                "InfrastructureReady",
                "ControlPlaneReady",
                "WorkersReady",
                "CNIReady",
                "AddonsReady",
                "Ready",
              ]
            ) {
              assertEquals(byType.get(type)?.status, "True", type);
            }
            assertEquals(byType.get("Progressing")?.status, "False");
            assertEquals(
              Object.entries(status.addons).map(([name, a]) => `${name}=${a.phase}`).sort(),
              [
                "argo-cd=Installed",
                "cert-manager=Installed",
                "cilium=Installed",
                "hcloud-cloud-controller-manager=Installed",
                "hcloud-csi=Installed",
                "metrics-server=Installed",
                "traefik=Installed",
              ],
            );
            assertOk(byType.get("Degraded")?.status !== "True", "Degraded");
            // Events record what the operator did.
            const events = store().listObjects("v1", "Event", "k8zner-system").map((e) => String(e.reason));
            assertOk(events.includes("PhaseChanged"), `events: ${events.join(", ")}`);
            assertOk(events.includes("AddonInstalled"), `events: ${events.join(", ")}`);
            function store() {
              return clusterStore(cloud, cluster)!;
            }
          },
        );

        await t.step("doctor shows the operator's phase and conditions", async () => {
          const r = await k8zner(cloud, dir, ["doctor"]);
          assertEquals(r.code, 0, `${r.stdout}\n${r.stderr}`);
          assertIncludes(r.stdout, `cluster "${cluster}" (fsn1), phase Running`);
          assertIncludes(r.stdout, "ControlPlaneReady: True");
          assertIncludes(r.stdout, "WorkersReady: True");
          assertIncludes(r.stdout, "CNIReady: True");
          assertIncludes(r.stdout, "AddonsReady: True");
          assertIncludes(r.stdout, "cilium: Installed, 1.19.3");
          assertIncludes(r.stdout, `Control planes: ${controlPlanes}/${controlPlanes} ready`);
        });

        await t.step("destroy with the operator running leaves nothing, and nothing comes back", async () => {
          const r = await k8zner(cloud, dir, ["destroy", "--yes"]);
          assertEquals(r.code, 0, `${r.stdout}\n${r.stderr}`);
          // destroy stops the operator before it deletes anything, so nothing races the deletion.
          assertIncludes(r.stderr, "Operator: deleted Deployment k8zner-system/k8zner-operator; no pod of it runs");
          assertEquals(listClusterResources(cloud.sim.state, cluster), []);
          const after = cloud.sim.requests.length;
          // Long enough for an operator pass (it requeues every 30 s of real time at most, sooner while acting).
          await new Promise((resolve) => setTimeout(resolve, 3_000));
          assertEquals(listClusterResources(cloud.sim.state, cluster), []);
          assertEquals(
            cloud.sim.requests.slice(after).filter((q) => q.method !== "GET").map((q) => `${q.method} ${q.path}`),
            [],
          );
          assertEquals(cloud.operatorPods.size, 0, "no operator process outlives its cluster");
        });
      } finally {
        await cloud.close();
        await Deno.remove(dir, { recursive: true });
      }
    },
  ));
}
