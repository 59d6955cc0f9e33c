/**
 * The main job through the real CLI against a local cloud: `plan --exit-code` says 10, `apply`
 * bootstraps a dev cluster and hands it to the operator, a second `apply` sends only GETs and no
 * Talos Bootstrap, and `plan --exit-code` then says 0.
 *
 * @module
 */
import { assertEquals, assertIncludes, assertMatch, assertOk } from "../assert.ts";
import { startLocalCloud } from "../local_cloud/mod.ts";
import { waitFor } from "../local_cloud/test_helpers.ts";
import { checkFirewalls } from "../local_cloud/firewall_rules.ts";
import { findLeaks } from "./cloud_inventory.ts";
import {
  bootstrapCalls,
  byEndpoint,
  byMethod,
  clusterStore,
  firstApplyOverBudget,
  handoverObjects,
  isOperatorRequest,
  k8zner,
  kubeTraffic,
  makeWorkdir,
  modeOf,
  mutating,
  operatorSettled,
  renderConfig,
  talosServicesOnLoadBalancers,
} from "./apply_harness.ts";
import { withFakes } from "../fake_contracts.ts";

Deno.test(
  withFakes("apply bootstraps a dev cluster through the real CLI, a re-run changes nothing, plan agrees", async (t) => {
    const cloud = await startLocalCloud({ speed: 200 });
    const dir = await makeWorkdir(renderConfig("dev1", "dev"));
    try {
      await t.step("plan --exit-code answers 10 before the first apply and sends only GETs", async () => {
        const r = await k8zner(cloud, dir, ["plan", "--exit-code"]);
        assertEquals(r.code, 10, r.stderr);
        assertIncludes(r.stdout, "+ network");
        assertIncludes(r.stdout, "dev1-cp-1");
        assertIncludes(r.stdout, "Monthly cost");
        // The first run's image build is part of what apply will do.
        assertIncludes(r.stdout, "+ snapshot talos-v1.13.9-amd64-");
        assertIncludes(r.stdout, "build server k8zner-image-v1.13.9-amd64-");
        assertIncludes(r.stdout, "a Talos snapshot to build");
        assertEquals(mutating(r.requests).length, 0);
        assertIncludes(r.stderr, "on load balancer dev1-kube is open to the whole internet");
      });

      await t.step("apply reaches a bootstrapped cluster with the operator installed", async () => {
        const r = await k8zner(cloud, dir, ["apply"]);
        assertEquals(r.code, 0, `${r.stdout}\n${r.stderr}`);
        console.log(`dev apply: ${r.ms} ms, Hetzner requests ${JSON.stringify(byMethod(r.requests))}`);
        console.log(`dev apply: Kubernetes ${JSON.stringify(kubeTraffic(cloud))}`);
        assertIncludes(r.stdout, `Cluster "dev1" is bootstrapped`);
        assertIncludes(r.stderr, "protected by its credentials only");
        assertEquals(bootstrapCalls(cloud), 1);
        const objects = handoverObjects(cloud, "dev1");
        assertOk(objects.apiRunning, "the Kubernetes API behind the load balancer runs");
        assertOk(objects.crd, "K8znerCluster CRD installed");
        assertOk(objects.deployment, "operator Deployment installed");
        assertOk(objects.cloudSecret, "cloud credentials Secret installed");
        assertOk(objects.talosSecret, "Talos credentials Secret installed");
        assertEquals(objects.legacySecret, undefined);
        assertOk(objects.cluster, "K8znerCluster created");
        const spec = objects.cluster!.spec as Record<string, unknown>;
        assertEquals((spec.workers as { count: number }).count, 2);
        assertEquals(spec.apiAllowlist, [`${cloud.callerIp}/32`]);
        // The CLI writes only the spec; the status is the operator's (a real process the local cloud runs).
        const status = await waitFor("the operator's status for the current generation", () => {
          const live = handoverObjects(cloud, "dev1").cluster!;
          const s = live.status as { phase?: string; observedGeneration?: number } | undefined;
          return s?.observedGeneration === (live.metadata as { generation: number }).generation && s;
        }, 60_000);
        assertEquals(status.phase, "Provisioning");
        const secretData = objects.cloudSecret!.data as Record<string, string>;
        assertEquals(atob(secretData["hcloud-token"]!), "x");
        assertEquals(Object.keys(objects.talosSecret!.data as object).sort(), ["talos-secrets", "talosconfig"]);
        assertEquals(await modeOf(`${dir}/secrets/dev1`), 0o700);
        for (const file of ["secrets.yaml", "talosconfig", "kubeconfig"]) {
          assertEquals(await modeOf(`${dir}/secrets/dev1/${file}`), 0o600, file);
        }
        const created = mutating(r.requests).filter((q) => q.method === "POST" && /^\/[a-z_]+$/.test(q.path));
        assertEquals(created.filter((q) => q.path === "/servers").length, 2, "build server and dev1-cp-1");
        assertEquals(firstApplyOverBudget(r.requests), [], JSON.stringify(byEndpoint(r.requests)));
        // The operator took the infrastructure and the snapshot apply handed over: no lookups of its own.
        const { annotations } = objects.cluster!.metadata as { annotations?: Record<string, string> };
        const record = annotations?.["k8zner.io/ensured-infrastructure"];
        assertOk(record, "apply recorded the infrastructure it ensured");
        const operatorLists = cloud.sim.requests.filter((q) =>
          isOperatorRequest(q) && q.method === "GET" &&
          ["/networks", "/firewalls", "/ssh_keys", "/images"].includes(q.path)
        );
        assertEquals(operatorLists.map((q) => q.path), [], "the operator repeated apply's lookups");
        assertEquals(findLeaks(cloud.sim.state), []);
        // Talos must never be reachable through a load balancer (it forwards to private IPs, past the firewall).
        assertEquals(talosServicesOnLoadBalancers(cloud), []);
        // Apply reached the node through a firewall rule for the caller, which drops anyone else.
        const cp = [...cloud.sim.state.servers.values()].find((s) => s.name === "dev1-cp-1")!;
        for (const port of [50000, 6443]) {
          assertEquals(
            checkFirewalls(cloud.sim.state, cp, cloud.callerIp, port).reason,
            `firewall dev1 rule tcp/${port}`,
          );
          assertEquals(checkFirewalls(cloud.sim.state, cp, "198.51.100.1", port).allowed, false);
        }
        // The node's reboot after its machine config is waited out, not reported like a failure.
        const alarming = r.stderr.split("\n").filter((l) =>
          /UNAVAILABLE|ECONNREFUSED|DEADLINE_EXCEEDED|\berror\b|FAILED/i.test(l)
        );
        assertEquals(alarming, []);
        // Nothing secret in the output: no private key, no certificate, no machine config.
        for (const secret of ["PRIVATE KEY", "BEGIN CERTIFICATE", "machine:\n", "client-key-data"]) {
          assertOk(!r.stdout.includes(secret) && !r.stderr.includes(secret), `output holds "${secret}"`);
        }
      });

      await t.step("a second apply makes zero mutating requests and no Talos Bootstrap call", async () => {
        const r = await k8zner(cloud, dir, ["apply"]);
        assertEquals(r.code, 0, `${r.stdout}\n${r.stderr}`);
        console.log(`converged re-run: ${r.ms} ms, Hetzner requests ${JSON.stringify(byMethod(r.requests))}`);
        assertEquals(mutating(r.requests).map((q) => `${q.method} ${q.path}`), []);
        assertEquals(bootstrapCalls(cloud), 1);
        assertIncludes(r.stdout, "is up to date");
      });

      await t.step(
        "the control plane's kubelet registers its Node, NotReady until a CNI runs, then Ready",
        async () => {
          const store = clusterStore(cloud, "dev1")!;
          // The operator adds the workers meanwhile; this step is about the control plane's own Node.
          const readyOf = () => {
            const node = store.getObject("v1", "Node", "dev1-cp-1");
            const conditions = (node?.status as { conditions?: Array<{ type: string; status: string }> })
              ?.conditions;
            return node && { ready: conditions?.find((c) => c.type === "Ready")?.status };
          };
          assertEquals(await waitFor("the control plane's Node", readyOf), { ready: "False" });
          const cp = [...cloud.sim.state.servers.values()].find((s) => s.name === "dev1-cp-1")!;
          assertEquals(
            (store.getObject("v1", "Node", "dev1-cp-1")!.spec as { providerID: string }).providerID,
            `hcloud://${cp.id}`,
          );
          // No stand-in: the operator installs the real Cilium chart with Helm, and its agent pod on the node
          // brings the pod network up.
          await waitFor("the Node Ready", () => readyOf()?.ready === "True", 90_000);
        },
      );

      await t.step("apply moves a cluster from the single credentials Secret to the split ones", async () => {
        // Put the cluster back into the layout of an older k8zner: one Secret with everything, referenced by the spec.
        const before = handoverObjects(cloud, "dev1");
        const store = before.store!;
        const combined = {
          ...(before.cloudSecret!.data as Record<string, string>),
          ...(before.talosSecret!.data as Record<string, string>),
        };
        store.remove("v1", "Secret", "k8zner-cloud-credentials", "k8zner-system");
        store.remove("v1", "Secret", "k8zner-talos-credentials", "k8zner-system");
        store.put({
          apiVersion: "v1",
          kind: "Secret",
          metadata: { name: "k8zner-credentials", namespace: "k8zner-system" },
          type: "Opaque",
          data: combined,
        });
        const { talosCredentialsRef: _, ...oldSpec } = before.cluster!.spec as Record<string, unknown>;
        store.put({ ...before.cluster!, spec: { ...oldSpec, credentialsRef: { name: "k8zner-credentials" } } });
        // The plan shows the spec's references moving to the split Secrets; that change needs --yes.
        const r = await k8zner(cloud, dir, ["apply", "--yes"]);
        assertEquals(r.code, 0, `${r.stdout}\n${r.stderr}`);
        const output = `${r.stdout}${r.stderr}`;
        assertIncludes(output, `credentialsRef.name: "k8zner-credentials" -> "k8zner-cloud-credentials"`);
        assertIncludes(output, "removed the old combined credentials Secret");
        const after = handoverObjects(cloud, "dev1");
        assertEquals(after.legacySecret, undefined);
        assertEquals(atob((after.cloudSecret!.data as Record<string, string>)["hcloud-token"]!), "x");
        assertEquals(
          (after.talosSecret!.data as Record<string, string>)["talos-secrets"],
          combined["talos-secrets"],
        );
        const spec = after.cluster!.spec as Record<string, { name: string }>;
        assertEquals([spec.credentialsRef!.name, spec.talosCredentialsRef!.name], [
          "k8zner-cloud-credentials",
          "k8zner-talos-credentials",
        ]);
      });

      await t.step("plan --exit-code answers 0 once applied and the operator created the workers", async () => {
        // The real operator creates the workers after the hand-over and installs Cilium and the addons with
        // Helm; once it settled (Running) nothing is left for it to create.
        const store = clusterStore(cloud, "dev1")!;
        await waitFor(
          "the workers' Nodes",
          () => ["dev1-w-1", "dev1-w-2"].every((n) => store.getObject("v1", "Node", n)),
          60_000,
        );
        const settled = await operatorSettled(cloud, "dev1");
        console.log(`operator settled: Kubernetes ${JSON.stringify(kubeTraffic(cloud))}`);
        const conditions = settled.conditions as Array<{ type: string; status: string; reason: string }>;
        assertEquals(
          conditions.filter((c) => ["CNIReady", "AddonsReady", "Ready"].includes(c.type)).map((c) =>
            `${c.type}=${c.status}`
          ),
          ["CNIReady=True", "AddonsReady=True", "Ready=True"],
          JSON.stringify(settled),
        );
        const r = await k8zner(cloud, dir, ["plan", "--exit-code"]);
        assertEquals(r.code, 0, `${r.stdout}\n${r.stderr}`);
        assertIncludes(r.stdout, "Nothing to do");
        assertOk(!r.stdout.includes("Servers the operator creates"), r.stdout);
        const json = await k8zner(cloud, dir, ["plan", "--json"]);
        assertEquals(json.code, 0, json.stderr);
        const doc = JSON.parse(json.stdout);
        assertEquals(doc.pending, false);
        assertEquals(doc.cluster.state, "unchanged");
        assertEquals(doc.infrastructure.changes, []);
        assertEquals(doc.operator, []);
      });

      await t.step("plan shows a worker added in the config as the operator's to create", async () => {
        await Deno.writeTextFile(`${dir}/k8zner.yaml`, renderConfig("dev1", "dev", 3));
        const r = await k8zner(cloud, dir, ["plan", "--exit-code"]);
        assertEquals(r.code, 10, `${r.stdout}\n${r.stderr}`);
        assertIncludes(r.stdout, "workers.count: 2 -> 3");
        assertIncludes(r.stdout, "Servers the operator creates or changes after the hand-over (not done by apply):");
        assertMatch(r.stdout, /^ {4}dev1-w-3 +create: /m);
        assertOk(!/^ {4}dev1-w-[12] /m.test(r.stdout), "the existing workers are not listed");
        assertEquals(mutating(r.requests), []);
      });
    } finally {
      await cloud.close();
      await Deno.remove(dir, { recursive: true });
    }
  }),
);
