/**
 * The rolling upgrade, end to end: an ha cluster with three workers created by the real `apply` at Talos
 * v1.12.6 / Kubernetes 1.35.2, a workload whose PodDisruptionBudget allows one disruption, then `apply` with
 * v1.13.9 / 1.36.3. The real operator rolls every node; a sampler checks all along that no more than one node
 * is NotReady (apart from the one the test powers off), etcd keeps quorum and the budget holds. Halfway a
 * powered-off control plane shuts the gates: the rollout stops with `UpgradeBlocked` and the cluster stays as
 * it is; powered on, the rollout resumes. The operator killed mid-rollout resumes from the Nodes' versions.
 *
 * @module
 */
import { assertEquals, assertOk } from "../assert.ts";
import { withFakes } from "../fake_contracts.ts";
import { hcloud } from "../local_cloud/test_helpers.ts";
import { hasQuorum } from "../talos_fake/etcd_cluster.ts";
import type { KubeObj } from "../kube_fake/mod.ts";
import { controlPlaneNames, podOn, powerOff, type Scenario, startScenario, workerNames } from "./operator_scenario.ts";

/** Ends the scenario at the first failed step: the later ones only wait out their timeouts. */
function step(ok: boolean): void {
  if (!ok) throw new Error("a step failed (its error is above)");
}

const OLD = ["talos_version: v1.12.6", "kubernetes_version: 1.35.2"];
const NEW = ["talos_version: v1.13.9", "kubernetes_version: 1.36.3"];
const WEB = { app: "web" };
/** How long (real ms; 200 s simulated) a node is NotReady before the sampler counts it as down. */
const SUSTAINED_MS = 1_000;

/** `Talos (v1.13.9)` and `v1.36.3` of every Node, by name. */
function versions(s: Scenario): Record<string, string> {
  return Object.fromEntries(
    s.store().viewObjects("v1", "Node").map((n) => {
      const info = (n.status as { nodeInfo?: { osImage?: string; kubeletVersion?: string } } | undefined)?.nodeInfo;
      return [(n.metadata as { name: string }).name, `${info?.osImage ?? "?"} ${info?.kubeletVersion ?? "?"}`];
    }),
  );
}

/** A pod of the `web` ReplicaSet on `node`. */
function webPod(s: Scenario, name: string, node: string): KubeObj {
  const rs = s.store().getObject("apps/v1", "ReplicaSet", "web", "default") as KubeObj;
  const pod = podOn(name, node, WEB);
  const ref = { apiVersion: "apps/v1", kind: "ReplicaSet", name: "web", uid: (rs.metadata as { uid: string }).uid };
  return { ...pod, metadata: { ...pod.metadata as object, ownerReferences: [{ ...ref, controller: true }] } };
}

/** What the sampler saw while the rollout ran. */
interface Samples {
  /** Most nodes NotReady in one sample, and which (raw: a missed lease renewal counts too). */
  maxNotReady: number;
  worstNotReady: string;
  /**
   * Most nodes NotReady for at least {@link SUSTAINED_MS} at once: down, not a blip of the node lifecycle
   * controller, whose 50 s grace is 250 ms real at the local cloud's speed and lapses when this loaded
   * process stalls.
   */
  maxDown: number;
  worstDown: string;
  lostQuorum: number;
  maxWebMissing: number;
  /** Samples in which no Kubernetes API server answered. */
  apiGaps: number;
  /** Real ms at which each node first reported the new Talos version / the new kubelet. */
  talosAt: Map<string, number>;
  kubeletAt: Map<string, number>;
}

/**
 * Samples every 20 ms until stopped; stands in for the workload's ReplicaSet controller: an evicted `web` pod
 * is made again on a worker that is Ready and schedulable (the kubelet stand-in runs bound pods).
 */
