/**
 * The local cloud end to end with the project's real clients: a Talos server comes alive at its public
 * IPv4, takes a control-plane config rendered by src/talos, bootstraps, hands out a kubeconfig that
 * reaches the fake Kubernetes API through the load balancer; a worker joins; power cycles keep state;
 * deletion and close() leave nothing listening.
 */
import { assertEquals, assertMatch, assertRejects } from "../assert.ts";
import { createKubeClient } from "../../src/kube/mod.ts";
import { createMaintenanceClient, createTalosClient } from "../../src/talos/api_client.ts";
import { type ClusterConfigInput, renderNodeConfigYaml } from "../../src/talos/machine_config.ts";
import { generateSecretsBundle } from "../../src/talos/secrets_bundle.ts";
import { generateTalosconfig, parseTalosconfig } from "../../src/talos/talosconfig.ts";
import { parseCertificate } from "../../src/talos/pki.ts";
import tls from "node:tls";
import { parse } from "yaml";
import { type LocalCloud, LOCK_PORT, startLocalCloud } from "./mod.ts";
import { createClusterServer, hcloud, isRefused, waitFor, waitForAction } from "./test_helpers.ts";
import { withFakes } from "../fake_contracts.ts";

const CLUSTER = "demo";
const CP_SELECTOR = `k8zner.io/cluster=${CLUSTER},k8zner.io/role=control-plane`;

/** The second octet of the cloud's loopback block. */
function cloudBlock(cloud: LocalCloud): number {
  return Number(cloud.publicIpv4Ranges.server[0]!.split(".")[1]);
}

function createServer(url: string, name: string, image: number, network: number, role: string) {
  return createClusterServer(url, { name, cluster: CLUSTER, role, image, network });
}

