/**
 * The local cloud: everything `k8zner apply/destroy` talks to, on loopback, for the demo and the
 * end-to-end tests.
 *
 * - the Hetzner simulator on 127.0.0.1, handing out public IPv4 addresses on loopback (servers
 *   127.B.1.1–127.B.9.254, load balancers 127.B.200.1–127.B.200.254, B = 0 unless another local cloud
 *   holds it, see `address_block.ts`), so the CLI reaches each fake at the address the API reports;
 * - a fake Talos node at `<server ipv4>:50000` for every server that boots Talos (from a snapshot
 *   labelled `os=talos`, or one made from a disk the image build wrote Talos onto); an upgrade cordons and
 *   drains its Node first, as Talos does (`talos_drain.ts`);
 * - a rescue system with SSH at `<server ipv4>:22` for servers booted into rescue;
 * - a fake kube-apiserver at `https://<control plane ipv4>:6443` on every control plane whose etcd member
 *   votes in a cluster with quorum, one store per cluster (what its etcd holds: snapshots carry it,
 *   a recovery restores it, it goes with the last control plane), authenticating client certificates of the
 *   cluster CA and service account tokens and authorizing with RBAC, as Talos runs it; and
 *   `<lb ipv4>:<port>` forwarding each load balancer service to a healthy target while its public
 *   interface is enabled;
 * - each Hetzner network on a loopback /16 of its own (`10.0.1.2` -> `127.N.1.2`): Talos and the
 *   Kubernetes API also answer at a server's translated private address, unfiltered
 *   (`private_network.ts`, `privateAddressMap()`);
 * - the `k8zner-system/k8zner-operator` Deployment run as real `k8zner operator` processes, one per
 *   replica, with the pod's env, a service account token and `K8ZNER_TALOS_ADDRESS_MAP`
 *   (`operator_pods.ts`, `operatorPods`; `operator: false` turns it off);
 * - Hetzner's firewalls on the servers' public ports (50000, 6443): connections from the test host
 *   count as coming from `callerIp` and get through only when a firewall rule applied to the server
 *   allows that address and port (or no firewall is applied); load balancer traffic to private targets
 *   is not filtered (`public_network.ts`);
 * - a kubelet stand-in on every configured Talos node whose cluster's API answers: a `Node` with the labels,
 *   taints, provider ID and InternalIP Talos's kubelet registers, Ready once a Cilium agent pod runs ready
 *   on it (the real chart's, or `installFakeCni`), pods bound to it run; the node lifecycle controller
 *   turns it Unknown when its lease stops (`kubelet.ts`);
 * - the controller-manager's workload controllers for every cluster: DaemonSets get a pod per eligible
 *   Node, Deployments, StatefulSets and Jobs the status their controllers write once their pods could
 *   run (placement by nodeSelector, affinity and taints), for Helm's `--wait`; `failWorkload` makes one
 *   fail on demand (`daemonset_controller.ts`, `replica_workloads.ts`, `workload_failures.ts`);
 * - the hcloud CCM's load balancer controller in clusters where the CCM runs: a Service of type
 *   LoadBalancer gets a Hetzner load balancer (annotations honoured, `hcloud-ccm/service-uid` label, the
 *   cluster network, Node targets, node-port services) and its ingress IPs, and loses it when deleted
 *   (`ccm_service_controller.ts`);
 * - an IP echo endpoint standing in for `https://ipv4.icanhazip.com`;
 * - a Cloudflare API fake (`tests/cloudflare_fake`, zones and DNS records, accepting only
 *   `cloudflareToken`): seed zones and records through `cloudflare`, read them back for assertions;
 * - the ingress path of clusters that run it, each part only while its workload is ready: Traefik
 *   (Ingress status from its load balancer, its entrypoints on the node ports a load balancer forwards
 *   to, certificates by SNI), cert-manager (ACME issuers registered, TLS Secrets from a local CA standing
 *   for Let's Encrypt after a DNS-01 record in Cloudflare) and external-dns (A and owner TXT records in
 *   the Cloudflare fake, with the cluster's token) (`ingress_stand_ins.ts`);
 * - a DNS server on loopback answering from the Cloudflare fake's records (`dnsServer`, for
 *   `K8ZNER_DNS_SERVER`) and the local ACME root as a PEM file (`acmeCaFile`, for `DENO_CERT`), so
 *   `k8zner doctor` can resolve, verify and reach a cluster's Argo CD and Grafana.
 *
 * ```ts
 * await using cloud = await startLocalCloud({ speed: 200 });
 * // HCLOUD_ENDPOINT=cloud.hcloudUrl, K8ZNER_IP_URL=cloud.ipEchoUrl, HCLOUD_TOKEN=anything
 * // K8ZNER_CLOUDFLARE_URL=cloud.cloudflareUrl, CF_API_TOKEN=cloud.cloudflareToken
 * // K8ZNER_DNS_SERVER=cloud.dnsServer, DENO_CERT=cloud.acmeCaFile (doctor's endpoint checks)
 * ```
 *
 * @module
 */
