/**
 * The kubelet stand-in with the project's real clients and the real kubectl: a control plane and a
 * worker join a cluster, register Nodes NotReady until the fake CNI runs on them, turn Ready, and the
 * worker's Node goes Unknown (NotReady) when its server is powered off or deleted.
 */
import { assertEquals, assertIncludes, assertMatch, assertOk } from "../assert.ts";
import { createMaintenanceClient, createTalosClient } from "../../src/talos/api_client.ts";
import { type ClusterConfigInput, renderNodeConfigYaml } from "../../src/talos/machine_config.ts";
import { generateSecretsBundle, type SecretsBundle } from "../../src/talos/secrets_bundle.ts";
import { generateTalosconfig, parseTalosconfig } from "../../src/talos/talosconfig.ts";
import { kubectlRequirement, runKubectl } from "../kube_fake/kubectl_binary.ts";
import type { FakeKubeStore, KubeObj } from "../kube_fake/mod.ts";
import { requires } from "../requirements.ts";
import { validateBuiltinObject } from "../kube_fake/openapi_validation.ts";
import { installFakeCni, type LocalCloud, startLocalCloud } from "./mod.ts";
import { NETWORK_NOT_READY_MESSAGE, NODE_STATUS_UNKNOWN_MESSAGE } from "./node_status.ts";
import { createClusterServer, hcloud, waitFor, waitForAction } from "./test_helpers.ts";
import { FAKE_CONTRACTS } from "../fake_contracts.ts";

const KUBECTL = await kubectlRequirement();
const CLUSTER = "kl";
const CP_SELECTOR = `k8zner.io/cluster=${CLUSTER},k8zner.io/role=control-plane`;

type Condition = { type: string; status: string; reason: string; message: string };
type Server = { id: number; ip: string; privateIp: string };

function ready(node: KubeObj | undefined): Condition | undefined {
  return ((node?.status as { conditions?: Condition[] } | undefined)?.conditions ?? []).find((c) => c.type === "Ready");
}

function createServer(url: string, name: string, image: number, network: number, role: string) {
  return createClusterServer(url, { name, cluster: CLUSTER, role, image, network });
}

async function join(
  cloud: LocalCloud,
  secrets: SecretsBundle,
  input: ClusterConfigInput,
  server: Server,
  name: string,
  role: "controlplane" | "worker",
) {
  await waitFor(`${name}'s Talos API`, () => cloud.talosNodes.get(server.id)?.state.mode === "maintenance");
  const client = createMaintenanceClient({ endpoint: server.ip });
  try {
    const config = renderNodeConfigYaml(secrets, input, {
      hostname: name,
      serverId: server.id,
      privateIp: server.privateIp,
      role,
    });
    await client.applyConfiguration(config, { mode: "AUTO" });
  } finally {
    await client.close();
  }
  await waitFor(`${name} configured`, () => cloud.talosNodes.get(server.id)?.state.mode === "configured");
}

/** A bootstrapped control plane and a joined worker; returns the cluster's store and an admin kubeconfig. */
async function cluster(cloud: LocalCloud) {
  const url = cloud.hcloudUrl;
  const snapshot = cloud.sim.addSnapshot({ description: "talos", labels: { os: "talos", "talos-version": "v1.13.9" } });
  const network = (await hcloud(url, "POST", "/networks", {
    name: CLUSTER,
    ip_range: "10.0.0.0/16",
    subnets: [{ type: "cloud", ip_range: "10.0.1.0/24", network_zone: "eu-central" }],
  })).body.network.id as number;
  const lb = (await hcloud(url, "POST", "/load_balancers", {
    name: `${CLUSTER}-kube`,
    load_balancer_type: "lb11",
    location: "nbg1",
    network,
    services: [{ protocol: "tcp", listen_port: 6443, destination_port: 6443 }],
    targets: [{ type: "label_selector", label_selector: { selector: CP_SELECTOR }, use_private_ip: true }],
  })).body.load_balancer;
  const now = new Date();
  const secrets = await generateSecretsBundle({ now });
  const input: ClusterConfigInput = {
    clusterName: CLUSTER,
    endpoint: `https://${lb.public_net.ipv4.ip}:6443`,
    talosVersion: "v1.13.9",
    kubernetesVersion: "1.35.0",
    network: { nodeCidr: "10.0.1.0/24", podCidr: "10.244.0.0/16", serviceCidr: "10.96.0.0/12" },
    certSans: [lb.public_net.ipv4.ip],
  };
  const cp = await createServer(url, `${CLUSTER}-cp-1`, snapshot.id, network, "control-plane");
  await join(cloud, secrets, input, cp, `${CLUSTER}-cp-1`, "controlplane");
  const creds = parseTalosconfig(await generateTalosconfig(secrets, { clusterName: CLUSTER, endpoints: [cp.ip], now }));
  const talos = createTalosClient({ endpoint: cp.ip, ...creds });
  let kubeconfig: string;
  try {
    await waitFor("the configured Talos API", async () => (await talos.version()).length === 1);
    await talos.bootstrap();
    await waitFor("the Kubernetes API", () => cloud.kubeApis.get(lb.id as number));
    kubeconfig = await talos.kubeconfig();
  } finally {
    await talos.close();
  }
  const worker = await createServer(url, `${CLUSTER}-w-1`, snapshot.id, network, "worker");
  await join(cloud, secrets, input, worker, `${CLUSTER}-w-1`, "worker");
  const store = cloud.kubeApiServers.get(cp.id)!.store;
  return { url, cp, worker, store, kubeconfig };
}

