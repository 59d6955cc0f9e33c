/**
 * Kubernetes upgrades the Talos way in the local cloud: a control plane's config applied without reboot
 * with new kubelet and kube-apiserver images restarts the kubelet (its Node NotReady for a moment, then
 * Ready on the new version) and the kube-apiserver (that node's `/version` reports the new image's tag);
 * the node does not reboot.
 */
import { parse } from "yaml";
import { Buffer } from "node:buffer";
import { assertEquals, assertOk } from "../assert.ts";
import { createTalosClient } from "../../src/talos/api_client.ts";
import { renderNodeConfigYaml } from "../../src/talos/machine_config.ts";
import type { KubeObj } from "../kube_fake/mod.ts";
import { startLocalCloud } from "./mod.ts";
import { installFakeCni } from "./fake_cni.ts";
import { startTestCluster } from "./test_cluster.ts";
import { waitFor } from "./test_helpers.ts";
import { withFakes } from "../fake_contracts.ts";

type NodeStatus = {
  conditions?: Array<{ type: string; status: string; reason: string; message: string }>;
  nodeInfo?: { kubeletVersion?: string };
};
const statusOf = (node: KubeObj | undefined) => (node?.status ?? {}) as NodeStatus;
const ready = (node: KubeObj | undefined) => statusOf(node).conditions?.find((c) => c.type === "Ready");

/** An HTTPS client with the admin kubeconfig's CA and client certificate. */
function adminClient(kubeconfig: string): Deno.HttpClient {
  const config = parse(kubeconfig);
  const pem = (b64: string) => Buffer.from(b64, "base64").toString("utf8");
  return Deno.createHttpClient({
    caCerts: [pem(config.clusters[0].cluster["certificate-authority-data"])],
    cert: pem(config.users[0].user["client-certificate-data"]),
    key: pem(config.users[0].user["client-key-data"]),
  });
}

Deno.test(withFakes(
  "a Kubernetes upgrade applied without reboot restarts the kubelet and the kube-apiserver on their new versions",
  async () => {
    await using cloud = await startLocalCloud({ speed: 1000, rescueSsh: false, operator: false });
    const cluster = await startTestCluster(cloud, "k");
    const [cp] = cluster.controlPlanes;
    const talosNode = cloud.talosNodes.get(cp!.id)!;
    const store = cluster.store;
    installFakeCni(store);
    const nodeName = "k-cp-1";
    await waitFor("the Node Ready", () => ready(store.getObject("v1", "Node", nodeName))?.status === "True", 10_000);
    assertEquals(statusOf(store.getObject("v1", "Node", nodeName)).nodeInfo?.kubeletVersion, "v1.35.0");
    const http = adminClient(cluster.kubeconfig);
    const version = async () => {
      const api = cloud.kubeApiServers.get(cp!.id);
      if (!api) return undefined;
      const res = await fetch(`${api.url}/version`, { client: http });
      return (await res.json()).gitVersion as string;
    };
    assertEquals(await version(), "v1.35.0");

    // Every Ready condition the Node goes through, as a watcher (the operator's gate) sees it.
    const seen: string[] = [];
    const stop = store.watch(store.typeOf("v1", "Node"), undefined, () => true, store.resourceVersion, (event) => {
      const condition = ready(event.object as KubeObj);
      const kubelet = statusOf(event.object as KubeObj).nodeInfo?.kubeletVersion;
      const entry = `${condition?.status} ${kubelet}`;
      if (seen.at(-1) !== entry) seen.push(entry);
    });
    const boots = talosNode.state.rebootCount;
    const talos = createTalosClient({ endpoint: cp!.ip, ...cluster.talosCredentials });
    try {
      const config = renderNodeConfigYaml(cluster.secrets, { ...cluster.input, kubernetesVersion: "1.36.3" }, {
        hostname: nodeName,
        serverId: cp!.id,
        privateIp: cp!.privateIp,
        role: "controlplane",
      });
      await talos.applyConfiguration(config, { mode: "NO_REBOOT" });
      await waitFor("the Node Ready on the new kubelet", () => {
        const node = store.getObject("v1", "Node", nodeName);
        return ready(node)?.status === "True" && statusOf(node).nodeInfo?.kubeletVersion === "v1.36.3";
      }, 10_000);
      await waitFor("the kube-apiserver on the new version", async () => await version() === "v1.36.3", 10_000);
    } finally {
      stop();
      await talos.close();
      http.close();
    }
    // NotReady while the new kubelet starts (it posts its version at once), Ready only at the end.
    assertEquals(seen[0], "False v1.36.3", seen.join(", "));
    assertEquals(seen.filter((s) => s.startsWith("True")), ["True v1.36.3"], seen.join(", "));
    assertEquals(seen.at(-1), "True v1.36.3");
    assertEquals(talosNode.state.rebootCount, boots, "no reboot");
    assertEquals(talosNode.state.kubeletRestarts, 1);
    assertOk(cloud.kubeApiServers.has(cp!.id));
  },
));
