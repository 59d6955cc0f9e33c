/**
 * The real `k8zner operator` (from main.ts) as the local cloud runs the Deployment: it starts with the
 * pod's credentials, wins the leader Lease, answers /healthz on its pod IP, reconciles a paused
 * K8znerCluster (reads both credential Secrets by name, writes the status), and every request it makes
 * is authenticated as its service account and allowed by the Role `apply` installs (no 401 or 403).
 * Registered only once the command exists (src/cli/operator.ts, issue 11).
 */
import { assertEquals } from "../assert.ts";
import { renderOperatorManifests } from "../../src/addons/operator_manifests.ts";
import { renderK8znerCluster, renderK8znerClusterSpec } from "../../src/addons/k8zner_cluster.ts";
import { expandSpec } from "../../src/config/expand.ts";
import { renderSecretsBundle } from "../../src/talos/secrets_bundle.ts";
import { generateTalosconfig } from "../../src/talos/talosconfig.ts";
import type { KubeObj } from "../kube_fake/mod.ts";
import { startLocalCloud } from "./mod.ts";
import { startTestCluster } from "./test_cluster.ts";
import { waitFor } from "./test_helpers.ts";
import { withFakes } from "../fake_contracts.ts";

const OPERATOR_COMMAND = new URL("../../src/cli/operator.ts", import.meta.url);
const SA_USER = "system:serviceaccount:k8zner-system:k8zner-operator";

async function exists(url: URL): Promise<boolean> {
  try {
    await Deno.stat(url);
    return true;
  } catch {
    return false;
  }
}

if (await exists(OPERATOR_COMMAND)) {
  Deno.test(withFakes(
    "the real k8zner operator runs in the local cloud with its service account, leads, and is never refused",
    async () => {
      await using cloud = await startLocalCloud({
        speed: 200,
        rescueSsh: false,
        operator: { maxRestartBackoffMs: 2000 },
      });
      const cluster = await startTestCluster(cloud, "real", { controlPlanes: 1 });
      for (
        const obj of renderOperatorManifests({
          clusterName: "real",
          image: "ghcr.io/k8zner/k8zner-operator:dev",
          replicas: 1,
          hcloudToken: "hcloud-token",
          talosSecretsYaml: renderSecretsBundle(cluster.secrets),
          talosconfig: await generateTalosconfig(cluster.secrets, {
            clusterName: "real",
            endpoints: [cluster.controlPlanes[0]!.ip],
            now: new Date(),
          }),
        })
      ) cluster.store.put(obj as KubeObj);
      // Paused: every observing step runs, nothing acts on the cloud.
      const spec = renderK8znerClusterSpec(
        expandSpec({ name: "real", region: "fsn1", mode: "dev", workers: { count: 1, size: "cx23" } }),
        { apiAllowlist: ["203.0.113.10/32"] },
      );
      cluster.store.put(renderK8znerCluster({ name: "real", spec: { ...spec, paused: true } }) as KubeObj);
      const pod = await waitFor("an operator pod", () => [...cloud.operatorPods.values()][0], 20_000);
      const lease = await waitFor(
        "the operator holding a Lease",
        () =>
          cluster.store.listObjects("coordination.k8s.io/v1", "Lease", "k8zner-system").find((l) =>
            (l.spec as { holderIdentity?: string } | undefined)?.holderIdentity === pod.name
          ),
        60_000,
      ).catch((err) => {
        throw new Error(`${err.message}; operator output:\n${pod.lines.slice(-40).join("\n")}`);
      });
      assertEquals((lease.metadata as { namespace: string }).namespace, "k8zner-system");
      const status = await waitFor("the operator's status", () => {
        const obj = cluster.store.getObject("k8zner.io/v1alpha1", "K8znerCluster", "real", "k8zner-system");
        const s = obj?.status as { conditions?: unknown[] } | undefined;
        return s?.conditions?.length ? s : undefined;
      }, 60_000).catch((err) => {
        throw new Error(`${err.message}; operator output:\n${pod.lines.slice(-40).join("\n")}`);
      });
      assertEquals(JSON.stringify(status).includes("Paused"), true, JSON.stringify(status));
      const healthz = await fetch(`http://${pod.podIp}:8081/healthz`);
      assertEquals(healthz.status, 200, await healthz.text());
      const api = cloud.kubeApiServers.get(cluster.controlPlanes[0]!.id)!;
      const mine = api.requests.filter((r) => r.user === SA_USER);
      const refused = mine.filter((r) => r.status === 401 || r.status === 403);
      assertEquals(refused.map((r) => `${r.method} ${r.path}?${r.query} -> ${r.status}`), []);
      const did = new Set(mine.map((r) => `${r.method} ${r.path.replace(/^\/apis?\/(v1\/|[^/]+\/[^/]+\/)/, "")}`));
      for (
        const expected of [
          "GET namespaces/k8zner-system/secrets/k8zner-cloud-credentials",
          "GET namespaces/k8zner-system/secrets/k8zner-talos-credentials",
          "PATCH namespaces/k8zner-system/k8znerclusters/real/status",
        ]
      ) assertEquals(did.has(expected), true, `${expected} among ${[...did].sort().join(", ")}`);
      assertEquals(pod.restarts, 0, pod.lines.slice(-40).join("\n"));
    },
  ));
} else {
  console.log(`operator_real_test.ts: no test registered: ${OPERATOR_COMMAND.pathname} does not exist yet`);
}
