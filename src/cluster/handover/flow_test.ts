/**
 * The first-control-plane and hand-over steps chained as `apply` will chain them, against a fake Talos node whose
 * kubeconfig points at a fake Kubernetes API; run twice to show the second run only looks.
 */
import { assertEquals } from "../../../tests/assert.ts";
import { startFakeKubeApi } from "../../../tests/kube_fake/mod.ts";
import { createFakeTalosNetwork, startFakeTalosNode } from "../../../tests/talos_fake/mod.ts";
import { createKubeClient } from "../../kube/mod.ts";
import { expandSpec } from "../../config/expand.ts";
import { renderK8znerClusterSpec } from "../../addons/k8zner_cluster.ts";
import { renderNodeConfigYaml } from "../../talos/machine_config.ts";
import { parseTalosconfig } from "../../talos/talosconfig.ts";
import { recordingProgress } from "../../lib/progress.ts";
import {
  clusterSecretsDir,
  ensureClusterSecrets,
  ensureKubeconfig,
  ensureTalosconfig,
} from "../credentials/credentials.ts";
import { createTalosDeps } from "../nodes/talos_deps.ts";
import { bootstrapFirstControlPlane, fetchKubeconfig } from "../nodes/talos_bootstrap.ts";
import { ensureK8znerCluster, installOperator, renderHandoverManifests, waitForKubeApi } from "./handover.ts";
import { withFakes } from "../../../tests/fake_contracts.ts";

Deno.test(withFakes(
  "first control plane and hand-over: a second run makes no Talos write, no Kubernetes write, no file change",
  async () => {
    const root = await Deno.makeTempDir({ prefix: "k8zner-flow-" });
    const api = await startFakeKubeApi();
    const node = await startFakeTalosNode({
      hostname: "127.0.47.1",
      port: 0,
      rebootDelayMs: 20,
      network: createFakeTalosNetwork(),
      kubeconfig: () => api.kubeconfigYaml(),
    });
    const dir = clusterSecretsDir(root, "demo");
    const state = expandSpec({ name: "demo", region: "fsn1", mode: "dev", workers: { count: 1, size: "cx33" } });
    const cp = state.servers[0]!;

    async function apply(now: Date) {
      const progress = recordingProgress();
      const { bundle } = await ensureClusterSecrets({ dir, now });
      const talosconfig = await ensureTalosconfig({
        dir,
        clusterName: "demo",
        bundle,
        endpoints: [node.hostname],
        now,
      });
      const deps = createTalosDeps(parseTalosconfig(talosconfig.text));
      const configYaml = renderNodeConfigYaml(bundle, {
        clusterName: "demo",
        endpoint: "https://127.0.47.1:6443",
        talosVersion: state.talos.version,
        kubernetesVersion: state.kubernetes.version,
        network: {
          nodeCidr: state.kubernetes.nodeCidr,
          podCidr: state.kubernetes.podCidr,
          serviceCidr: state.kubernetes.serviceCidr,
        },
        certSans: [],
      }, { hostname: cp.name, serverId: 1001, privateIp: cp.privateIp, role: "controlplane" });
      const talos = await bootstrapFirstControlPlane({
        endpoint: node.endpoint,
        configYaml,
        deps,
        intervalMs: 10,
        skipKubeconfig: true,
        tasks: { configure: progress.task("First control plane"), etcd: progress.task("Bootstrap") },
      });
      const client = deps.talosClient(node.endpoint);
      const kubeconfig = await ensureKubeconfig({
        dir,
        bundle,
        now,
        server: api.url,
        fetch: () => fetchKubeconfig(client, { deps, intervalMs: 10 }),
      }).finally(() => client.close());
      const kube = await createKubeClient({ kubeconfigYaml: kubeconfig.text });
      try {
        await waitForKubeApi(kube, { timeoutMs: 5_000, intervalMs: 20 });
        const install = await installOperator(
          kube,
          renderHandoverManifests({
            clusterName: "demo",
            controlPlaneCount: 1,
            hcloudToken: "token",
            bundle,
            talosconfig: talosconfig.text,
            image: "ghcr.io/k8zner/k8zner-operator:1.0.0",
          }),
        );
        const cluster = await ensureK8znerCluster(kube, {
          name: "demo",
          spec: renderK8znerClusterSpec(state),
        });
        return { talos, talosconfig, kubeconfig, install, cluster, events: progress.events };
      } finally {
        kube.close();
      }
    }

    try {
      const first = await apply(new Date());
      assertEquals([first.talos.configure, first.talos.etcd], ["applied", "bootstrapped"]);
      assertEquals([first.talosconfig.outcome, first.kubeconfig.outcome, first.cluster.action], [
        "created",
        "created",
        "created",
      ]);
      const files = async () =>
        Object.fromEntries(
          await Promise.all(
            ["secrets.yaml", "talosconfig", "kubeconfig"].map(async (f) => [f, await Deno.readTextFile(`${dir}/${f}`)]),
          ),
        );
      const filesAfterFirst = await files();
      const talosCalls = node.state.calls.length;
      const kubeRequests = api.requests.length;

      const second = await apply(new Date(Date.now() + 60_000));
      assertEquals([second.talos.configure, second.talos.etcd], ["already-configured", "already-bootstrapped"]);
      assertEquals([second.talosconfig.outcome, second.kubeconfig.outcome, second.cluster.action], [
        "unchanged",
        "unchanged",
        "unchanged",
      ]);
      const secondTalos = node.state.calls.slice(talosCalls).map((c) => c.method);
      assertEquals([...new Set(secondTalos)].sort(), ["EtcdMemberList", "Version"]);
      assertEquals(api.requests.slice(kubeRequests).filter((r) => r.method !== "GET"), []);
      assertEquals(await files(), filesAfterFirst);
      assertEquals(second.events.filter((e) => e.startsWith("skip")).length, 2);
    } finally {
      await node.close();
      await api.close();
      await Deno.remove(root, { recursive: true });
    }
  },
));