import { HETZNER_ACTIONS } from "./latency_model.ts";
import {
  type HcloudSimulator,
  type PublicIpv4Ranges,
  type RandomFaults,
  startHcloudSimulator,
} from "../hcloud_sim/mod.ts";
import type { FakeKubeApi } from "../kube_fake/mod.ts";
import type { FakeTalosNetwork, FakeTalosNode } from "../talos_fake/mod.ts";
import { type AddressBlock, claimAddressBlock } from "./address_block.ts";
import { readKubeClusterFacts, renderAdminKubeconfig } from "./cluster_pki.ts";
import { DEFAULT_CALLER_IP, startIpEcho } from "./ip_echo.ts";
import { type CloudflareFake, startCloudflareFake } from "../cloudflare_fake/mod.ts";
import { KUBE_API_PORT, KubeApis } from "./kube_apis.ts";
import { Machines, TALOS_API_PORT } from "./machines.ts";
import { Kubelets } from "./kubelet.ts";
import { cordonAndDrain } from "./talos_drain.ts";
import { PrivateNetwork } from "./private_network.ts";
import { OPERATOR_DEPLOYMENT, type OperatorPod, OperatorPods, type OperatorSpawn } from "./operator_pods.ts";
import { startK8zner } from "../e2e/k8zner_process.ts";
import { PublicNetwork } from "./public_network.ts";
import type { RescueSsh } from "./rescue_ssh.ts";
import { createHelmShim, type HelmShim } from "./helm_shim.ts";
import { CcmServiceControllers } from "./ccm_service_controller.ts";
import { findHelm } from "../kube_fake/helm_binary.ts";
import { SHARED_DIR } from "../requirements.ts";
import { startDnsServer } from "./dns_server.ts";
import { createLocalAcmeCa } from "./local_acme_ca.ts";
import { IngressStandIns } from "./ingress_stand_ins.ts";

export { KUBE_API_PORT, TALOS_API_PORT };
export { blockRanges, LOCK_PORT } from "./address_block.ts";
export { installFakeCni, isCniPod } from "./fake_cni.ts";
export { AGENT_NOT_READY_TAINT, CNI_POD_LABELS } from "./cilium_agent.ts";
export { CCM_DEPLOYMENT } from "./cloud_node_controller.ts";
export {
  clearWorkloadFailure,
  failWorkload,
  type WorkloadFailure,
  type WorkloadKind,
  type WorkloadRef,
} from "./workload_failures.ts";
export { NODE_MONITOR_GRACE_MS } from "./kubelet.ts";
export type { ImageWrite } from "./image_write.ts";
export type { RescueSsh } from "./rescue_ssh.ts";
export { OPERATOR_DEPLOYMENT, type OperatorPod, type OperatorSpawn } from "./operator_pods.ts";

