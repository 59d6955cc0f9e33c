/**
 * The hcloud CCM's load balancer controller in a local cloud: a Service of type LoadBalancer gets a
 * Hetzner load balancer made as the real CCM makes it (annotations, environment, label, network,
 * targets, services) only once the CCM runs, its ingress IPs, and loses it with the Service.
 */
import { assertEquals } from "../assert.ts";
import { FAKE_CONTRACTS } from "../fake_contracts.ts";
import { FakeKubeStore, type KubeObj } from "../kube_fake/mod.ts";
import { startHcloudSimulator } from "../hcloud_sim/mod.ts";
import { call } from "../hcloud_sim/test_client.ts";
import { requires } from "../requirements.ts";
import { installFakeCni, startLocalCloud } from "./mod.ts";
import {
  CCM_USER_AGENT,
  LB_CLEANUP_FINALIZER,
  reconcileServiceLoadBalancers,
  SERVICE_UID_LABEL,
  type ServiceControllerState,
} from "./ccm_service_controller.ts";
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
    assertEquals(
      cloud.sim.requests.findLast((r) => r.method === "POST" && r.path === "/load_balancers")?.userAgent,
      "hcloud-cloud-controller/v1.33.0 hcloud-go/2.43.0",
      "hcloud-go's User-Agent with the CCM's application name and version",
    );
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

/** A Node as Talos's kubelet registers it on a Hetzner server. */
function node(name: string, server: number, labels: Record<string, string> = {}): KubeObj {
  return { apiVersion: "v1", kind: "Node", metadata: { name, labels }, spec: { providerID: `hcloud://${server}` } };
}

/**
 * The CCM's requests in order, IDs and the Service's uid folded, each run of polls of one action as one
 * line with its count (`GET /actions?… x16`).
 */
function foldedRequests(
  requests: ReadonlyArray<{ method: string; path: string; query: string; userAgent?: string }>,
  uid: string,
): string[] {
  const lines: string[] = [];
  let last = "";
  let count = 0;
  const flush = () => {
    if (count) lines.push(count > 1 ? `${last} x${count}` : last);
  };
  for (const r of requests.filter((q) => q.userAgent === CCM_USER_AGENT)) {
    const line = `${r.method} ${r.path.replace(/\/\d+(?=\/|$)/g, "/{id}")}${r.query}`
      .replace(/\bid=\d+/, "id={id}").replace(uid, "{uid}");
    if (line === last && line.startsWith("GET /actions?")) count++;
    else {
      flush();
      [last, count] = [line, 1];
    }
  }
  flush();
  return lines;
}

