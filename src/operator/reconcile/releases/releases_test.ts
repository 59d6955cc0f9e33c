import { assertEquals, assertIncludes, assertOk } from "../../../../tests/assert.ts";
import {
  addonsOf,
  conditionOf,
  NAME,
  NETWORK_ID,
  startAddonsWorld,
  TOKEN,
} from "../../../../tests/operator/addons_fixture.ts";
import { writeReleaseSecret } from "../../../../tests/operator/scripted_helm.ts";
import { type AddonRelease, chartArchive } from "../../../addons/catalog.ts";
import { expandSpec } from "../../../config/mod.ts";
import { type ChartPin, CHARTS } from "../../../config/versions.ts";
import { reconcileAddons } from "../steps/addons.ts";
import { releasesSummary } from "./summary.ts";
import { reconcileReleases } from "./reconcile_releases.ts";

/** A dev cluster without a domain or monitoring: no external-dns, no kube-prometheus-stack. */
const RELEASES = [
  "cilium",
  "hcloud-cloud-controller-manager",
  "hcloud-csi",
  "metrics-server",
  "cert-manager",
  "traefik",
  "argo-cd",
];

Deno.test("a fresh cluster gets the Gateway CRDs, cilium, the hcloud Secrets and every addon; a converged cluster then runs no Helm in 10 reconciles", async () => {
  await using world = await startAddonsWorld();
  // The image has this archive; the others are absent (as out of cluster): Helm gets their repositories.
  await Deno.writeTextFile(`${world.chartsDir}/${chartArchive(CHARTS.metricsServer)}`, "not read by the scripted Helm");
  // Pass 1: CRDs and cilium; the CNI is not ready yet, so the Addons step does not run.
  await world.reconcile();
  assertEquals(world.helm.calls.map((c) => `${c.verb} ${c.release}`), ["upgrade cilium"]);
  let cluster = await world.cluster();
  assertEquals(conditionOf(cluster, "CNIReady")?.reason, "Pending");
  assertEquals(addonsOf(cluster).cilium?.phase, "Installed");
  assertOk(
    await world.kube.get(
      "apiextensions.k8s.io/v1",
      "CustomResourceDefinition",
      "gatewayclasses.gateway.networking.k8s.io",
    ),
  );

  world.ciliumRuns();
  await world.reconcile();
  cluster = await world.cluster();
  assertEquals(conditionOf(cluster, "CNIReady")?.status, "True");
  assertEquals(
    conditionOf(cluster, "AddonsReady")?.status,
    "True",
    JSON.stringify(conditionOf(cluster, "AddonsReady")),
  );
  assertEquals(world.helm.calls.map((c) => c.release), RELEASES);
  assertEquals((cluster.status as { provisioningPhase?: string }).provisioningPhase, "Running");
  for (const name of RELEASES) {
    const entry = addonsOf(cluster)[name]!;
    assertEquals([entry.phase, entry.attempts], ["Installed", 1], name);
  }
  assertEquals(
    addonsOf(cluster)["metrics-server"]?.chartVersion,
    world.helm.calls[3]!.args.join(" ").match(/chart-version=([^,]+)/)![1],
  );
  assertEquals(world.helm.calls[3]!.args[3], `${world.chartsDir}/${chartArchive(CHARTS.metricsServer)}`);
  assertEquals(world.helm.calls[0]!.args.slice(3, 8), [
    "cilium",
    "--repo",
    "https://helm.cilium.io",
    "--version",
    "1.19.3",
  ]);
  const hcloud = await world.kube.get("v1", "Secret", "hcloud", "kube-system");
  assertEquals(atob((hcloud!.data as Record<string, string>).network!), String(NETWORK_ID));
  assertEquals(atob((hcloud!.data as Record<string, string>).token!), TOKEN);
  const events = await world.events();
  assertEquals(events.filter((e) => e.reason === "AddonInstalled").length, RELEASES.length);

  // Converged: ten more reconciles start no Helm process and write nothing.
  const callsBefore = world.helm.calls.length;
  const requestsBefore = world.api.requests.length;
  for (let i = 0; i < 10; i++) {
    world.now += 30_000;
    await world.reconcile();
  }
  assertEquals(world.helm.calls.length, callsBefore, "no Helm process when converged");
  const requests = world.api.requests.slice(requestsBefore);
  assertEquals(requests.filter((r) => r.method !== "GET").map((r) => `${r.method} ${r.path}`), []);
  // Per pass: the cluster, the Gateway CRD list, Helm's Secrets for cilium, the DaemonSet, the two hcloud
  // Secrets and Helm's Secrets of the addons, one list per namespace (kube-system, cert-manager, traefik,
  // argocd). No Prometheus operator CRD list: monitoring is off.
  assertEquals(
    requests.length / 10,
    10,
    requests.slice(0, 11).map((r) => `${r.method} ${r.path}?${r.query}`).join("\n"),
  );
  assertEquals(requests.filter((r) => r.query.includes("prometheus-operator")), []);
  for (const line of world.logs) assertOk(!line.includes(TOKEN), "the token is never logged");
  for (const call of world.helm.calls) {
    assertOk(!call.args.join(" ").includes(TOKEN) && !(call.values ?? "").includes(TOKEN), "never in Helm's input");
  }
});