/** The Cloudflare token a local cloud accepts unless told otherwise. */
export const DEFAULT_CLOUDFLARE_TOKEN = "local-cloud-cloudflare-token";

/** Options of {@link startLocalCloud}. */
export interface LocalCloudOptions {
  /** Simulated time runs this many times faster than real time (default 200). */
  speed?: number;
  /** Seed of the simulator's randomness and of random faults (default 1). */
  seed?: number;
  /** Random Hetzner API faults (e.g. `{ rate: 0.05, kinds: ["5xx", "429", "timeout", "locked"] }`). */
  faults?: RandomFaults;
  /** Start rescue SSH servers on port 22 (default true; needs root). */
  rescueSsh?: boolean;
  /** The only token the Cloudflare fake accepts (default {@link DEFAULT_CLOUDFLARE_TOKEN}). */
  cloudflareToken?: string;
  /** Background failures (a server event that could not be acted on); default prints to stderr. */
  onError?: (err: Error) => void;
  /** Notes what came up or went away (Talos nodes, rescue systems, Kubernetes APIs); default silent. */
  onLog?: (line: string) => void;
  /**
   * Real milliseconds between two BOOKMARKs on a watch of the Kubernetes APIs (default a real minute, as
   * kube-apiserver). A client whose clock runs faster (`K8ZNER_OPERATOR_CLOCK_SCALE`) wants it divided by
   * that scale, or its inactivity watchdog restarts quiet watches a real API server would keep alive.
   */
  kubeBookmarkIntervalMs?: number;
  /**
   * How the `k8zner-system/k8zner-operator` Deployment of each cluster is run (`operator_pods.ts`):
   * default, as real `k8zner operator` processes (`startK8zner`); `false` runs nothing (the Deployment
   * is then just an object, as before the operator existed).
   */
  operator?: false | {
    /** Starts one process (default: `startK8zner` from tests/e2e/k8zner_process.ts). */
    spawn?: OperatorSpawn;
    /** Extra environment for every operator process (e.g. `K8ZNER_MAX_SLEEP_MS`). */
    env?: Record<string, string>;
    /** Cap of the CrashLoopBackOff delay in real ms (default 2000). */
    maxRestartBackoffMs?: number;
    /**
     * The Helm the operator runs (`K8ZNER_HELM_BINARY`) behind a counting shim (helm_shim.ts), and the chart
     * archives (`K8ZNER_CHARTS_DIR`). Default: the real Helm v4.1.4 (installed on first use) and
     * `../shared/charts`; without a Helm the variables are left out and installs fail as they would in an
     * image without one.
     */
    helm?: { binary: string; chartsDir: string };
  };
}