function kubectl(kubeconfig: string, dir: string, ...args: string[]) {
  return runKubectl(KUBECTL.path, kubeconfig, dir, ...args);
}

/** `NAME STATUS ROLES` of `kubectl get nodes` (AGE and VERSION checked apart). */
function nodeRows(stdout: string): string[] {
  return stdout.trim().split("\n").map((line) => line.split(/\s+/).slice(0, 3).join(" "));
}

const node = (store: FakeKubeStore, name: string) => store.getObject("v1", "Node", name);

/** What the stand-ins wrote is what a real API server would accept (v1.35 OpenAPI, strict). */
function assertValidObjects(store: FakeKubeStore): void {
  const kinds: Array<[string, string]> = [
    ["v1", "Node"],
    ["v1", "Pod"],
    ["v1", "Namespace"],
    ["apps/v1", "DaemonSet"],
    ["coordination.k8s.io/v1", "Lease"],
  ];
  let checked = 0;
  for (const [apiVersion, kind] of kinds) {
    for (const obj of store.listObjects(apiVersion, kind)) {
      validateBuiltinObject(store.typeOf(apiVersion, kind), obj, "Strict");
      checked++;
    }
  }
  assertOk(checked >= 8, `only ${checked} objects checked`);
}

Deno.test(requires([KUBECTL, ...FAKE_CONTRACTS], {
  name: "kubelets register Nodes NotReady without a CNI, Ready with one, and Unknown once the server is off or gone",
  fn: async () => {
    await using cloud = await startLocalCloud({ speed: 200, rescueSsh: false });
    const dir = await Deno.makeTempDir();
    try {
      const { url, cp, worker, store, kubeconfig } = await cluster(cloud);
      const cpNode = await waitFor("the control plane's Node", () => node(store, `${CLUSTER}-cp-1`));
      await waitFor("the worker's Node", () => node(store, `${CLUSTER}-w-1`));

      // Registered as Talos's kubelet registers: labels, taints, provider ID from --provider-id, InternalIP.
      const labels = (cpNode.metadata as { labels: Record<string, string> }).labels;
      assertEquals(labels["kubernetes.io/hostname"], `${CLUSTER}-cp-1`);
      assertEquals(labels["node-role.kubernetes.io/control-plane"], "");
      assertEquals([labels["kubernetes.io/os"], labels["kubernetes.io/arch"]], ["linux", "amd64"]);
      const spec = node(store, `${CLUSTER}-cp-1`)!.spec as { providerID: string; taints: Array<{ key: string }> };
      assertEquals(spec.providerID, `hcloud://${cp.id}`);
      const taintKeys = spec.taints.map((t) => t.key);
      for (const key of ["node-role.kubernetes.io/control-plane", "node.cloudprovider.kubernetes.io/uninitialized"]) {
        assertOk(taintKeys.includes(key), `${key} in ${taintKeys}`);
      }
      assertOk(taintKeys.includes("node.kubernetes.io/not-ready"), "the node controller taints a NotReady node");
      const status = cpNode.status as {
        addresses: Array<{ type: string; address: string }>;
        nodeInfo: Record<string, string>;
      };
      assertEquals(status.addresses, [
        { type: "InternalIP", address: cp.privateIp },
        { type: "Hostname", address: `${CLUSTER}-cp-1` },
      ]);
      assertEquals(status.nodeInfo.kubeletVersion, "v1.35.0");
      const notReady = ready(cpNode)!;
      assertEquals([notReady.status, notReady.reason, notReady.message], [
        "False",
        "KubeletNotReady",
        NETWORK_NOT_READY_MESSAGE,
      ]);
      assertEquals(
        (node(store, `${CLUSTER}-w-1`)!.metadata as { labels: Record<string, string> }).labels[
          "node-role.kubernetes.io/control-plane"
        ],
        undefined,
      );
      const lease = await waitFor(
        "the node lease",
        () => store.getObject("coordination.k8s.io/v1", "Lease", `${CLUSTER}-cp-1`, "kube-node-lease"),
      );
      assertMatch(String((lease.spec as { renewTime: string }).renewTime), /\.\d{6}Z$/);

      // A pod that needs pod networking waits for the CNI; a real kubectl sees both nodes NotReady.
      store.put({
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "web", namespace: "default" },
        spec: { nodeName: `${CLUSTER}-w-1`, containers: [{ name: "web", image: "nginx" }] },
      });
      const before = await kubectl(kubeconfig, dir, "get", "nodes");
      assertEquals(before.code, 0, before.stderr);
      assertEquals(nodeRows(before.stdout), [
        "NAME STATUS ROLES",
        `${CLUSTER}-cp-1 NotReady control-plane`,
        `${CLUSTER}-w-1 NotReady <none>`,
      ]);
      assertMatch(before.stdout.split("\n")[0]!, /^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION$/);
      assertMatch(before.stdout.split("\n")[1]!, /\s+v1\.35\.0$/);
      assertEquals((store.getObject("v1", "Pod", "web", "default")!.status as { phase?: string })?.phase, undefined);

      assertEquals(installFakeCni(store).length, 2);
      await waitFor("both Nodes Ready", () =>
        ready(node(store, `${CLUSTER}-cp-1`))?.status === "True" &&
        ready(node(store, `${CLUSTER}-w-1`))?.status === "True");
      const web = await waitFor("the web pod running", () => {
        const pod = store.getObject("v1", "Pod", "web", "default")!;
        return (pod.status as { phase?: string })?.phase === "Running" && pod;
      });
      assertEquals((web.status as { hostIP: string }).hostIP, worker.privateIp);
      const ds = await waitFor("the DaemonSet counting its ready pods", () => {
        const d = store.getObject("apps/v1", "DaemonSet", "cilium", "kube-system")!;
        return (d.status as { numberReady?: number }).numberReady === 2 && d;
      });
      assertEquals((ds.status as { desiredNumberScheduled: number }).desiredNumberScheduled, 2);
      const readyTaints = (node(store, `${CLUSTER}-w-1`)!.spec as { taints?: Array<{ key: string }> }).taints ?? [];
      assertEquals(readyTaints.some((t) => t.key.startsWith("node.kubernetes.io/")), false);
      // The kubelet reports unchanged status every 5 min (1.5 s here): the heartbeat moves, the transition not.
      const readyAt = ready(node(store, `${CLUSTER}-w-1`)) as Condition & Record<string, string>;
      const beat = await waitFor("a status heartbeat", () => {
        const c = ready(node(store, `${CLUSTER}-w-1`)) as Condition & Record<string, string>;
        return c.lastHeartbeatTime !== readyAt.lastHeartbeatTime && c;
      });
      assertEquals([beat.status, beat.lastTransitionTime], ["True", readyAt.lastTransitionTime]);
      const after = await kubectl(kubeconfig, dir, "get", "nodes");
      assertEquals(nodeRows(after.stdout).slice(1), [
        `${CLUSTER}-cp-1 Ready control-plane`,
        `${CLUSTER}-w-1 Ready <none>`,
      ]);

      // Powered off: the lease stops, and after the grace period the node controller says Unknown.
      await waitForAction(url, (await hcloud(url, "POST", `/servers/${worker.id}/actions/poweroff`)).body.action.id);
      const off = await waitFor("the worker's Node Unknown", () => {
        const c = ready(node(store, `${CLUSTER}-w-1`));
        return c?.status === "Unknown" && c;
      });
      assertEquals([off.reason, off.message], ["NodeStatusUnknown", NODE_STATUS_UNKNOWN_MESSAGE]);
      assertEquals(ready(node(store, `${CLUSTER}-cp-1`))?.status, "True");
      const unreachable = (node(store, `${CLUSTER}-w-1`)!.spec as { taints: Array<{ key: string; effect: string }> })
        .taints.filter((t) => t.key === "node.kubernetes.io/unreachable").map((t) => t.effect).sort();
      assertEquals(unreachable, ["NoExecute", "NoSchedule"]);
      const webOff = store.getObject("v1", "Pod", "web", "default")!;
      const podReady = (webOff.status as { conditions: Condition[] }).conditions.find((c) => c.type === "Ready");
      assertEquals(podReady?.status, "False");
      assertValidObjects(store);
      const offRows = await kubectl(kubeconfig, dir, "get", "nodes");
      assertEquals(nodeRows(offRows.stdout).slice(1), [
        `${CLUSTER}-cp-1 Ready control-plane`,
        `${CLUSTER}-w-1 NotReady <none>`,
      ]);

      // Powered on again: the kubelet posts Ready and runs its pods again.
      await waitForAction(url, (await hcloud(url, "POST", `/servers/${worker.id}/actions/poweron`)).body.action.id);
      await waitFor("the worker's Node Ready again", () => ready(node(store, `${CLUSTER}-w-1`))?.status === "True");

      // Deleted: Unknown, and the Node stays (only a cloud controller manager would delete it).
      await waitForAction(url, (await hcloud(url, "DELETE", `/servers/${worker.id}`)).body.action.id);
      await waitFor(
        "the deleted worker's Node Unknown",
        () => ready(node(store, `${CLUSTER}-w-1`))?.status === "Unknown",
      );
      assertOk(node(store, `${CLUSTER}-w-1`), "the Node object stays without a CCM");
      assertIncludes((await kubectl(kubeconfig, dir, "get", "nodes")).stdout, "NotReady");
      assertEquals(cloud.errors.map((e) => e.message), []);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
}));

Deno.test(requires(FAKE_CONTRACTS, {
  name:
    "with the hcloud CCM installed, Nodes get ExternalIP and cloud labels, a shutdown taint when off, and go with their server",
  fn: async () => {
    await using cloud = await startLocalCloud({ speed: 200, rescueSsh: false });
    const { url, cp, worker, store } = await cluster(cloud);
    await waitFor("both Nodes", () => node(store, `${CLUSTER}-cp-1`) && node(store, `${CLUSTER}-w-1`));
    const taintKeys = (name: string) =>
      ((node(store, name)?.spec as { taints?: Array<{ key: string }> })?.taints ?? []).map((t) => t.key);
    assertOk(taintKeys(`${CLUSTER}-w-1`).includes("node.cloudprovider.kubernetes.io/uninitialized"));
    installFakeCni(store);
    store.put({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "hcloud-cloud-controller-manager", namespace: "kube-system" },
      spec: {
        selector: { matchLabels: { app: "hcloud-cloud-controller-manager" } },
        template: {
          metadata: { labels: { app: "hcloud-cloud-controller-manager" } },
          spec: {
            // The chart's tolerations: the CCM must run on nodes it has not initialized yet.
            tolerations: [
              { key: "node.cloudprovider.kubernetes.io/uninitialized", value: "true", effect: "NoSchedule" },
              { key: "CriticalAddonsOnly", operator: "Exists" },
              { key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule", operator: "Exists" },
            ],
            containers: [{
              name: "hcloud-cloud-controller-manager",
              image: "hetznercloud/hcloud-cloud-controller-manager",
            }],
          },
        },
      },
    });
    await waitFor(
      "the CCM to initialize the control plane",
      () => !taintKeys(`${CLUSTER}-cp-1`).includes("node.cloudprovider.kubernetes.io/uninitialized"),
    );
    const cpNode = node(store, `${CLUSTER}-cp-1`)!;
    assertEquals((cpNode.status as { addresses: unknown[] }).addresses, [
      { type: "InternalIP", address: cp.privateIp },
      { type: "ExternalIP", address: cp.ip },
      { type: "Hostname", address: `${CLUSTER}-cp-1` },
    ]);
    const labels = (cpNode.metadata as { labels: Record<string, string> }).labels;
    assertEquals([labels["node.kubernetes.io/instance-type"], labels["topology.kubernetes.io/region"]], [
      "cx23",
      "nbg1",
    ]);
    await waitFor("the worker Ready", () => ready(node(store, `${CLUSTER}-w-1`))?.status === "True");

    await waitForAction(url, (await hcloud(url, "POST", `/servers/${worker.id}/actions/poweroff`)).body.action.id);
    await waitFor(
      "the shutdown taint",
      () => taintKeys(`${CLUSTER}-w-1`).includes("node.cloudprovider.kubernetes.io/shutdown"),
    );
    await waitForAction(url, (await hcloud(url, "DELETE", `/servers/${worker.id}`)).body.action.id);
    await waitFor("the worker's Node deleted", () => node(store, `${CLUSTER}-w-1`) === undefined);
    await waitFor(
      "its CNI pod collected",
      () =>
        !store.listObjects("v1", "Pod", "kube-system").some((p) =>
          (p.spec as { nodeName?: string }).nodeName === `${CLUSTER}-w-1`
        ),
    );
    assertEquals(ready(node(store, `${CLUSTER}-cp-1`))?.status, "True");
    assertEquals(cloud.errors.map((e) => e.message), []);
  },
}));