Deno.test(withFakes(
  "a Talos server boots at its loopback IPv4, bootstraps, and its kubeconfig reaches the API through the load balancer",
  async () => {
    const log: string[] = [];
    await using cloud = await startLocalCloud({ speed: 1000, onLog: (line) => log.push(line) });
    const url = cloud.hcloudUrl;
    const snapshot = cloud.sim.addSnapshot({
      description: "talos",
      labels: { os: "talos", "talos-version": "v1.13.9" },
    });
    const network = (await hcloud(url, "POST", "/networks", {
      name: CLUSTER,
      ip_range: "10.0.0.0/16",
      subnets: [{ type: "cloud", ip_range: "10.0.1.0/24", network_zone: "eu-central" }],
    })).body.network.id as number;
    const lbRes = await hcloud(url, "POST", "/load_balancers", {
      name: `${CLUSTER}-kube`,
      load_balancer_type: "lb11",
      location: "nbg1",
      network,
      services: [{ protocol: "tcp", listen_port: 6443, destination_port: 6443 }],
      targets: [{ type: "label_selector", label_selector: { selector: CP_SELECTOR }, use_private_ip: true }],
    });
    const lbId = lbRes.body.load_balancer.id as number;
    const lbIp = lbRes.body.load_balancer.public_net.ipv4.ip as string;
    assertMatch(lbIp, /^127\.\d+\.200\.\d+$/);
    assertEquals(lbIp.split(".")[1], String(cloudBlock(cloud)));

    const cp = await createServer(url, `${CLUSTER}-cp-1`, snapshot.id, network, "control-plane");
    assertMatch(cp.ip, /^127\.\d+\.[1-9]\.\d+$/);
    assertEquals(cp.ip.split(".")[1], String(cloudBlock(cloud)));
    const node = await waitFor(
      "the control plane's Talos API",
      () => cloud.talosNodes.get(cp.id)?.state.mode === "maintenance" && cloud.talosNodes.get(cp.id),
    );
    assertEquals(node.hostname, cp.ip);

    const maintenance = createMaintenanceClient({ endpoint: cp.ip });
    try {
      assertEquals((await maintenance.version())[0]?.version?.tag, "v1.13.9");
    } finally {
      await maintenance.close();
    }
    // The private network lives on a loopback /16 of its own; the node answers at its translated private IP.
    const map = cloud.privateAddressMap(network);
    assertMatch(map, /^10\.0\.0\.0\/16=127\.\d+\.0\.0\/16$/);
    const privateBlock = map.split("=")[1]!.split(".")[1];
    assertEquals(privateBlock === String(cloudBlock(cloud)), false, "the private block is not the public one");
    const translated = cloud.privateLoopbackOf(network, cp.privateIp);
    assertEquals(translated, `127.${privateBlock}.${cp.privateIp.split(".").slice(2).join(".")}`);
    const overPrivate = createMaintenanceClient({ endpoint: translated });
    try {
      assertEquals((await overPrivate.version())[0]?.version?.tag, "v1.13.9");
    } finally {
      await overPrivate.close();
    }

    // Before bootstrap the Talos API answers the LB's health check but no Kubernetes API does.
    assertEquals(
      (await hcloud(url, "GET", `/load_balancers/${lbId}`)).body.load_balancer.targets[0].targets[0].health_status,
      [{ listen_port: 6443, status: "unhealthy" }],
    );

    const now = new Date();
    const secrets = await generateSecretsBundle({ now });
    const input: ClusterConfigInput = {
      clusterName: CLUSTER,
      endpoint: `https://${lbIp}:6443`,
      talosVersion: "v1.13.9",
      kubernetesVersion: "1.34.2",
      network: { nodeCidr: "10.0.1.0/24", podCidr: "10.244.0.0/16", serviceCidr: "10.96.0.0/12" },
      certSans: [lbIp],
    };
    const cpConfig = renderNodeConfigYaml(secrets, input, {
      hostname: `${CLUSTER}-cp-1`,
      serverId: cp.id,
      privateIp: cp.privateIp,
      role: "controlplane",
    });
    const apply = createMaintenanceClient({ endpoint: cp.ip });
    try {
      await apply.applyConfiguration(cpConfig, { mode: "AUTO" });
    } finally {
      await apply.close();
    }

    const creds = parseTalosconfig(
      await generateTalosconfig(secrets, { clusterName: CLUSTER, endpoints: [cp.ip], now }),
    );
    const talos = createTalosClient({
      endpoint: cp.ip,
      caPem: creds.caPem,
      certPem: creds.certPem,
      keyPem: creds.keyPem,
    });
    try {
      await waitFor("the configured Talos API", async () => (await talos.version()).length === 1);
      await talos.bootstrap();
      await waitFor("the Kubernetes API on the load balancer", () => cloud.kubeApis.get(lbId));
      // Configured, its certificate covers the private IP's loopback stand-in: a verifying client (the
      // operator, through its address map) reaches it there.
      const overPrivate = createTalosClient({ ...creds, endpoint: cloud.privateLoopbackOf(network, cp.privateIp) });
      try {
        assertEquals((await overPrivate.version())[0]?.version?.tag, "v1.13.9");
      } finally {
        await overPrivate.close();
      }

      const kubeconfigYaml = await talos.kubeconfig();
      const kubeconfig = parse(kubeconfigYaml);
      assertEquals(kubeconfig.clusters[0].cluster.server, `https://${lbIp}:6443`);
      const clientCert = parseCertificate(atob(kubeconfig.users[0].user["client-certificate-data"]));
      assertEquals(clientCert.organizations, ["system:masters"]);

      const kube = await createKubeClient({ kubeconfigYaml });
      try {
        assertEquals((await kube.waitForApi({ timeoutMs: 3_000, intervalMs: 20 })).gitVersion, "v1.34.2");
        await kube.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "hello", namespace: "default" } });
        assertEquals((await kube.get("v1", "ConfigMap", "hello", "default"))?.metadata?.name, "hello");
      } finally {
        kube.close();
      }

      // The API's certificate chains to the cluster CA only: a kubeconfig trusting another CA fails.
      const wrongCa = kubeconfigYaml.replace(
        kubeconfig.clusters[0].cluster["certificate-authority-data"],
        btoa(secrets.certs.os.certPem),
      );
      const distrustful = await createKubeClient({ kubeconfigYaml: wrongCa });
      try {
        await assertRejects(() => distrustful.waitForApi({ timeoutMs: 300, intervalMs: 50 }));
      } finally {
        distrustful.close();
      }

      const health = (await hcloud(url, "GET", `/load_balancers/${lbId}`)).body.load_balancer.targets[0].targets[0];
      assertEquals(health.health_status, [{ listen_port: 6443, status: "healthy" }]);

      // The control plane's own API server answers at its public IPv4 (no firewall applied here), with
      // exactly the SANs Talos would give it.
      const direct = await createKubeClient({
        kubeconfigYaml: kubeconfigYaml.replace(`https://${lbIp}:6443`, `https://${cp.ip}:6443`),
      });
      try {
        assertEquals((await direct.get("v1", "ConfigMap", "hello", "default"))?.metadata?.name, "hello");
      } finally {
        direct.close();
      }
      assertEquals(
        await servedSans(cp.ip, 6443),
        [
          `DNS:${CLUSTER}-cp-1`,
          "DNS:kubernetes",
          "DNS:kubernetes.default",
          "DNS:kubernetes.default.svc",
          "DNS:kubernetes.default.svc.cluster.local",
          "DNS:localhost",
          `IP Address:${cp.ip}`,
          `IP Address:${cp.privateIp}`,
          `IP Address:${cloud.privateLoopbackOf(network, cp.privateIp)}`,
          `IP Address:${lbIp}`,
          "IP Address:10.96.0.1",
        ].sort(),
      );

      // A worker carries only the OS CA certificate; it gets its API certificate on the same network.
      const worker = await createServer(url, `${CLUSTER}-w-1`, snapshot.id, network, "worker");
      await waitFor("the worker's Talos API", () => cloud.talosNodes.get(worker.id)?.state.mode === "maintenance");
      const workerApply = createMaintenanceClient({ endpoint: worker.ip });
      try {
        await workerApply.applyConfiguration(
          renderNodeConfigYaml(secrets, input, {
            hostname: `${CLUSTER}-w-1`,
            serverId: worker.id,
            privateIp: worker.privateIp,
            role: "worker",
          }),
          { mode: "AUTO" },
        );
      } finally {
        await workerApply.close();
      }
      const workerTalos = createTalosClient({ endpoint: worker.ip, ...creds });
      try {
        await waitFor("the worker's configured Talos API", async () => (await workerTalos.version()).length === 1);
      } finally {
        await workerTalos.close();
      }

      // Power off and on: the node keeps its config and etcd membership; the API comes back.
      await waitForAction(url, (await hcloud(url, "POST", `/servers/${cp.id}/actions/poweroff`)).body.action.id);
      await waitFor("the control plane's Talos API to stop", async () => await isRefused(cp.ip, 50000));
      await waitFor("the Kubernetes API to stop without a ready target", () => !cloud.kubeApis.has(lbId));
      await waitForAction(url, (await hcloud(url, "POST", `/servers/${cp.id}/actions/poweron`)).body.action.id);
      await waitFor("the configured Talos API after power-on", async () => (await talos.version()).length === 1);
      assertEquals(node.state.mode, "configured");
      // A reboot through the API takes the Talos API down briefly and keeps the config.
      const reboots = node.state.rebootCount;
      await waitForAction(url, (await hcloud(url, "POST", `/servers/${cp.id}/actions/reboot`)).body.action.id);
      await waitFor("the reboot", () => node.state.rebootCount === reboots + 1);
      await waitFor("the configured Talos API after the reboot", async () => (await talos.version()).length === 1);
      assertEquals(node.state.mode, "configured");
      const members = await talos.etcdMemberList();
      assertEquals(members[0]?.members.length, 1);
      const kubeAgain = await createKubeClient({ kubeconfigYaml });
      try {
        await kubeAgain.waitForApi({ timeoutMs: 3_000, intervalMs: 20 });
        assertEquals((await kubeAgain.get("v1", "ConfigMap", "hello", "default"))?.metadata?.name, "hello");
      } finally {
        kubeAgain.close();
      }
    } finally {
      await talos.close();
    }

    // Deleting the server closes its node.
    await waitForAction(url, (await hcloud(url, "DELETE", `/servers/${cp.id}`)).body.action.id);
    await waitFor("the node to go with its server", () => !cloud.talosNodes.has(cp.id));
    assertEquals(await isRefused(cp.ip, 50000), true);
    assertEquals(cloud.errors.map((e) => e.message), []);
    assertEquals(log.filter((l) => l.startsWith("server ")).slice(0, 2), [
      `server ${CLUSTER}-cp-1: Talos v1.13.9 API at ${cp.ip}:50000 (maintenance)`,
      `server ${CLUSTER}-cp-1: Kubernetes API at ${cp.ip}:6443`,
    ]);
  },
));

