/**
 * `k8zner doctor` once a cluster exists: the kubeconfig in `./secrets/<cluster>/` (or `KUBECONFIG`)
 * leads to the fake Kubernetes API, where a `K8znerCluster` object carries a status written through
 * the status subresource; the Hetzner side comes from the simulator. Also `--watch` with a bounded
 * number of rounds and an injected sleep.
 *
 * These statuses are fixtures of doctor's rendering, for states the real operator cannot be brought to
 * here (Running needs the CNI and addons of issue 12; a Degraded pool, an API that stops answering): no
 * operator runs against this bare fake API. What doctor shows of a status the real operator wrote is
 * tested in `operator_handover_test.ts` (fresh dev and ha clusters, settled at the CNI).
 */
import { assertEquals, assertIncludes, assertOk } from "../assert.ts";
import { startHcloudSimulator } from "../hcloud_sim/mod.ts";
import { type FakeKubeApi, startFakeKubeApi } from "../kube_fake/mod.ts";
import { renderK8znerCluster, renderK8znerClusterSpec } from "../../src/addons/k8zner_cluster.ts";
import { renderK8znerClusterCrd } from "../../src/addons/k8zner_crd.ts";
import type { CliContext } from "../../src/cli/context.ts";
import { DoctorFailedError, runDoctorCommand } from "../../src/cli/doctor_run.ts";
import { realSleep } from "../../src/cli/hcloud_env.ts";
import { expandSpec } from "../../src/config/mod.ts";
import { createHcloudClient } from "../../src/hcloud/mod.ts";
import { createKubeClient, type KubeClient } from "../../src/kube/mod.ts";

const SPEC = { name: "demo", region: "fsn1", mode: "dev", workers: { count: 2, size: "cx33" } } as const;
const YAML =
  "name: demo\nregion: fsn1\nmode: dev\nworkers:\n  count: 2\n  size: cx33\napi_allowlist:\n  - 198.51.100.0/24\n";

const RUNNING_STATUS = {
  phase: "Running",
  provisioningPhase: "Running",
  controlPlaneEndpoint: "203.0.113.10",
  controlPlanes: { desired: 1, ready: 1, nodes: [{ name: "demo-cp-1", phase: "Ready", healthy: true }] },
  workers: {
    desired: 2,
    ready: 2,
    nodes: [{ name: "demo-w-1", phase: "Ready", healthy: true }, { name: "demo-w-2", phase: "Ready", healthy: true }],
  },
  conditions: [{
    type: "Ready",
    status: "True",
    reason: "ClusterReady",
    message: "all nodes and addons ready",
    lastTransitionTime: "2026-03-01T11:00:00Z",
  }],
  addons: {
    cilium: { phase: "Installed", chartVersion: "1.19.3" },
    "hcloud-cloud-controller-manager": { phase: "Installed", chartVersion: "1.33.0" },
  },
  connectivity: { kubeAPIReady: true, metricsAPIReady: true },
};

interface World {
  api: FakeKubeApi;
  kube: KubeClient;
  dir: string;
  out: string[];
  ctx: (env?: Record<string, string>) => CliContext;
}