Deno.test("a failing install is retried after 10 s and 30 s, shows attempts, error and Events, and does not hold back the releases after it", async () => {
  await using world = await startAddonsWorld();
  world.ciliumRuns();
  const error =
    "Error: UPGRADE FAILED: resource Deployment/kube-system/hcloud-csi-controller not ready. status: InProgress\n" +
    "Error: context deadline exceeded";
  world.helm.failNext({ verb: "upgrade", release: "hcloud-csi", stderr: error, leaves: "failed" });
  world.helm.failNext({ verb: "upgrade", release: "hcloud-csi", stderr: error, leaves: "failed" });
  const t0 = world.now;
  let result = await world.reconcile();
  let cluster = await world.cluster();
  let csi = addonsOf(cluster)["hcloud-csi"]!;
  assertEquals([csi.phase, csi.attempts, csi.lastError], ["Failed", 1, error]);
  assertEquals(csi.retryAt, new Date(t0 + 10_000).toISOString().replace(/\.\d{3}Z$/, "Z"));
  assertEquals(
    addonsOf(cluster)["metrics-server"]?.phase,
    "Installed",
    "metrics-server does not wait for the CSI driver",
  );
  assertEquals(conditionOf(cluster, "AddonsReady")?.reason, "InstallFailed");
  assertIncludes(
    String(conditionOf(cluster, "AddonsReady")?.message),
    "hcloud-csi: helm upgrade --install failed (attempt 1)",
  );
  assertEquals(result.requeueAfterMs, 10_000);

  // Within the backoff: no Helm process.
  const csiRuns = () => world.helm.callsOf("upgrade", "hcloud-csi").length;
  world.now = t0 + 9_000;
  result = await world.reconcile();
  assertEquals(csiRuns(), 1);
  assertEquals(result.requeueAfterMs, 1_000);

  world.now = t0 + 10_000;
  await world.reconcile();
  assertEquals(csiRuns(), 2);
  cluster = await world.cluster();
  csi = addonsOf(cluster)["hcloud-csi"]!;
  assertEquals([csi.phase, csi.attempts], ["Failed", 2]);
  world.now = t0 + 39_000;
  await world.reconcile();
  assertEquals(csiRuns(), 2, "the second retry waits 30 s");
  world.now = t0 + 40_000;
  await world.reconcile();
  assertEquals(csiRuns(), 3);
  cluster = await world.cluster();
  csi = addonsOf(cluster)["hcloud-csi"]!;
  assertEquals([csi.phase, csi.attempts], ["Installed", 3]);
  assertEquals(csi.lastError, error, "the last error stays for the record");
  assertEquals(conditionOf(cluster, "AddonsReady")?.status, "True");
  const events = await world.events();
  const failed = events.filter((e) => e.reason === "AddonFailed").map((e) => e.message);
  assertEquals(failed.length, 2);
  assertOk(failed[0]!.startsWith("hcloud-csi: helm upgrade --install failed (attempt 1); retrying in 10 s: Error:"));
  assertOk(failed[1]!.startsWith("hcloud-csi: helm upgrade --install failed (attempt 2); retrying in 30 s: Error:"));
  assertIncludes(failed[1]!, "context deadline exceeded");
  assertOk(
    events.some((e) => e.reason === "AddonInstalled" && e.message.startsWith("hcloud-csi installed")),
    JSON.stringify(events),
  );
});