/** The SANs of the certificate served at `host:port`, sorted (`DNS:name`, `IP Address:ip`). */
async function servedSans(host: string, port: number): Promise<string[]> {
  const socket = tls.connect({ host, port, rejectUnauthorized: false, servername: undefined });
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once("secureConnect", () => resolve());
      socket.once("error", reject);
    });
    return (socket.getPeerCertificate().subjectaltname ?? "").split(", ").sort();
  } finally {
    socket.destroy();
  }
}

Deno.test(
  withFakes(
    "startLocalCloud() serves the caller IP and Cloudflare, and close() leaves no listener behind",
    async () => {
      const cloud = await startLocalCloud({ speed: 1000 });
      const echo = await fetch(cloud.ipEchoUrl);
      assertEquals([echo.status, await echo.text()], [200, "203.0.113.10\n"]);
      assertEquals(cloud.callerIp, "203.0.113.10");
      const zone = cloud.cloudflare.addZone("example.com");
      cloud.cloudflare.addRecord(zone.id, { type: "A", name: "argo.example.com", content: "127.0.200.1" });
      const records = await fetch(`${cloud.cloudflareUrl}/zones/${zone.id}/dns_records`, {
        headers: { Authorization: `Bearer ${cloud.cloudflareToken}` },
      });
      assertEquals((await records.json()).result.map((r: { name: string }) => r.name), ["argo.example.com"]);
      const snapshot = cloud.sim.addSnapshot({ description: "talos", labels: { os: "talos" } });
      const { body } = await hcloud(cloud.hcloudUrl, "POST", "/servers", {
        name: "lone",
        server_type: "cx23",
        image: snapshot.id,
      });
      const ip = body.server.public_net.ipv4.ip as string;
      await waitFor("the Talos API", () => cloud.talosNodes.get(body.server.id)?.state.mode === "maintenance");
      assertEquals(await isRefused(ip, 50000), false);

      await cloud.close();
      const hcloudPort = Number(new URL(cloud.hcloudUrl).port);
      const echoPort = Number(new URL(cloud.ipEchoUrl).port);
      const cloudflarePort = Number(new URL(cloud.cloudflareUrl).port);
      assertEquals(
        [
          await isRefused("127.0.0.1", hcloudPort),
          await isRefused("127.0.0.1", echoPort),
          await isRefused("127.0.0.1", cloudflarePort),
          await isRefused(ip, 50000),
        ],
        [true, true, true, true],
      );
      await assertRejects(() => fetch(cloud.ipEchoUrl));
    },
  ),
);