/** A running local cloud. */
export interface LocalCloud extends AsyncDisposable {
  /** Hetzner API base URL (`HCLOUD_ENDPOINT`), e.g. `http://127.0.0.1:41234/v1`. */
  readonly hcloudUrl: string;
  /** Caller-IP endpoint (`K8ZNER_IP_URL`), e.g. `http://127.0.0.1:41235/ip`. */
  readonly ipEchoUrl: string;
  /** Cloudflare API base URL (`K8ZNER_CLOUDFLARE_URL`), e.g. `http://127.0.0.1:41236/client/v4`. */
  readonly cloudflareUrl: string;
  /** The token the Cloudflare fake accepts (`CF_API_TOKEN`). */
  readonly cloudflareToken: string;
  /** The Cloudflare fake: `addZone`, `addRecord` to seed, `records(zoneId)` and `requests` to assert on. */
  readonly cloudflare: CloudflareFake;
  /** The DNS server answering from the Cloudflare fake's records, `<ip>:<port>` (`K8ZNER_DNS_SERVER`). */
  readonly dnsServer: string;
  /** PEM file of the CA standing for Let's Encrypt production (`DENO_CERT`); staging's is not in it. */
  readonly acmeCaFile: string;
  /** The public IPv4 the echo endpoint reports (`203.0.113.10`). */
  readonly callerIp: string;
  readonly speed: number;
  readonly sim: HcloudSimulator;
  /** Fake Talos nodes by server id (also powered-off ones; removed when the server is deleted). */
  readonly talosNodes: ReadonlyMap<number, FakeTalosNode>;
  /** Fake Talos networks (one per Hetzner network) by key `network:<id>`. */
  readonly talosNetworks: ReadonlyMap<string, FakeTalosNetwork>;
  /** The fake Kubernetes API each load balancer forwards to now (a healthy target's), by load balancer id. */
  readonly kubeApis: ReadonlyMap<number, FakeKubeApi>;
  /** Running fake kube-apiservers by control-plane server id (`<server ipv4>:6443`). */
  readonly kubeApiServers: ReadonlyMap<number, FakeKubeApi>;
  /** Rescue SSH servers by server id, while the server runs its rescue system. */
  readonly rescueServers: ReadonlyMap<number, RescueSsh>;
  /** Where public IPv4s come from (this cloud's loopback block). */
  readonly publicIpv4Ranges: Required<PublicIpv4Ranges>;
  /**
   * The private-network-to-loopback map of Hetzner network `networkId` (`10.0.0.0/16=127.N.0.0/16`), what
   * the operator gets as `K8ZNER_TALOS_ADDRESS_MAP`; every server's Talos API (and a control plane's
   * Kubernetes API) also answers at its translated private address, unfiltered by firewalls.
   */
  privateAddressMap(networkId: number): string;
  /** The loopback address standing for private IP `ip` of network `networkId`. */
  privateLoopbackOf(networkId: number, ip: string): string;
  /** The operator pods running now (empty with `operator: false`), by pod name. */
  readonly operatorPods: ReadonlyMap<string, OperatorPod>;
  /** Every Helm process the operator processes started, oldest first, as argument lists. */
  helmInvocations(): string[][];
  /** Background failures seen so far (also reported through `onError`). */
  readonly errors: readonly Error[];
  /** Resolves when every server event so far has been acted on and the load balancers were looked at. */
  idle(): Promise<void>;
  /** Stops everything (simulator, nodes, APIs, SSH, echo); afterwards nothing listens. */
  close(): Promise<void>;
}

/** Starts a local cloud. Throws when port 22 cannot be bound on loopback (unless `rescueSsh: false`). */
export async function startLocalCloud(options: LocalCloudOptions = {}): Promise<LocalCloud> {
  const speed = options.speed ?? 200;
  if (!(speed > 0)) throw new RangeError(`Cannot start a local cloud with speed ${speed}: must be > 0`);
  const rescueSsh = options.rescueSsh ?? true;
  const block = claimAddressBlock();
  try {
    if (rescueSsh) checkPort22(`127.${block.block}.1.255`);
    return await start(options, speed, rescueSsh, block);
  } catch (err) {
    block.release();
    throw err;
  }
}

