/**
 * etcd is the cluster's store in the local cloud: a Talos etcd snapshot carries the Kubernetes objects of
 * that moment, the store dies with the last control plane, and a new control plane recovered from the
 * snapshot serves exactly the snapshot's objects, nothing written after it.
 */
import { assertEquals, assertOk } from "../assert.ts";
import { createTalosClient } from "../../src/talos/api_client.ts";
import { checkSnapshot } from "../../src/cluster/backup/snapshot_integrity.ts";
import { decodeEtcdDb } from "../talos_fake/etcd_snapshot.ts";
import { readStoreDump } from "../kube_fake/store_dump.ts";
import { startLocalCloud } from "./mod.ts";
import { startTestCluster } from "./test_cluster.ts";
import { hcloud, waitFor, waitForAction } from "./test_helpers.ts";
import { withFakes } from "../fake_contracts.ts";

const configMap = (name: string) => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace: "default" },
  data: { written: name },
});

Deno.test(withFakes(
  "a control plane recovered from an etcd snapshot serves exactly the snapshot's objects",
  async () => {
    await using cloud = await startLocalCloud({ speed: 1000, rescueSsh: false, operator: false });
    const cluster = await startTestCluster(cloud, "r");
    const [cp1] = cluster.controlPlanes;
    cluster.store.put(configMap("before-backup"));
    const configMapRv = cluster.store.resourceVersion;
    const uid = (cluster.store.getObject("v1", "ConfigMap", "before-backup", "default")!.metadata as { uid: string })
      .uid;

    const talos = createTalosClient({ endpoint: cp1!.ip, ...cluster.talosCredentials });
    const chunks: Uint8Array[] = [];
    try {
      await talos.etcdSnapshot({ write: (c) => chunks.push(c) });
    } finally {
      await talos.close();
    }
    const snapshot = new Uint8Array(await new Blob(chunks as BlobPart[]).arrayBuffer());
    assertOk(checkSnapshot(snapshot).ok);
    cluster.store.put(configMap("after-backup"));

    const network = cloud.talosNodes.get(cp1!.id)!.network;
    assertOk(network.etcd);
    const { body } = await hcloud(cloud.hcloudUrl, "DELETE", `/servers/${cp1!.id}`);
    await waitForAction(cloud.hcloudUrl, body.action.id);
    await waitFor("the cluster's store gone with its last control plane", () => !network.etcd);
    await waitFor("no API server", () => cloud.kubeApiServers.size === 0);

    const cp2 = await cluster.join("r-cp-2", "controlplane");
    const recovery = createTalosClient({ endpoint: cp2.ip, ...cluster.talosCredentials });
    try {
      assertEquals(await recovery.etcdRecover(snapshot), { bytes: snapshot.length });
      await recovery.bootstrap({ recoverEtcd: true });
    } finally {
      await recovery.close();
    }
    const api = await waitFor("the recovered API server", () => cloud.kubeApiServers.get(cp2.id), 10_000);
    const names = api.store.listObjects("v1", "ConfigMap", "default").map((o) => (o.metadata as { name: string }).name);
    assertEquals(names, ["before-backup"]);
    const restored = api.store.getObject("v1", "ConfigMap", "before-backup", "default")!;
    assertEquals((restored.metadata as { uid: string }).uid, uid);
    assertEquals(restored.data, { written: "before-backup" });
    assertEquals((restored.metadata as { resourceVersion: string }).resourceVersion, configMapRv);
    // Everything the snapshot held is back, and the revision goes on from the snapshot's.
    const held = readStoreDump(decodeEtcdDb(snapshot)!);
    const now = api.store.exportState();
    const keys = new Set(now.objects.map((o) => `${o.storage} ${o.key}`));
    assertEquals(held.objects.filter((o) => !keys.has(`${o.storage} ${o.key}`)), []);
    assertOk(now.resourceVersion >= held.resourceVersion && held.resourceVersion >= Number(configMapRv));
    assertOk(api.store !== cluster.store);
  },
));
