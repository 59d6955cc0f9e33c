/**
 * The Kubernetes API servers of the local cloud, modelled as on a real cluster: every bootstrapped
 * control plane (a configured control-plane fake Talos node that is an etcd member) runs its own
 * kube-apiserver, reachable at `<its public ipv4>:6443` behind its firewalls (`public_network.ts`),
 * with a serving certificate issued by the cluster's Kubernetes CA for exactly the SANs Talos would
 * give it (`apiServerCertSans`). All API servers of one cluster share one store, which is what its etcd
 * holds: etcd snapshots carry the store's objects, a cluster recovered from a snapshot starts with exactly
 * those, and when every control plane is gone (etcd with them) so is the store. A load
 * balancer with a 6443 service forwards there only while a target's API answers its health check.
 * An API server stops when its node stops serving and comes back later on the same store; it restarts
 * (down for `apiServerRestartMs`) when its node's config asks for a new kube-apiserver image, and then
 * reports that image's version at `/version`, as the static pod Talos rewrites does.
 *
 * @module
 */
import { STEPS } from "./latency_model.ts";
import type { HcloudSimulator, TargetHealthProbe } from "../hcloud_sim/mod.ts";
import { type FakeKubeApi, FakeKubeStore, startFakeKubeApi } from "../kube_fake/mod.ts";
import { dumpStore, restoreStore } from "../kube_fake/store_dump.ts";
import {
  etcdHealthOf,
  type FakeEtcd,
  type FakeTalosNetwork,
  type FakeTalosNode,
  settleNetwork,
} from "../talos_fake/mod.ts";
import { apiServerCertSans, issueApiServingCert, readKubeClusterFacts } from "./cluster_pki.ts";
import { TALOS_API_PORT } from "./machines.ts";
import type { PrivateNetwork } from "./private_network.ts";
import { readTalosApiAccess, reconcileTalosServiceAccounts, type TalosApiAccess } from "./talos_service_accounts.ts";
import { type PublicNetwork, targetsOf } from "./public_network.ts";

/** Port of the Kubernetes API on the load balancer and the control planes. */
export const KUBE_API_PORT = 6443;

/** Dependencies of {@link KubeApis}. */
export interface KubeApisDeps {
  sim: HcloudSimulator;
  talosNodes: ReadonlyMap<number, FakeTalosNode>;
  /** Public ports in front of the API servers. */
  network: () => PublicNetwork;
  /** Private ports (the API at the translated private IP, for pods on the nodes). */
  privateNetwork: () => PrivateNetwork;
  /** Simulated milliseconds to real ones. */
  realMs: (simulatedMs: number) => number;
  onError: (err: Error) => void;
  /** Notes APIs starting and stopping. */
  log: (line: string) => void;
  /** Real milliseconds between two looks at the nodes (default 25). */
  pollMs?: number;
  /** Real milliseconds between two BOOKMARKs of a watch (default: the fake's, a real minute as kube-apiserver). */
  bookmarkIntervalMs?: number;
}

/** Simulated time from etcd bootstrap until the API server answers. */
const API_START_MS = STEPS.apiServerStartMs;
/** Simulated time a kube-apiserver restarted with a new image takes to answer again. */
const API_RESTART_MS = STEPS.apiServerRestartMs;

interface NodeApi {
  /** Real time (ms) the node was first seen serving, while its API is down. */
  readySince: number | undefined;
  api: FakeKubeApi | undefined;
  starting: boolean;
  /** The Kubernetes version (kube-apiserver image tag) the running API server reports. */
  served: string | undefined;
  /** The API server is down for a restart (a new image), not a first start. */
  restarting: boolean;
  /** The last applied config read and the kube-apiserver version it asks for (parsed once per config). */
  seen: { config: string; version: string | undefined } | undefined;
}