async function start(
  options: LocalCloudOptions,
  speed: number,
  rescueSsh: boolean,
  block: AddressBlock,
): Promise<LocalCloud> {
  const errors: Error[] = [];
  const onError = (err: Error) => {
    errors.push(err);
    (options.onError ?? ((e) => console.error(e.message)))(err);
  };
  const realMs = (simulatedMs: number) => Math.max(0, Math.ceil(simulatedMs / speed));
  const log = options.onLog ?? (() => {});

  const sim = await startHcloudSimulator({
    hostname: "127.0.0.1",
    speed,
    seed: options.seed ?? 1,
    publicIpv4Ranges: block.ranges,
    // Hetzner's action durations from the latency model (scaled by the simulator's speed).
    durations: HETZNER_ACTIONS,
  });
  if (options.faults) sim.faults.setRandom({ seed: options.seed ?? 1, ...options.faults });
  const ipEcho = await startIpEcho({ callerIp: DEFAULT_CALLER_IP });
  const cloudflare = await startCloudflareFake({ token: options.cloudflareToken ?? DEFAULT_CLOUDFLARE_TOKEN });
  const dns = await startDnsServer((name) =>
    cloudflare.zones().flatMap((z) => cloudflare.records(z.id)).filter((r) => r.name === name)
  );
  const acmeCa = await createLocalAcmeCa(new Date());

  const network: PublicNetwork = new PublicNetwork({
    sim,
    callerIp: DEFAULT_CALLER_IP,
    // Called per connection only, after `apis` exists.
    probe: (target) => apis.probe(target),
    log,
    onError,
  });
  const privateNetwork = new PrivateNetwork({ sim, log });
  const machines: Machines = new Machines({
    sim,
    network,
    privateNetwork,
    realMs,
    rescueSsh,
    onError,
    log,
    kubeconfig: async (node) => {
      const facts = readKubeClusterFacts(node.state.appliedConfig ?? "");
      if (!facts) throw new Error("the applied config has no cluster.ca key or cluster.controlPlane.endpoint");
      return await renderAdminKubeconfig(facts, new Date());
    },
    // Called per upgrade only, after `apis` exists. Without an API to reach, Talos' drain fails (it only
    // logs that) and the upgrade goes on.
    beforeUpgradeReboot: async (node) => {
      const cluster = apis.clusterOf(node.network);
      if (cluster?.apiUp) await cordonAndDrain(cluster.store, node.nodeName, { realMs, log });
    },
  });
  const unsubscribe = sim.onEvent((event) => {
    machines.onEvent(event);
    if (event.type.startsWith("lb.")) network.reconcileLoadBalancers();
  });
  const apis: KubeApis = new KubeApis({
    sim,
    talosNodes: machines.talosNodes,
    network: () => network,
    privateNetwork: () => privateNetwork,
    realMs,
    onError,
    log,
    ...(options.kubeBookmarkIntervalMs !== undefined ? { bookmarkIntervalMs: options.kubeBookmarkIntervalMs } : {}),
  });
  sim.setTargetHealthProbe(apis.probe);
  const kubelets = new Kubelets({
    sim,
    talosNodes: machines.talosNodes,
    clusterOf: (talosNetwork) => apis.clusterOf(talosNetwork),
    realMs,
    onError,
    log,
    ...(options.operator === false
      ? {}
      : { realDeployments: [`${OPERATOR_DEPLOYMENT.namespace}/${OPERATOR_DEPLOYMENT.name}`] }),
  });

  const serviceControllers = new CcmServiceControllers({
    hcloudUrl: sim.url,
    stores: () =>
      [...machines.talosNetworks.values()].flatMap((n) => {
        const cluster = apis.clusterOf(n);
        return cluster?.apiUp ? [cluster.store] : [];
      }),
    onError,
    log,
    // The CCM polls Hetzner's actions every 500 ms of the simulator's clock, as hcloud-go does against the real API.
    realMs,
  });

  const operatorOptions = options.operator === false ? undefined : options.operator ?? {};
  const helm = operatorOptions ? await operatorHelm(operatorOptions.helm) : undefined;
  const operators = operatorOptions
    ? new OperatorPods({
      sim,
      talosNodes: machines.talosNodes,
      talosNetworks: machines.talosNetworks,
      clusterOf: (talosNetwork) => apis.clusterOf(talosNetwork),
      privateNetwork,
      hcloudUrl: sim.url,
      spawn: operatorOptions.spawn ?? ((args, o) => startK8zner(args, o)),
      // Hetzner's actions run `speed` times faster here: the operator polls them on that clock, as often
      // per action as against the real API.
      env: { K8ZNER_TIME_SCALE: String(speed), ...helm?.env, ...operatorOptions.env },
      ...(operatorOptions.maxRestartBackoffMs !== undefined
        ? { maxRestartBackoffMs: operatorOptions.maxRestartBackoffMs }
        : {}),
      realMs,
      log,
      onError,
    })
    : undefined;

  const ingress = new IngressStandIns({
    sim,
    network,
    stores: () =>
      [...machines.talosNetworks.values()].flatMap((n) => {
        const cluster = apis.clusterOf(n);
        return cluster?.apiUp ? [cluster.store] : [];
      }),
    cloudflareUrl: cloudflare.url,
    ca: acmeCa,
    realMs,
    log,
    onError,
  });

  let closed: Promise<void> | undefined;
  const cloud: LocalCloud = {
    hcloudUrl: sim.url,
    ipEchoUrl: ipEcho.url,
    cloudflareUrl: cloudflare.url,
    cloudflareToken: cloudflare.token,
    cloudflare,
    dnsServer: dns.address,
    acmeCaFile: acmeCa.caFile,
    callerIp: DEFAULT_CALLER_IP,
    speed,
    sim,
    talosNodes: machines.talosNodes,
    talosNetworks: machines.talosNetworks,
    kubeApis: apis.running,
    kubeApiServers: apis.byServer,
    rescueServers: machines.rescueServers,
    publicIpv4Ranges: block.ranges,
    operatorPods: operators?.pods ?? new Map(),
    helmInvocations: () => helm?.shim.invocations() ?? [],
    privateAddressMap: (networkId) => privateNetwork.addressMap(networkId),
    privateLoopbackOf: (networkId, ip) => privateNetwork.loopbackOf(networkId, ip),
    errors,
    idle: async () => {
      await machines.idle();
      await apis.reconcile();
      await network.reconcileLoadBalancers();
      kubelets.reconcile({ workloads: true });
      await serviceControllers.reconcile();
      await ingress.reconcile();
      await operators?.reconcile();
    },
    close: () => {
      closed ??= (async () => {
        unsubscribe();
        await operators?.close();
        await ingress.close();
        await serviceControllers.close();
        kubelets.close();
        await sim.close();
        await network.close();
        await apis.close();
        await machines.close();
        await privateNetwork.close();
        await ipEcho.close();
        await cloudflare.close();
        await dns.close();
        await acmeCa.close();
        block.release();
        if (helm) await Deno.remove(helm.dir, { recursive: true }).catch(() => {});
      })();
      return closed;
    },
    [Symbol.asyncDispose]: () => cloud.close(),
  };
  return cloud;
}