function sample(s: Scenario, all: string[], workers: string[], exempt: () => string | undefined) {
  const started = Date.now();
  const seen: Samples = {
    maxNotReady: 0,
    worstNotReady: "",
    maxDown: 0,
    worstDown: "",
    lostQuorum: 0,
    maxWebMissing: 0,
    apiGaps: 0,
    talosAt: new Map(),
    kubeletAt: new Map(),
  };
  let stop = false;
  const loop = (async () => {
    let made = 10;
    const downSince = new Map<string, number>();
    let lastLine = "";
    while (!stop) {
      try {
        once();
      } catch (err) {
        // No API server answers behind the load balancer: counted, the rollout must not cause this.
        if (!String(err).includes("no Kubernetes API answers")) throw err;
        seen.apiGaps++;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    function once() {
      // The rollout as the status shows it, whenever it changes (the test's timeline in its output).
      const c = s.condition("UpgradeBlocked");
      const line = `${JSON.stringify(s.status().upgrade)} UpgradeBlocked=${c?.status}/${c?.reason}: ${c?.message}`;
      if (line !== lastLine) console.log(`+${Date.now() - started} ms ${lastLine = line}`);
      const store = s.store();
      const nodes = s.nodes();
      const notReady = all.filter((n) => nodes[n] !== "True" && n !== exempt());
      const now = Date.now();
      for (const n of all) if (!notReady.includes(n)) downSince.delete(n);
      for (const n of notReady) if (!downSince.has(n)) downSince.set(n, now);
      if (notReady.length > seen.maxNotReady) {
        seen.maxNotReady = notReady.length;
        seen.worstNotReady = `+${now - started} ms: ${notReady.map((n) => `${n}=${nodes[n]}`).join(", ")}`;
      }
      const down = notReady.filter((n) => now - downSince.get(n)! >= SUSTAINED_MS);
      if (down.length > seen.maxDown) {
        seen.maxDown = down.length;
        seen.worstDown = `+${now - started} ms: ${down.join(", ")}`;
      }
      const network = [...s.cloud.talosNetworks.values()].find((n) => n.etcd);
      if (network?.etcd && !hasQuorum(network.etcd, network.nodes.values())) seen.lostQuorum++;
      for (const [name, v] of Object.entries(versions(s))) {
        if (v.startsWith("Talos (v1.13.9)") && !seen.talosAt.has(name)) seen.talosAt.set(name, Date.now());
        if (v.endsWith("v1.36.3") && !seen.kubeletAt.has(name)) seen.kubeletAt.set(name, Date.now());
      }
      const web = store.viewObjects("v1", "Pod", "default").filter((p) =>
        (p.metadata as { labels?: Record<string, string> }).labels?.app === "web" &&
        !(p.metadata as { deletionTimestamp?: string }).deletionTimestamp
      );
      seen.maxWebMissing = Math.max(seen.maxWebMissing, 3 - web.length);
      if (web.length < 3) {
        const target = workers.find((w) => {
          const node = store.getObject("v1", "Node", w) as KubeObj | undefined;
          return nodes[w] === "True" && !(node?.spec as { unschedulable?: boolean } | undefined)?.unschedulable;
        });
        if (target) store.put(webPod(s, `web-${made++}`, target));
      }
    }
  })();
  return {
    seen,
    async stop() {
      stop = true;
      await loop;
    },
  };
}

Deno.test(withFakes(
  "an ha cluster with workers rolls from Talos v1.12.6 / Kubernetes 1.35.2 to v1.13.9 / 1.36.3 one node at a time",
  async (t) => {
    await using s = await startScenario("up", "ha", 3, { threshold: "1h", config: OLD });
    const cps = controlPlaneNames("up", 3);
    const workers = workerNames("up", 3);
    const all = [...cps, ...workers];

    step(
      await t.step("the cluster runs the pinned versions", async () => {
        await s.waitForReadyNodes(all);
        await s.until("CNIReady True", () => s.condition("CNIReady")?.status === "True");
        for (const v of Object.values(versions(s))) assertEquals(v, "Talos (v1.12.6) v1.35.2");
        await s.until("UpgradeBlocked False UpToDate", () => s.condition("UpgradeBlocked")?.reason === "UpToDate");
      }),
    );

    // The budget's maxUnavailable counts the ReplicaSet's replicas, as the disruption controller does.
    s.store().put({
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      metadata: { name: "web", namespace: "default" },
      spec: { replicas: 3, selector: { matchLabels: WEB } },
    });
    workers.forEach((w, i) => s.store().put(webPod(s, `web-${i + 1}`, w)));
    s.store().put({
      apiVersion: "policy/v1",
      kind: "PodDisruptionBudget",
      metadata: { name: "web", namespace: "default" },
      spec: { maxUnavailable: 1, selector: { matchLabels: WEB } },
    });
    // A gate shut this long is reported (real ms; the local cloud runs 200 times faster than Hetzner).
    await s.patchCluster({ spec: { healthCheck: { upgradeGateTimeout: "15s" } } });
    let powered: string | undefined;
    const sampler = sample(s, all, workers, () => powered);
    const before = s.cloud.sim.requests.length;
    const t0 = Date.now();

    step(
      await t.step("apply shows the change and the operator starts with the first control plane", async () => {
        const out = await s.applyConfig(3, NEW);
        assertOk(/v1\.12\.6 -> v1\.13\.9/.test(out.stdout + out.stderr), out.stdout);
        await s.until("up-cp-1 on Talos v1.13.9", () => sampler.seen.talosAt.has("up-cp-1"), 120_000);
        assertEquals(sampler.seen.talosAt.size, 1, "the others wait");
      }),
    );
    const applied = s.cloud.sim.requests.length;

    step(
      await t.step(
        "a control plane powered off halfway stops the rollout with UpgradeBlocked; powered on, it resumes",
        async () => {
          await s.until("the first worker upgraded", () => sampler.seen.talosAt.has("up-w-1"), 240_000);
          const cp2 = s.servers().get("up-cp-2")!;
          powered = "up-cp-2";
          await powerOff(s.cloud, cp2.id);
          const blocked = await s.until("UpgradeBlocked True", () => {
            const c = s.condition("UpgradeBlocked");
            return c?.status === "True" && c;
          }, 60_000);
          assertOk(
            ["NodeNotReady", "EtcdUnhealthy", "EtcdMembership", "StepNotDone"].includes(blocked.reason!),
            blocked.reason,
          );
          const frozen = versions(s);
          await new Promise((r) => setTimeout(r, 3_000));
          const still = versions(s);
          delete still["up-cp-2"], delete frozen["up-cp-2"];
          assertEquals(still, frozen, "the rest of the cluster stays as it is");
          await hcloud(s.cloud.hcloudUrl, "POST", `/servers/${cp2.id}/actions/poweron`);
          await s.until("up-cp-2 Ready again", () => s.nodes()["up-cp-2"] === "True", 60_000);
          powered = undefined;
          await s.until("UpgradeBlocked False", () => s.condition("UpgradeBlocked")?.status === "False", 60_000);
        },
      ),
    );

    step(
      await t.step("the operator killed mid-rollout resumes from the Nodes' versions", async () => {
        await s.until("a later worker in progress", () => sampler.seen.talosAt.has("up-w-2"), 240_000);
        for (const pod of s.cloud.operatorPods.values()) pod.kill("SIGKILL");
      }),
    );

    step(
      await t.step("every node ends on the new versions; the gates held all along", async () => {
        await s.until(
          "every node on v1.13.9 / v1.36.3",
          () =>
            Object.values(versions(s)).every((v) => v === "Talos (v1.13.9) v1.36.3") &&
            s.condition("UpgradeBlocked")?.reason === "UpToDate",
          600_000,
        );
        await sampler.stop();
        const seen = sampler.seen;
        assertEquals(seen.lostQuorum, 0, "etcd never lost quorum");
        assertEquals(seen.apiGaps, 0, "some Kubernetes API server answered all along");
        console.log(
          `most NotReady in one sample: ${seen.maxNotReady} (${seen.worstNotReady}); sustained: ${seen.maxDown}`,
        );
        assertOk(seen.maxDown <= 1, `at most one node down at a time (saw ${seen.worstDown})`);
        assertOk(seen.maxWebMissing <= 1, `the budget allowed one disruption (saw ${seen.maxWebMissing} missing)`);
        const order = [...seen.talosAt.entries()].sort((a, b) => a[1] - b[1]).map(([n]) => n);
        assertEquals(order.slice(0, 3).sort(), cps, "control planes first");
        for (const w of workers) {
          const node = s.store().getObject("v1", "Node", w) as KubeObj;
          assertEquals((node.spec as { unschedulable?: boolean }).unschedulable, undefined, `${w} uncordoned`);
        }
        const total = Date.now() - t0;
        const talosDone = Math.max(...seen.talosAt.values()) - t0;
        const byPath = new Map<string, number>();
        for (const r of s.cloud.sim.requests.slice(before)) {
          // The client as it names itself (k8zner CLI, operator); none: the test's and the CCM stand-in's.
          const key = `${r.userAgent?.split(" ")[0] ?? "-"} ${r.method} ${r.path.replace(/\/\d+/g, "/{id}")}`;
          byPath.set(key, (byPath.get(key) ?? 0) + 1);
        }
        console.log(
          `rollout of ${all.length} nodes: ${total} ms real (${(total * 200 / 1000 / 60).toFixed(1)} min simulated), ` +
            `${Math.round(total / all.length)} ms per node; Talos part ${talosDone} ms; ` +
            `Hetzner requests: apply ${applied - before}, whole upgrade ${s.cloud.sim.requests.length - before}`,
        );
        console.log([...byPath.entries()].sort().map(([k, n]) => `  ${n} ${k}`).join("\n"));
      }),
    );
  },
));