function release(name: string, values: Record<string, unknown>, chart: ChartPin = CHARTS.metricsServer): AddonRelease {
  return { name, namespace: "kube-system", chart, phase: "Addons", values, timeoutSeconds: 120 };
}

Deno.test("a changed value upgrades exactly that release, once", async () => {
  await using world = await startAddonsWorld();
  const releases = [
    release("hcloud-cloud-controller-manager", { networking: { enabled: true } }, CHARTS.hcloudCcm),
    release("hcloud-csi", { storageClasses: [{ name: "hcloud-volumes" }] }, CHARTS.hcloudCsi),
    release("metrics-server", { replicas: 1 }),
  ];
  const pass = async (list: AddonRelease[]) => {
    const ctx = await world.context();
    const outcomes = await reconcileReleases(ctx, list);
    // What the reconciler does with the entries at the end of a pass.
    await world.kube.patchStatus("k8zner.io/v1alpha1", "K8znerCluster", ctx.cluster.metadata.name, "k8zner-system", {
      addons: releasesSummary(outcomes).entries,
    });
    return outcomes;
  };
  await pass(releases);
  assertEquals(world.helm.calls.length, 3);
  await pass(releases);
  assertEquals(world.helm.calls.length, 3, "nothing changed, nothing runs");

  const changed = [releases[0]!, releases[1]!, release("metrics-server", { replicas: 2 })];
  const outcomes = await pass(changed);
  assertEquals(world.helm.calls.slice(3).map((c) => `${c.verb} ${c.release}`), ["upgrade metrics-server"]);
  assertEquals(JSON.parse(world.helm.calls[3]!.values!), { replicas: 2 });
  assertEquals(outcomes.map((o) => o.ready), [true, true, true]);
  await pass(changed);
  assertEquals(world.helm.calls.length, 4, "upgraded once");
  const events = await world.events();
  assertEquals(events.filter((e) => e.reason === "AddonUpgraded").map((e) => e.message.split(":")[0]), [
    "metrics-server upgraded (values)",
  ]);
  // A new chart version (a new k8zner release) upgrades too.
  await pass([
    releases[0]!,
    releases[1]!,
    release("metrics-server", { replicas: 2 }, { ...CHARTS.metricsServer, version: "9.9.9" }),
  ]);
  assertEquals(world.helm.calls.slice(4).map((c) => `${c.verb} ${c.release}`), ["upgrade metrics-server"]);
  assertIncludes(world.helm.calls[4]!.args.join(" "), "k8zner.io/chart-version=9.9.9");
});