Deno.test("the CCM stand-in sends the real CCM's requests: start-up, create, attach, services, targets, each action polled every 500 ms after a first wait; a node change is an UpdateLoadBalancer, a label change nothing", async () => {
  // Speed 1 and a sleep that moves the simulator's clock: every poll lands on hcloud-go's 500 ms schedule.
  await using sim = await startHcloudSimulator({ speed: 1 });
  const net = (await call(sim.url, "POST", "/networks", {
    name: "n",
    ip_range: "10.0.0.0/16",
    subnets: [{ type: "cloud", ip_range: "10.0.0.0/24", network_zone: "eu-central" }],
  })).body.network.id;
  const servers: number[] = [];
  for (const name of ["cp-1", "w-1", "w-2"]) {
    servers.push(
      (await call(sim.url, "POST", "/servers", { name, server_type: "cx23", image: "debian-13", networks: [net] })).body
        .server.id,
    );
  }
  sim.advance(60_000);
  const store = new FakeKubeStore();
  store.put({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "hcloud", namespace: "kube-system" },
    data: { token: btoa("ccm-token"), network: btoa(String(net)) },
  });
  store.put({
    ...ccmDaemonSet([fromSecret("HCLOUD_TOKEN", "token"), fromSecret("HCLOUD_NETWORK", "network")]),
    status: { numberReady: 1 },
  });
  store.put(node("cp-1", servers[0]!, { "node.kubernetes.io/exclude-from-external-load-balancers": "" }));
  store.put(node("w-1", servers[1]!));
  const svc = ingressService();
  (svc.spec as { ports: Array<Record<string, unknown>> }).ports = [
    { name: "web", protocol: "TCP", port: 80, targetPort: 8000, nodePort: 30080 },
    { name: "websecure", protocol: "TCP", port: 443, targetPort: 8443, nodePort: 30443 },
  ];
  const uid = (store.create(store.typeOf("v1", "Service"), "default", svc).metadata as { uid: string }).uid;
  const sleeps: number[] = [];
  const sleep = (ms: number) => {
    sleeps.push(ms);
    sim.advance(ms);
    return Promise.resolve();
  };
  const state: ServiceControllerState = { services: new Map() };
  const pass = async () => {
    const before = sim.requests.length;
    await reconcileServiceLoadBalancers(store, sim.url, { sleep, state });
    return foldedRequests(sim.requests.slice(before), uid);
  };
  const poll = "GET /actions?id={id}&page=1&sort=status&sort=id";
  const act = (command: string) => `POST /load_balancers/{id}/actions/${command}`;

  // NewCloud, then EnsureLoadBalancer: create (8 s), attach (3 s), two services, one target (2 s each).
  assertEquals(await pass(), [
    "GET /networks/{id}",
    "GET /locations",
    `GET /load_balancers?label_selector=hcloud-ccm%2Fservice-uid%3D{uid}&page=1&per_page=50`,
    "GET /load_balancers?name=lb-ingress",
    "POST /load_balancers",
    `${poll} x16`,
    "GET /load_balancers/{id}",
    "GET /networks/{id}",
    act("attach_to_network"),
    `${poll} x6`,
    "GET /load_balancers/{id}",
    act("add_service"),
    `${poll} x4`,
    act("add_service"),
    `${poll} x4`,
    act("add_target"),
    `${poll} x4`,
    "GET /load_balancers/{id}",
  ]);
  assertEquals([...new Set(sleeps)], [500], "hcloud-go's constant poll backoff, slept before every poll");
  assertEquals(sleeps.length, 34);
  assertEquals((serviceOf(store)!.status as { loadBalancer: { ingress: unknown[] } }).loadBalancer.ingress.length, 2);

  // At rest, and after a change the service controller ignores (a label), nothing.
  assertEquals(await pass(), []);
  const labelled = structuredClone(serviceOf(store)!);
  (labelled.metadata as { labels?: Record<string, string> }).labels = { team: "web" };
  store.update(store.typeOf("v1", "Service"), "default", "ingress", labelled);
  assertEquals(await pass(), []);

  // A new Node (labelled exclude=false, which the controller reads as included): UpdateLoadBalancer, whose
  // services step updates every port, changed or not (update_service: the simulator's default 1.5 s).
  store.put(node("w-2", servers[2]!, { "node.kubernetes.io/exclude-from-external-load-balancers": "false" }));
  assertEquals(await pass(), [
    `GET /load_balancers?label_selector=hcloud-ccm%2Fservice-uid%3D{uid}&page=1&per_page=50`,
    act("add_target"),
    `${poll} x4`,
    act("update_service"),
    `${poll} x3`,
    act("update_service"),
    `${poll} x3`,
  ]);
  const [lb] = (await call(sim.url, "GET", `/load_balancers?label_selector=${SERVICE_UID_LABEL}%3D${uid}`)).body
    .load_balancers;
  assertEquals(lb.targets.map((t: { server: { id: number } }) => t.server.id), [servers[1], servers[2]]);
  assertEquals(lb.services.map((s: { destination_port: number }) => s.destination_port), [30080, 30443]);

  // Deleted: GetLoadBalancer, then EnsureLoadBalancerDeleted looks it up again and deletes it.
  store.delete(store.typeOf("v1", "Service"), "default", "ingress");
  assertEquals(await pass(), [
    `GET /load_balancers?label_selector=hcloud-ccm%2Fservice-uid%3D{uid}&page=1&per_page=50`,
    `GET /load_balancers?label_selector=hcloud-ccm%2Fservice-uid%3D{uid}&page=1&per_page=50`,
    "DELETE /load_balancers/{id}",
  ]);
  assertEquals(serviceOf(store), undefined);
});