async function withCluster(
  status: Record<string, unknown>,
  fn: (w: World) => Promise<void>,
): Promise<void> {
  const api = await startFakeKubeApi();
  const kube = await createKubeClient({ kubeconfigYaml: api.kubeconfigYaml() });
  const dir = await Deno.makeTempDir();
  try {
    await kube.applyServerSide([
      renderK8znerClusterCrd(),
      { apiVersion: "v1", kind: "Namespace", metadata: { name: "k8zner-system" } },
    ]);
    const spec = renderK8znerClusterSpec(expandSpec(SPEC));
    await kube.create(renderK8znerCluster({ name: "demo", spec }));
    await kube.patchStatus("k8zner.io/v1alpha1", "K8znerCluster", "demo", "k8zner-system", status);
    await Deno.writeTextFile(`${dir}/k8zner.yaml`, YAML);
    await Deno.mkdir(`${dir}/secrets/demo`, { recursive: true, mode: 0o700 });
    await Deno.writeTextFile(`${dir}/secrets/demo/kubeconfig`, api.kubeconfigYaml(), { mode: 0o600 });
    const out: string[] = [];
    const ctx = (env: Record<string, string> = {}): CliContext => ({
      io: { out: (t) => out.push(t), err: () => {}, stdoutIsTty: false, stdinIsTty: false },
      env: (n) => env[n],
      cwd: dir,
      color: false,
      now: () => new Date("2026-03-01T12:00:00Z"),
    });
    await fn({ api, kube, dir, out, ctx });
  } finally {
    kube.close();
    await api.close();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("doctor reads a Running K8znerCluster from ./secrets/<cluster>/kubeconfig and lists its Hetzner servers", async () => {
  await using sim = await startHcloudSimulator({ speed: 1000 });
  const hc = createHcloudClient({ token: "t", endpoint: sim.url, fetch, sleep: realSleep });
  const cp = expandSpec(SPEC).servers[0]!;
  const created = await hc.servers.create({
    name: cp.name,
    server_type: cp.server_type,
    image: "ubuntu-24.04",
    location: cp.location,
    labels: cp.labels,
  });
  await hc.waitForActions(created.actions.map((a) => a.id), { pollInterval: 20 });
  await withCluster(RUNNING_STATUS, async (w) => {
    const report = await runDoctorCommand(w.ctx({ HCLOUD_TOKEN: "t", HCLOUD_ENDPOINT: sim.url }), {});
    assertEquals(report.stage, "cluster");
    assertEquals(report.phase, "Running");
    assertEquals(report.kubeconfig, `${w.dir}/secrets/demo/kubeconfig`);
    assertEquals(report.checks.filter((c) => c.status !== "ok").map((c) => c.id), []);
    const text = w.out.join("\n");
    assertIncludes(text, 'k8zner doctor: cluster "demo" (fsn1), phase Running');
    assertIncludes(text, `  ✔ Kubernetes API: answering at ${w.api.url}`);
    assertIncludes(text, "  ✔ Ready: True: ClusterReady: all nodes and addons ready");
    assertIncludes(text, "  ✔ Control planes: 1/1 ready");
    assertIncludes(text, "  ✔ Workers: 2/2 ready");
    assertIncludes(text, "  ✔ hcloud-cloud-controller-manager: Installed, 1.33.0");
    assertIncludes(text, "  ✔ Kubernetes API: https://203.0.113.10:6443");
    assertIncludes(text, "  ✔ demo-w-2   worker         Ready");
    const ip = (await hc.servers.get(created.server.id))?.public_net.ipv4?.ip;
    assertIncludes(text, `  server ${cp.name} (id ${created.server.id}): cx23, ${ip}`);
    assertIncludes(text, "✔ all checks passed");
    assertEquals(sim.requests.filter((r) => r.method !== "GET").length, 1, "only the test's own server create");
  });
});

Deno.test("doctor fails a Degraded cluster with --json, and KUBECONFIG overrides the secrets directory", async () => {
  await withCluster({
    ...RUNNING_STATUS,
    phase: "Degraded",
    workers: { desired: 2, ready: 1, unhealthy: 1, nodes: [{ name: "demo-w-2", phase: "Unhealthy", healthy: false }] },
  }, async (w) => {
    const elsewhere = `${w.dir}/other-kubeconfig`;
    await Deno.rename(`${w.dir}/secrets/demo/kubeconfig`, elsewhere);
    const err = await runDoctorCommand(w.ctx({ KUBECONFIG: elsewhere }), { json: true }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assertOk(err instanceof DoctorFailedError, `expected DoctorFailedError, got ${err}`);
    const doc = JSON.parse(w.out.join("\n"));
    assertEquals([doc.healthy, doc.stage, doc.phase, doc.kubeconfig], [false, "cluster", "Degraded", elsewhere]);
    assertEquals(
      doc.checks.filter((c: { status: string }) => c.status === "fail").map((c: { id: string }) => c.id),
      ["cluster.phase", "cluster.workers"],
    );
    assertEquals(doc.nodes.find((n: { name: string }) => n.name === "demo-w-2").health, "fail");
    // Without HCLOUD_TOKEN the Hetzner inventory is skipped with a warning, not a failure.
    assertEquals(doc.checks.find((c: { id: string }) => c.id === "hcloud.token").status, "warn");
  });
});

Deno.test("doctor reports a cluster whose K8znerCluster is missing, and an API that does not answer", async () => {
  await withCluster(RUNNING_STATUS, async (w) => {
    await w.kube.delete("k8zner.io/v1alpha1", "K8znerCluster", "demo", "k8zner-system");
    await runDoctorCommand(w.ctx(), {}).catch((e) => assertOk(e instanceof DoctorFailedError));
    assertIncludes(
      w.out.join("\n"),
      "  ✖ K8znerCluster: k8zner-system/demo not found (the operator is not installed yet)",
    );
    w.out.length = 0;
    await w.api.close();
    await runDoctorCommand(w.ctx(), {}).catch((e) => assertOk(e instanceof DoctorFailedError));
    const text = w.out.join("\n");
    assertIncludes(text, "phase Unreachable");
    assertIncludes(text, "  ✖ Kubernetes API: ");
  });
});

Deno.test("doctor after destroy says the cluster does not exist (destroyed?), in text and --json alike, and exits 1", async () => {
  await using sim = await startHcloudSimulator({ speed: 1000 });
  await withCluster(RUNNING_STATUS, async (w) => {
    // destroy deletes everything labelled with the cluster and keeps ./secrets: the API is gone, the kubeconfig stays.
    await w.api.close();
    const env = { HCLOUD_TOKEN: "t", HCLOUD_ENDPOINT: sim.url };
    const err = await runDoctorCommand(w.ctx(env), {}).then(() => undefined, (e: unknown) => e);
    assertOk(err instanceof DoctorFailedError, `expected DoctorFailedError, got ${err}`);
    assertEquals(err.exitCode, 1);
    const text = w.out.join("\n");
    assertIncludes(text, 'k8zner doctor: cluster "demo" (fsn1), phase Not found');
    assertIncludes(text, "  ✖ Cluster: cluster demo does not exist in this project (destroyed?)");
    assertIncludes(text, "      hint: Run `k8zner apply` to create it again.");
    assertEquals(text.includes("Unreachable") || text.includes("Kubernetes API"), false, text);
    w.out.length = 0;
    await runDoctorCommand(w.ctx(env), { json: true }).catch((e) => assertOk(e instanceof DoctorFailedError));
    const doc = JSON.parse(w.out.join("\n"));
    assertEquals([doc.healthy, doc.phase, doc.inventory], [false, "Not found", []]);
    assertEquals(doc.checks.filter((c: { status: string }) => c.status === "fail").map((c: { id: string }) => c.id), [
      "cluster.exists",
    ]);
  });
});

Deno.test("doctor --watch re-checks every N seconds until the cluster turns Running (bounded rounds)", async () => {
  await withCluster(
    { phase: "Provisioning", provisioningPhase: "Addons", workers: { desired: 2, ready: 0 } },
    async (w) => {
      const sleeps: number[] = [];
      const report = await runDoctorCommand(w.ctx(), { watch: "7", json: true }, {
        maxRounds: 3,
        watchSleep: async (ms) => {
          sleeps.push(ms);
          if (sleeps.length === 2) {
            await w.kube.patchStatus("k8zner.io/v1alpha1", "K8znerCluster", "demo", "k8zner-system", RUNNING_STATUS);
          }
        },
      });
      assertEquals(sleeps, [7000, 7000]);
      const rounds = w.out.map((line) => JSON.parse(line));
      assertEquals(rounds.map((r) => r.phase), ["Provisioning", "Provisioning", "Running"]);
      // Provisioning is progress: warnings, still healthy; the last round is fully green.
      assertEquals(rounds.map((r) => r.healthy), [true, true, true]);
      assertEquals(report.checks.filter((c) => c.status !== "ok" && c.id !== "hcloud.token").map((c) => c.id), []);
    },
  );
});

Deno.test("doctor --watch rejects an interval that is not a whole number of seconds (exit 2)", async () => {
  await withCluster(RUNNING_STATUS, async (w) => {
    const err = await runDoctorCommand(w.ctx(), { watch: "0.5" }).then(() => undefined, (e: unknown) => e);
    assertOk(err instanceof Error && err.name === "UsageError", String(err));
    assertIncludes(err.message, '--watch "0.5"');
  });
});