Deno.test("a release left pending by a dead Helm is rolled back (or reinstalled when it never worked); nothing that worked is uninstalled", async () => {
  await using world = await startAddonsWorld();
  const store = world.api.store;
  // The CCM worked (revision 1), then the operator died during an upgrade (revision 2 pending-upgrade).
  writeReleaseSecret(store, {
    namespace: "kube-system",
    release: "hcloud-cloud-controller-manager",
    version: 1,
    status: "deployed",
    labels: { "k8zner.io/chart-version": "1.0.0", "k8zner.io/values-hash": "old" },
  });
  writeReleaseSecret(store, {
    namespace: "kube-system",
    release: "hcloud-cloud-controller-manager",
    version: 2,
    status: "pending-upgrade",
  });
  // metrics-server's first install never finished.
  writeReleaseSecret(store, {
    namespace: "kube-system",
    release: "metrics-server",
    version: 1,
    status: "pending-install",
  });
  const releases = [
    release("hcloud-cloud-controller-manager", { a: 1 }, CHARTS.hcloudCcm),
    release("metrics-server", { replicas: 1 }),
  ];
  const outcomes = await reconcileReleases(await world.context(), releases);
  assertEquals(world.helm.calls.map((c) => `${c.verb} ${c.release}`), [
    "rollback hcloud-cloud-controller-manager",
    "upgrade hcloud-cloud-controller-manager",
    "uninstall metrics-server",
    "upgrade metrics-server",
  ]);
  assertEquals(world.helm.calls[0]!.args.slice(0, 3), ["rollback", "hcloud-cloud-controller-manager", "1"]);
  assertEquals(outcomes.map((o) => [o.name, o.ready, o.entry.phase]), [
    ["hcloud-cloud-controller-manager", true, "Installed"],
    ["metrics-server", true, "Installed"],
  ]);
  const ccm = store.listObjects("v1", "Secret", "kube-system")
    .map((s) => (s.metadata as { labels: Record<string, string> }).labels)
    .filter((l) => l.name === "hcloud-cloud-controller-manager")
    .map((l) => `${l.version}:${l.status}`).sort();
  // The rollback is revision 3 and the upgrade revision 4: history kept, nothing deleted.
  assertEquals(ccm, ["1:superseded", "2:superseded", "3:superseded", "4:deployed"]);
  const reasons = (await world.events()).map((e) => e.reason);
  assertEquals(reasons.filter((r) => r === "AddonRecovered").length, 2);

  // A failing rollback keeps the release as it is and backs off; it is never uninstalled.
  await using other = await startAddonsWorld();
  writeReleaseSecret(other.api.store, { namespace: "kube-system", release: "cilium", version: 1, status: "deployed" });
  writeReleaseSecret(other.api.store, {
    namespace: "kube-system",
    release: "cilium",
    version: 2,
    status: "pending-rollback",
  });
  other.helm.failNext({ verb: "rollback", stderr: "Error: timed out waiting for the condition" });
  const [failed] = await reconcileReleases(await other.context(), [release("cilium", {}, CHARTS.cilium)]);
  assertEquals([failed!.ready, failed!.entry.phase, failed!.requeueAfterMs], [false, "Failed", 10_000]);
  assertEquals(other.helm.calls.map((c) => c.verb), ["rollback"]);
});

Deno.test("releases after the CCM wait for it; the CCM failing leaves them Pending, not Failed", async () => {
  await using world = await startAddonsWorld();
  world.helm.failNext({ verb: "upgrade", release: "hcloud-cloud-controller-manager", stderr: "Error: boom" });
  const outcomes = await reconcileReleases(await world.context(), [
    release("hcloud-cloud-controller-manager", {}, CHARTS.hcloudCcm),
    release("hcloud-csi", {}, CHARTS.hcloudCsi),
    release("metrics-server", {}),
  ]);
  assertEquals(world.helm.calls.map((c) => c.release), ["hcloud-cloud-controller-manager"]);
  assertEquals(outcomes.map((o) => [o.entry.phase, o.entry.message.startsWith("Waits for") ? "waits" : "-"]), [
    ["Failed", "-"],
    ["Pending", "waits"],
    ["Pending", "waits"],
  ]);
  const summary = releasesSummary(outcomes);
  assertEquals([summary.ready, summary.reason, summary.requeueAfterMs], [false, "InstallFailed", 10_000]);
  assertIncludes(summary.message, "hcloud-csi: Waits for hcloud-cloud-controller-manager");
});

