/**
 * etcd quorum in the local cloud: three control planes join (the later two as learners, their API
 * servers start only once promoted); with two powered off no API server of the cluster answers, and
 * one coming back restores quorum and the APIs.
 */
import { assertEquals } from "../assert.ts";
import { startLocalCloud } from "./mod.ts";
import { startTestCluster } from "./test_cluster.ts";
import { hcloud, waitFor, waitForAction } from "./test_helpers.ts";
import { withFakes } from "../fake_contracts.ts";

Deno.test(withFakes(
  "a cluster's API servers need etcd quorum: two of three control planes off stop them all",
  async () => {
    await using cloud = await startLocalCloud({ speed: 1000, rescueSsh: false, operator: false });
    const cluster = await startTestCluster(cloud, "q", { controlPlanes: 3 });
    const [cp1, cp2, cp3] = cluster.controlPlanes as [
      typeof cluster.controlPlanes[0],
      typeof cluster.controlPlanes[0],
      typeof cluster.controlPlanes[0],
    ];
    await waitFor("three API servers", () => cloud.kubeApiServers.size === 3, 10_000);
    const etcd = [...cloud.talosNetworks.values()].find((n) => n.etcd)!.etcd!;
    assertEquals(etcd.members.map((m) => m.isLearner), [false, false, false]);

    const power = async (id: number, action: "poweroff" | "poweron") =>
      await waitForAction(
        cloud.hcloudUrl,
        (await hcloud(cloud.hcloudUrl, "POST", `/servers/${id}/actions/${action}`)).body.action.id,
      );
    await power(cp2.id, "poweroff");
    await power(cp3.id, "poweroff");
    await waitFor("no API server without quorum", () => cloud.kubeApiServers.size === 0, 10_000);
    assertEquals(etcd.members.length, 3, "members of powered-off nodes stay in the list");

    await power(cp3.id, "poweron");
    await waitFor(
      "API servers of the two running control planes",
      () => cloud.kubeApiServers.size === 2 && cloud.kubeApiServers.has(cp1.id) && cloud.kubeApiServers.has(cp3.id),
      10_000,
    );
  },
));