/** The fake Kubernetes API servers of the local cloud. */
export class KubeApis {
  /** The API server each load balancer forwards to now (a healthy target's), by load balancer id. */
  readonly running = new Map<number, FakeKubeApi>();
  /** Running API servers by control-plane server id. */
  readonly byServer = new Map<number, FakeKubeApi>();
  readonly #deps: KubeApisDeps;
  readonly #nodes = new Map<number, NodeApi>();
  /** One store per etcd cluster (what it holds; the nodes of one Talos network share etcd). */
  readonly #stores = new WeakMap<FakeEtcd, FakeKubeStore>();
  /** Each control plane's Kubernetes Talos API access, read once per applied config. */
  readonly #access = new Map<number, { config: string; access: TalosApiAccess | undefined }>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #pass: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(deps: KubeApisDeps) {
    this.#deps = deps;
    this.#schedule();
  }

  /** The health probe the simulator's load balancers use (on the service's destination port). */
  readonly probe: TargetHealthProbe = ({ server, destinationPort }) => {
    if (server.status !== "running") return "unhealthy";
    const node = this.#deps.talosNodes.get(server.id);
    if (destinationPort === TALOS_API_PORT) {
      return node !== undefined && (node.state.mode === "maintenance" || node.state.mode === "configured");
    }
    if (destinationPort === KUBE_API_PORT) {
      return node !== undefined && isServingControlPlane(node) && this.byServer.has(server.id);
    }
    return true;
  };

  /**
   * The cluster (etcd) store of a Talos network once one of its API servers has started, and whether one
   * answers now (kubelets and controllers reach the cluster only then).
   */
  clusterOf(network: FakeTalosNetwork): { store: FakeKubeStore; apiUp: boolean } | undefined {
    const store = network.etcd && this.#stores.get(network.etcd);
    if (!store) return undefined;
    const apiUp = [...this.byServer.keys()].some((id) => this.#deps.talosNodes.get(id)?.network === network);
    return { store, apiUp };
  }

  /** One pass over the nodes: start or stop API servers as the nodes say. */
  reconcile(): Promise<void> {
    this.#pass = this.#pass.then(() => this.#reconcile()).catch((err) => this.#deps.onError(err));
    return this.#pass;
  }

  /** Stops the poller and every API server. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    await this.#pass;
    await Promise.allSettled([...this.byServer.values()].map((api) => api.close()));
    this.byServer.clear();
    this.running.clear();
  }

  #schedule(): void {
    if (this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.reconcile().finally(() => this.#schedule());
    }, this.#deps.pollMs ?? 25);
  }

  async #reconcile(): Promise<void> {
    if (this.#closed) return;
    const { sim, talosNodes } = this.#deps;
    for (const [serverId, entry] of [...this.#nodes]) {
      const server = sim.state.servers.get(serverId);
      const node = talosNodes.get(serverId);
      if (server?.status === "running" && node && isServingControlPlane(node)) {
        if (entry.api && versionWanted(entry, node) !== entry.served) {
          // Talos rewrote the kube-apiserver static pod for a new image (a config applied without reboot):
          // the pod restarts, its node's API is down meanwhile (the load balancer uses the others).
          this.#deps.log(`server ${server.name}: kube-apiserver restarts for ${versionWanted(entry, node)}`);
          await this.#stop(serverId, entry);
          entry.readySince = Date.now();
          entry.restarting = true;
        }
        continue;
      }
      entry.readySince = undefined;
      entry.restarting = false;
      await this.#stop(serverId, entry);
      if (!server) this.#nodes.delete(serverId);
    }
    for (const [serverId, node] of talosNodes) {
      const server = sim.state.servers.get(serverId);
      if (server?.status !== "running" || !isServingControlPlane(node)) continue;
      let entry = this.#nodes.get(serverId);
      if (!entry) {
        entry = {
          readySince: undefined,
          api: undefined,
          starting: false,
          served: undefined,
          restarting: false,
          seen: undefined,
        };
        this.#nodes.set(serverId, entry);
      }
      if (entry.api || entry.starting) continue;
      entry.readySince ??= Date.now();
      const delay = entry.restarting ? API_RESTART_MS : API_START_MS;
      if (Date.now() - entry.readySince < this.#deps.realMs(delay)) continue;
      entry.starting = true;
      try {
        const version = versionWanted(entry, node);
        const api = await this.#start(serverId, node, version);
        if (this.#closed) await api.close();
        else {
          entry.api = api;
          entry.served = version;
          entry.restarting = false;
          this.byServer.set(serverId, api);
          this.#deps.log(`server ${server.name}: Kubernetes API at ${node.hostname}:${KUBE_API_PORT}`);
        }
      } catch (err) {
        entry.readySince = undefined;
        this.#deps.onError(
          new Error(`local cloud: cannot start the Kubernetes API of ${server.name}: ${(err as Error).message}`, {
            cause: err,
          }),
        );
      } finally {
        entry.starting = false;
      }
    }
    this.#updateLoadBalancerView();
    await this.#talosApiAccess();
  }

  /**
   * Talos's kubeaccess controller on every control plane whose API runs and whose machine config enables
   * `kubernetesTalosAPIAccess` (`talos_service_accounts.ts`): the CRD, and a Secret per Talos ServiceAccount.
   */
  async #talosApiAccess(): Promise<void> {
    for (const [serverId] of this.byServer) {
      const node = this.#deps.talosNodes.get(serverId);
      const store = node?.network.etcd && this.#stores.get(node.network.etcd);
      const config = node?.state.appliedConfig ?? "";
      if (!store || !config) continue;
      let read = this.#access.get(serverId);
      if (read?.config !== config) this.#access.set(serverId, read = { config, access: readTalosApiAccess(config) });
      if (!read.access) continue;
      for (const line of await reconcileTalosServiceAccounts(store, read.access, new Date())) {
        this.#deps.log(`talos kubeaccess controller: ${line}`);
      }
    }
  }

  async #start(serverId: number, node: FakeTalosNode, version: string | undefined): Promise<FakeKubeApi> {
    const facts = readKubeClusterFacts(node.state.appliedConfig ?? "");
    if (!facts) throw new Error(`the config of ${node.hostname} has no cluster.ca key or endpoint`);
    const server = this.#deps.sim.state.servers.get(serverId)!;
    // The translated private addresses stand for the private IPs on loopback: clients in the cluster
    // (the operator) connect there and check the serving certificate against them.
    const privateNet = this.#deps.privateNetwork();
    const loopbacks = server.privateNet.map((p) => privateNet.loopbackOf(p.network, p.ip));
    const addresses = [node.hostname, ...server.privateNet.map((p) => p.ip), ...loopbacks];
    const sans = apiServerCertSans(facts, { hostname: node.nodeName, addresses });
    const cert = await issueApiServingCert(facts.ca, sans, new Date());
    const store = this.#storeOf(node.network.etcd!);
    const api = await startFakeKubeApi({
      hostname: node.hostname,
      port: 0,
      // As Talos runs kube-apiserver: client certificates from the cluster CA, RBAC authorization.
      tls: { ...cert, clientCaPem: facts.ca.certPem },
      authorization: "RBAC",
      store,
      ...(version ? { kubernetesVersion: version } : {}),
      ...(this.#deps.bookmarkIntervalMs !== undefined ? { bookmarkIntervalMs: this.#deps.bookmarkIntervalMs } : {}),
    });
    const port = Number(new URL(api.url).port);
    try {
      await this.#deps.network().openServerPort(serverId, node.hostname, KUBE_API_PORT, () => ({
        hostname: node.hostname,
        port,
      }));
      for (const p of server.privateNet) {
        await privateNet.openServerPort(serverId, { networkId: p.network, privateIp: p.ip }, KUBE_API_PORT, () => ({
          hostname: node.hostname,
          port,
        }));
      }
    } catch (err) {
      await this.#deps.network().closeServerPort(serverId, KUBE_API_PORT);
      await privateNet.closeServerPort(serverId, KUBE_API_PORT);
      await api.close();
      throw err;
    }
    return api;
  }

  /**
   * The store of an etcd cluster, made when its first API server starts: from the snapshot it was recovered
   * from, else new (the API server creates the standard namespaces). From then on etcd's content, and so its
   * snapshots, is this store.
   */
  #storeOf(etcd: FakeEtcd): FakeKubeStore {
    let store = this.#stores.get(etcd);
    if (!store) {
      store = etcd.recoveredFrom ? restoreStore(etcd.recoveredFrom) : new FakeKubeStore();
      this.#stores.set(etcd, store);
      const current = store;
      etcd.content = () => dumpStore(current);
    }
    return store;
  }

  async #stop(serverId: number, entry: NodeApi): Promise<void> {
    const api = entry.api;
    if (!api) return;
    entry.api = undefined;
    this.byServer.delete(serverId);
    await this.#deps.network().closeServerPort(serverId, KUBE_API_PORT);
    await this.#deps.privateNetwork().closeServerPort(serverId, KUBE_API_PORT);
    await api.close();
    this.#deps.log(`server ${serverId}: Kubernetes API stopped`);
  }

  /** `running`: for each load balancer with a 6443 service, the API server of its first healthy target. */
  #updateLoadBalancerView(): void {
    const { sim } = this.#deps;
    this.running.clear();
    for (const lb of sim.state.loadBalancers.values()) {
      const service = lb.services.find((s) => s.listen_port === KUBE_API_PORT);
      if (!service) continue;
      const target = targetsOf(sim, lb).find(({ server }) =>
        this.probe({ lb, server, ip: "", listenPort: KUBE_API_PORT, destinationPort: service.destination_port }) ===
          true
      );
      const api = target ? this.byServer.get(target.server.id) : undefined;
      if (api) this.running.set(lb.id, api);
    }
  }
}

/** The kube-apiserver version the node's applied config asks for (`cluster.apiServer.image`'s tag). */
function versionWanted(entry: NodeApi, node: FakeTalosNode): string | undefined {
  const config = node.state.appliedConfig ?? "";
  if (entry.seen?.config !== config) {
    entry.seen = { config, version: readKubeClusterFacts(config)?.kubernetesVersion };
  }
  return entry.seen.version;
}

/**
 * A configured control plane whose etcd member votes in a cluster with quorum: its API server is up. A
 * learner's etcd serves no clients yet, and without quorum every request would time out, so a real
 * kube-apiserver fails its health checks; here it stops.
 */
function isServingControlPlane(node: FakeTalosNode): boolean {
  if (node.state.mode !== "configured" || node.state.config?.machineType === "worker") return false;
  settleNetwork(node.network);
  return etcdHealthOf(node.network.etcd, node.network.nodes.values(), node) === "healthy";
}