Deno.test("a long Helm run goes on in the background: passes report it Installing, never take its pending revision for a crash, then take its result", async () => {
  await using world = await startAddonsWorld();
  const run = world.helm.hold("cilium");
  const started = performance.now();
  await world.reconcile();
  assertOk(performance.now() - started < 3_000, "the pass waited for Helm");
  assertEquals(addonsOf(await world.cluster()).cilium?.phase, "Installing");
  // Helm's storage says pending-install meanwhile: a pass must not roll back or reinstall its own run.
  for (let i = 0; i < 3; i++) await world.reconcile();
  assertEquals(world.helm.calls.map((c) => `${c.verb} ${c.release}`), ["upgrade cilium"]);
  assertEquals(addonsOf(await world.cluster()).cilium?.phase, "Installing");
  run.finish();
  await new Promise((r) => setTimeout(r, 10));
  await world.reconcile();
  const entry = addonsOf(await world.cluster()).cilium!;
  assertEquals([entry.phase, entry.attempts], ["Installed", 1]);
  assertEquals(world.helm.calls.length, 1);
  assertOk((await world.events()).some((e) => e.reason === "AddonInstalled" && e.message.startsWith("cilium")));
});

Deno.test("with monitoring, the Addons step applies the Prometheus operator CRDs before any chart, and kube-prometheus-stack waits for the CCM like every new release", async () => {
  await using world = await startAddonsWorld();
  const desired = expandSpec({
    name: NAME,
    region: "fsn1",
    mode: "dev",
    workers: { count: 1, size: "cx23" },
    monitoring: true,
  });
  /** One Addons pass with monitoring on, its status stored as the reconciler would. */
  const pass = async () => {
    const outcome = await reconcileAddons({ ...(await world.context()), desired }, { conditions: new Map() });
    await world.kube.patchStatus("k8zner.io/v1alpha1", "K8znerCluster", NAME, "k8zner-system", outcome.status ?? {});
    return outcome;
  };
  const crdApplies = () =>
    world.api.requests.filter((r) => r.method === "PATCH" && r.path.includes("customresourcedefinitions"))
      .map((r) => r.path.split("/").pop());
  world.helm.failNext({ verb: "upgrade", release: "hcloud-cloud-controller-manager", stderr: "Error: boom" });
  const first = await pass();
  assertEquals(first.done, false);
  // The CRDs are there although no chart after the failed CCM ran.
  assertEquals(world.helm.calls.map((c) => c.release), ["hcloud-cloud-controller-manager"]);
  assertEquals(crdApplies(), ["servicemonitors.monitoring.coreos.com", "prometheuses.monitoring.coreos.com"]);
  const entries = (first.status as { addons: Record<string, { phase: string; message: string }> }).addons;
  for (const name of ["cert-manager", "traefik", "argo-cd", "kube-prometheus-stack"]) {
    assertEquals(entries[name]?.phase, "Pending", name);
    assertIncludes(entries[name]!.message, "Waits for hcloud-cloud-controller-manager");
  }

  // After the backoff the CCM installs, then everything after it; the CRDs are not applied again.
  world.now += 10_000;
  let outcome = await pass();
  for (let i = 0; i < 5 && !outcome.done; i++) outcome = await pass();
  assertEquals(outcome.done, true, JSON.stringify(outcome.conditions));
  assertEquals(world.helm.calls.map((c) => c.release).slice(1), [
    "hcloud-cloud-controller-manager",
    "hcloud-csi",
    "metrics-server",
    "cert-manager",
    "traefik",
    "argo-cd",
    "kube-prometheus-stack",
  ]);
  assertEquals(crdApplies().length, 2);
  const stack = world.helm.callsOf("upgrade", "kube-prometheus-stack")[0]!;
  assertEquals(stack.args[stack.args.indexOf("--namespace") + 1], "monitoring");
  assertEquals(JSON.parse(stack.values!).crds, { enabled: false }, "the chart does not install the CRDs itself");
});
