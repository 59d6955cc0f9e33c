/**
 * A small real cluster in a local cloud for tests: a network, a load balancer for 6443, control planes
 * that take configs rendered by src/talos (the first bootstrapped, the others joining), with the
 * project's own Talos client. Returns what tests need to reach it.
 *
 * @module
 */
import { createMaintenanceClient, createTalosClient } from "../../src/talos/api_client.ts";
import { type ClusterConfigInput, renderNodeConfigYaml } from "../../src/talos/machine_config.ts";
import { generateSecretsBundle, type SecretsBundle } from "../../src/talos/secrets_bundle.ts";
import { generateTalosconfig, parseTalosconfig } from "../../src/talos/talosconfig.ts";
import type { FakeKubeStore } from "../kube_fake/mod.ts";
import type { LocalCloud } from "./mod.ts";
import { createClusterServer, hcloud, waitFor } from "./test_helpers.ts";

/** A server of the test cluster. */
export interface TestServer {
  id: number;
  name: string;
  ip: string;
  privateIp: string;
}

/** What {@link startTestCluster} made. */
export interface TestCluster {
  network: number;
  lbId: number;
  controlPlanes: TestServer[];
  secrets: SecretsBundle;
  input: ClusterConfigInput;
  /** The cluster's store (etcd), shared by its API servers. */
  store: FakeKubeStore;
  /** The admin kubeconfig Talos hands out (client certificate, `system:masters`). */
  kubeconfig: string;
  /** talosconfig credentials for createTalosClient. */
  talosCredentials: ReturnType<typeof parseTalosconfig>;
  /** Creates a server of the cluster and applies a config of `role` to it (it joins, never bootstraps). */
  join(name: string, role: "controlplane" | "worker"): Promise<TestServer>;
}

/** Starts cluster `name` with `controlPlanes` control planes (default 1) in `cloud`. */
export async function startTestCluster(
  cloud: LocalCloud,
  name: string,
  options: { controlPlanes?: number } = {},
): Promise<TestCluster> {
  const url = cloud.hcloudUrl;
  const snapshot = cloud.sim.addSnapshot({ description: "talos", labels: { os: "talos", "talos-version": "v1.13.9" } });
  const network = (await hcloud(url, "POST", "/networks", {
    name,
    ip_range: "10.0.0.0/16",
    subnets: [{ type: "cloud", ip_range: "10.0.1.0/24", network_zone: "eu-central" }],
  })).body.network.id as number;
  const lb = (await hcloud(url, "POST", "/load_balancers", {
    name: `${name}-kube`,
    load_balancer_type: "lb11",
    location: "nbg1",
    network,
    services: [{ protocol: "tcp", listen_port: 6443, destination_port: 6443 }],
    targets: [{
      type: "label_selector",
      label_selector: { selector: `k8zner.io/cluster=${name},k8zner.io/role=control-plane` },
      use_private_ip: true,
    }],
  })).body.load_balancer;
  const now = new Date();
  const secrets = await generateSecretsBundle({ now });
  const input: ClusterConfigInput = {
    clusterName: name,
    endpoint: `https://${lb.public_net.ipv4.ip}:6443`,
    talosVersion: "v1.13.9",
    kubernetesVersion: "1.35.0",
    network: { nodeCidr: "10.0.1.0/24", podCidr: "10.244.0.0/16", serviceCidr: "10.96.0.0/12" },
    certSans: [lb.public_net.ipv4.ip],
  };
  const join = async (serverName: string, role: "controlplane" | "worker"): Promise<TestServer> => {
    const created = await createClusterServer(url, {
      name: serverName,
      cluster: name,
      role: role === "controlplane" ? "control-plane" : "worker",
      image: snapshot.id,
      network,
    });
    await waitFor(`${serverName}'s Talos API`, () => cloud.talosNodes.get(created.id)?.state.mode === "maintenance");
    const client = createMaintenanceClient({ endpoint: created.ip });
    try {
      const config = renderNodeConfigYaml(secrets, input, {
        hostname: serverName,
        serverId: created.id,
        privateIp: created.privateIp,
        role,
      });
      await client.applyConfiguration(config, { mode: "AUTO" });
    } finally {
      await client.close();
    }
    await waitFor(`${serverName} configured`, () => cloud.talosNodes.get(created.id)?.state.mode === "configured");
    return { ...created, name: serverName };
  };
  const first = await join(`${name}-cp-1`, "controlplane");
  const talosCredentials = parseTalosconfig(
    await generateTalosconfig(secrets, { clusterName: name, endpoints: [first.ip], now }),
  );
  const talos = createTalosClient({ endpoint: first.ip, ...talosCredentials });
  let kubeconfig: string;
  try {
    await waitFor("the configured Talos API", async () => (await talos.version()).length === 1);
    await talos.bootstrap();
    await waitFor("the Kubernetes API", () => cloud.kubeApis.get(lb.id as number), 10_000);
    kubeconfig = await talos.kubeconfig();
  } finally {
    await talos.close();
  }
  const controlPlanes = [first];
  for (let i = 2; i <= (options.controlPlanes ?? 1); i++) {
    controlPlanes.push(await join(`${name}-cp-${i}`, "controlplane"));
  }
  return {
    network,
    lbId: lb.id as number,
    controlPlanes,
    secrets,
    input,
    store: cloud.kubeApiServers.get(first.id)!.store,
    kubeconfig,
    talosCredentials,
    join,
  };
}
