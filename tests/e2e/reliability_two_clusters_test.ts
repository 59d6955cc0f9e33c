/**
 * Two clusters in one project, both created by the real `apply`, whose names share a prefix
 * (`shop` and `shop-eu`), each with what its cloud controller and CSI driver would add (an ingress
 * load balancer named `<cluster>-ingress` on its network, a volume on its control plane), plus a
 * server nobody labelled. `destroy --yes` of `shop` removes every resource with its labels and its
 * controllers' objects, and nothing else: `shop-eu` keeps every resource (same ids) and still
 * converges without a single mutating request; the stranger and the shared Talos snapshot stay. A
 * second destroy finds nothing to do.
 *
 * @module
 */
import { assertEquals, assertOk } from "../assert.ts";
import { call } from "../hcloud_sim/test_client.ts";
import { type LocalCloud, startLocalCloud } from "../local_cloud/mod.ts";
import { listClusterResources, listResources } from "./cloud_inventory.ts";
import { handoverObjects, k8zner, makeWorkdir, mutating, operatorSettled, renderConfig } from "./apply_harness.ts";
import { withFakes } from "../fake_contracts.ts";

async function post(cloud: LocalCloud, path: string, body: unknown): Promise<Record<string, { id: number }>> {
  const res = await call(cloud.hcloudUrl, "POST", path, body);
  if (res.status >= 300) throw new Error(`POST ${path} answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
}

/** What the cluster's hcloud CCM and CSI driver would create: an ingress LB and a volume. */
async function addControllerObjects(cloud: LocalCloud, cluster: string): Promise<void> {
  const state = cloud.sim.state;
  const network = [...state.networks.values()].find((n) => n.name === cluster)!;
  const cp = [...state.servers.values()].find((s) => s.name === `${cluster}-cp-1`)!;
  await post(cloud, "/load_balancers", {
    name: `${cluster}-ingress`,
    load_balancer_type: "lb11",
    location: "fsn1",
    network: network.id,
    labels: { "hcloud-ccm/service-uid": crypto.randomUUID() },
    targets: [{ type: "server", server: { id: cp.id }, use_private_ip: true }],
  });
  await post(cloud, "/volumes", {
    name: `pvc-${crypto.randomUUID()}`,
    size: 10,
    server: cp.id,
    labels: { "managed-by": "csi-driver", "k8zner.io/cluster": cluster },
  });
}

const keyOf = (r: { kind: string; id: number; name: string }) => `${r.kind}/${r.id}/${r.name}`;

Deno.test(withFakes(
  "destroy of one cluster removes everything labelled for it and its controllers' objects, and nothing of a second cluster in the project",
  async () => {
    const cloud = await startLocalCloud({ speed: 200 });
    const shop = await makeWorkdir(renderConfig("shop", "dev"));
    const shopEu = await makeWorkdir(renderConfig("shop-eu", "dev", 1));
    try {
      for (const [dir, name] of [[shop, "shop"], [shopEu, "shop-eu"]] as const) {
        const run = await k8zner(cloud, dir, ["apply"]);
        assertEquals(run.code, 0, `apply ${name}: ${run.stdout}\n${run.stderr}`);
        await addControllerObjects(cloud, name);
      }
      const stranger = await post(cloud, "/servers", {
        name: "stranger",
        server_type: "cx23",
        image: "debian-12",
        location: "fsn1",
      });
      // Both clusters' operators add their workers; the survivors are counted once they have settled (at the CNI).
      await operatorSettled(cloud, "shop");
      await operatorSettled(cloud, "shop-eu");
      await cloud.sim.settle();
      await cloud.idle();

      const shopKeys = new Set(listClusterResources(cloud.sim.state, "shop").map(keyOf));
      const shopIngress = [...cloud.sim.state.loadBalancers.values()].find((l) => l.name === "shop-ingress")!;
      shopKeys.add(`load_balancers/${shopIngress.id}/shop-ingress`);
      const expectedSurvivors = listResources(cloud.sim.state).map(keyOf).filter((k) => !shopKeys.has(k)).sort();
      assertOk(expectedSurvivors.some((k) => k.endsWith("/shop-eu-ingress")), "shop-eu's ingress is a survivor");
      assertOk(expectedSurvivors.some((k) => k.startsWith(`servers/${stranger.server!.id}/`)), "stranger survives");

      const destroy = await k8zner(cloud, shop, ["destroy", "--yes"]);
      assertEquals(destroy.code, 0, `${destroy.stdout}\n${destroy.stderr}`);
      await cloud.sim.settle();
      await cloud.idle();

      assertEquals(listClusterResources(cloud.sim.state, "shop"), []);
      assertEquals(listResources(cloud.sim.state).map(keyOf).sort(), expectedSurvivors);
      assertEquals([...cloud.sim.state.images.values()].filter((i) => i.type === "snapshot").length, 1);
      const deleted = mutating(destroy.requests).filter((r) => r.method === "DELETE").map((r) => r.path);
      assertOk(deleted.length > 0, "destroy sent DELETEs");
      await Deno.stat(`${shop}/secrets/shop/secrets.yaml`); // kept without --purge-secrets

      const again = await k8zner(cloud, shop, ["destroy", "--yes"]);
      assertEquals(again.code, 0, again.stderr);
      assertEquals(mutating(again.requests).map((r) => `${r.method} ${r.path}`), []);

      const survivor = await k8zner(cloud, shopEu, ["apply"]);
      assertEquals(survivor.code, 0, survivor.stderr);
      assertEquals(mutating(survivor.requests).map((r) => `${r.method} ${r.path}`), []);
      const objects = handoverObjects(cloud, "shop-eu");
      assertOk(objects.apiRunning && objects.cluster, "shop-eu's Kubernetes API and K8znerCluster are still there");
    } finally {
      await cloud.close();
      await Deno.remove(shop, { recursive: true });
      await Deno.remove(shopEu, { recursive: true });
    }
  },
));