Deno.test(
  withFakes(
    "two local clouds at once take different loopback blocks, and a closed cloud's block is reused",
    async () => {
      const first = await startLocalCloud({ speed: 1000, rescueSsh: false });
      let firstClosed = false;
      try {
        await using second = await startLocalCloud({ speed: 1000, rescueSsh: false });
        const [a, b] = [cloudBlock(first), cloudBlock(second)];
        assertEquals(a === b, false);
        const image = (cloud: LocalCloud) =>
          cloud.sim.addSnapshot({ description: "talos", labels: { os: "talos" } }).id;
        const ipOf = async (cloud: LocalCloud) =>
          (await hcloud(cloud.hcloudUrl, "POST", "/servers", { name: "s", server_type: "cx23", image: image(cloud) }))
            .body.server.public_net.ipv4.ip as string;
        assertEquals([await ipOf(first), await ipOf(second)], [`127.${a}.1.1`, `127.${b}.1.1`]);
        // Private networks (two per cloud here, same range) each get a loopback /16 no one else holds.
        const networkOf = async (cloud: LocalCloud, name: string) =>
          (await hcloud(cloud.hcloudUrl, "POST", "/networks", { name, ip_range: "10.0.0.0/16" })).body.network
            .id as number;
        const maps = [
          first.privateAddressMap(await networkOf(first, "n1")),
          first.privateAddressMap(await networkOf(first, "n2")),
          second.privateAddressMap(await networkOf(second, "n1")),
        ];
        const privateBlocks = maps.map((m) => Number(m.split("=127.")[1]!.split(".")[0]));
        assertEquals(maps.map((m) => m.split("=")[0]), ["10.0.0.0/16", "10.0.0.0/16", "10.0.0.0/16"]);
        assertEquals(new Set([a, b, ...privateBlocks]).size, 5, `blocks ${a}, ${b}, ${privateBlocks}`);
        await first.close();
        firstClosed = true;
        await using third = await startLocalCloud({ speed: 1000, rescueSsh: false });
        // The first free block is taken: `a`, unless a local cloud of a test file running alongside took it
        // first; then that one holds it now (its lock port is bound), which shows the release as well.
        if (cloudBlock(third) !== a) {
          assertEquals(blockHeld(a), true, `block ${a} was released but is neither reused by the third cloud nor held`);
        }
        assertEquals(cloudBlock(third) === b, false);
      } finally {
        if (!firstClosed) await first.close();
      }
    },
  ),
);

Deno.test(withFakes("startLocalCloud() passes random faults to the simulator, seeded", async () => {
  await using cloud = await startLocalCloud({ speed: 1000, rescueSsh: false, faults: { rate: 1, kinds: ["503"] } });
  const res = await fetch(`${cloud.hcloudUrl}/servers`, { headers: { Authorization: "Bearer t" } });
  await res.body?.cancel();
  assertEquals(res.status, 503);
  assertEquals(cloud.sim.faults.injected.map((f) => [f.kind, f.source]), [["503", "random"]]);
}));

/** Whether some local cloud (in any process) holds block `b`: its lock port cannot be bound. */
function blockHeld(b: number): boolean {
  try {
    Deno.listen({ hostname: `127.${b}.0.1`, port: LOCK_PORT }).close();
    return false;
  } catch (err) {
    if (err instanceof Deno.errors.AddrInUse) return true;
    throw err;
  }
}