/** Fails early and clearly when rescue SSH could not listen on port 22 of a loopback address. */
function checkPort22(hostname: string): void {
  try {
    Deno.listen({ hostname, port: 22 }).close();
  } catch (err) {
    const why = err instanceof Deno.errors.PermissionDenied
      ? "binding ports below 1024 needs root (or CAP_NET_BIND_SERVICE)"
      : (err as Error).message;
    throw new Error(
      `Cannot start the local cloud: rescue SSH servers listen on <server ip>:22 and ${hostname}:22 cannot be bound: ${why}. ` +
        "Run as root, or pass rescueSsh: false when no image build is needed.",
      { cause: err },
    );
  }
}

/** The Helm environment of the operator processes: a counting shim around the real binary, and the charts. */
async function operatorHelm(
  given: { binary: string; chartsDir: string } | undefined,
): Promise<{ env: Record<string, string>; shim: HelmShim; dir: string } | undefined> {
  const binary = given?.binary ?? (await findHelm()).path;
  if (binary === undefined) return undefined;
  const dir = await Deno.makeTempDir({ prefix: "k8zner-helm-shim-" });
  const shim = await createHelmShim(binary, dir);
  const chartsDir = given?.chartsDir ?? new URL("charts", SHARED_DIR).pathname;
  return { env: { K8ZNER_HELM_BINARY: shim.path, K8ZNER_CHARTS_DIR: chartsDir }, shim, dir };
}
