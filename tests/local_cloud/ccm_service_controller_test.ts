/**
 * The hcloud CCM's load balancer controller in a local cloud: a Service of type LoadBalancer gets a
 * Hetzner load balancer made as the real CCM makes it (annotations, environment, label, network,
 * targets, services) only once the CCM runs, its ingress IPs, and loses it with the Service.
 */
import { assertEquals } from "../assert.ts";
import { FAKE_CONTRACTS } from "../fake_contracts.ts";
import type { FakeKubeStore, KubeObj } from "../kube_fake/mod.ts";
import { requires } from "../requirements.ts";
import { installFakeCni, startLocalCloud } from "./mod.ts";
import { CCM_USER_AGENT, LB_CLEANUP_FINALIZER, SERVICE_UID_LABEL } from "./ccm_service_controller.ts";
import { startTestCluster } from "./test_cluster.ts";
import { hcloud, waitFor } from "./test_helpers.ts";

/** The CCM DaemonSet as our values render it: token and network from the `hcloud` Secret, LB defaults in env. */
function ccmDaemonSet(env: Array<Record<string, unknown>>): KubeObj {
  const labels = { app: "hcloud-cloud-controller-manager" };
  return {
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: { name: "hcloud-cloud-controller-manager", namespace: "kube-system" },
    spec: {
      selector: { matchLabels: labels },
      updateStrategy: { type: "RollingUpdate" },
      template: {
        metadata: { labels },
        spec: {
          hostNetwork: true,
          nodeSelector: { "node-role.kubernetes.io/control-plane": "" },
          tolerations: [{ operator: "Exists" }],
          containers: [{
            name: "hcloud-cloud-controller-manager",
            image: "hetznercloud/hcloud-cloud-controller-manager:v1.33.0",
            env,
          }],
        },
      },
    },
  };
}

const fromSecret = (name: string, key: string) => ({ name, valueFrom: { secretKeyRef: { name: "hcloud", key } } });

function ingressService(): KubeObj {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: {
      name: "ingress",
      namespace: "default",
      annotations: {
        "load-balancer.hetzner.cloud/name": "lb-ingress",
        "load-balancer.hetzner.cloud/location": "fsn1",
        "load-balancer.hetzner.cloud/use-private-ip": "true",
        "load-balancer.hetzner.cloud/ipv6-disabled": "true",
      },
    },
    spec: {
      type: "LoadBalancer",
      selector: { app: "ingress" },
      ports: [{ name: "web", port: 80, targetPort: 8000 }, { name: "websecure", port: 443, targetPort: 8443 }],
    },
  };
}

const serviceOf = (store: FakeKubeStore) => store.getObject("v1", "Service", "ingress", "default");

Deno.test(requires(FAKE_CONTRACTS, {
  name: "a LoadBalancer Service gets a Hetzner load balancer from the CCM stand-in, and loses it with the Service",
  fn: async () => {
    await using cloud = await startLocalCloud({ speed: 200, rescueSsh: false, operator: false });
    const cluster = await startTestCluster(cloud, "lbc");
    const worker = await cluster.join("lbc-w-1", "worker");
    const { store, network } = cluster;
    await hcloud(cloud.hcloudUrl, "POST", `/networks/${network}/actions/add_subnet`, {
      type: "cloud",
      ip_range: "10.0.64.0/25",
      network_zone: "eu-central",
    });
    await waitFor("both Nodes", () => store.listObjects("v1", "Node").length === 2, 10_000);
    installFakeCni(store);
    const byUid = async (uid: string) =>
      (await hcloud(cloud.hcloudUrl, "GET", `/load_balancers?label_selector=${SERVICE_UID_LABEL}%3D${uid}`)).body
        .load_balancers;

    // No CCM yet: the Service stays pending, as on a real cluster.
    const created = store.create(store.typeOf("v1", "Service"), "default", ingressService());
    const uid = (created.metadata as { uid: string }).uid;
    await cloud.idle();
    assertEquals(await byUid(uid), []);
    assertEquals((serviceOf(store)!.metadata as { finalizers?: string[] }).finalizers, undefined);

    store.put({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "hcloud", namespace: "kube-system" },
      data: { token: btoa("ccm-token"), network: btoa(String(network)) },
    });
    store.put(ccmDaemonSet([
      fromSecret("HCLOUD_TOKEN", "token"),
      fromSecret("HCLOUD_NETWORK", "network"),
      { name: "HCLOUD_LOAD_BALANCERS_LOCATION", value: "nbg1" },
      { name: "HCLOUD_LOAD_BALANCERS_PRIVATE_SUBNET_IP_RANGE", value: "10.0.64.0/25" },
    ]));
    const ingress = await waitFor(
      "the Service's ingress",
      () => (serviceOf(store)?.status as { loadBalancer?: { ingress?: unknown[] } })?.loadBalancer?.ingress,
      10_000,
    );
    const [lb] = await byUid(uid);
    assertEquals([lb.name, lb.location.name, lb.load_balancer_type.name, lb.labels], [
      "lb-ingress",
      "fsn1",
      "lb11",
      { [SERVICE_UID_LABEL]: uid },
    ]);
    assertEquals(lb.private_net.map((p: { network: number; ip: string }) => [p.network, p.ip]), [[
      network,
      "10.0.64.1",
    ]]);
    const nodePorts = (serviceOf(store)!.spec as { ports: Array<{ port: number; nodePort: number }> }).ports;
    assertEquals(
      lb.services.map((s: Record<string, unknown>) => [s.protocol, s.listen_port, s.destination_port]),
      nodePorts.map((p) => ["tcp", p.port, p.nodePort]),
    );
    // Control planes carry Talos's exclude-from-external-load-balancers label: only the worker is a target.
    assertEquals(
      lb.targets.map((t: { server: { id: number }; use_private_ip: boolean }) => [t.server.id, t.use_private_ip]),
      [[worker.id, true]],
    );
    assertEquals(ingress, [{ ip: lb.public_net.ipv4.ip, ipMode: "VIP" }, { ip: "10.0.64.1", ipMode: "VIP" }]);
    assertEquals((serviceOf(store)!.metadata as { finalizers: string[] }).finalizers, [LB_CLEANUP_FINALIZER]);
    // At rest it sends nothing: like the real controller it acts on changes, it does not poll Hetzner.
    const ccmRequests = () => cloud.sim.requests.filter((r) => r.userAgent === CCM_USER_AGENT).length;
    const before = ccmRequests();
    await new Promise((r) => setTimeout(r, 1_000));
    assertEquals(ccmRequests() - before, 0, "CCM requests during a second at rest");

    // Deleting the Service: the finalizer holds it until the load balancer is gone.
    store.delete(store.typeOf("v1", "Service"), "default", "ingress");
    await waitFor("the Service gone", () => serviceOf(store) === undefined, 10_000);
    assertEquals(await byUid(uid), []);
    assertEquals(cloud.errors.map((e) => e.message), []);
  },
}));
