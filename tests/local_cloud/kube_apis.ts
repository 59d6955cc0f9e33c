/**
 * The Kubernetes API behind each API load balancer: once a control plane among the load balancer's
 * targets is bootstrapped (a configured control-plane fake Talos node that is an etcd member), a fake
 * Kubernetes API server starts at `https://<lb public ipv4>:6443`, its serving certificate issued by
 * the cluster's Kubernetes CA (from that node's applied config) with the LB address as SAN. When no
 * target is ready any more it stops (the LB has nothing to forward to) and comes back later on the
 * same store. It also answers the load balancer's health checks.
 *
 * @module
 */
import type { HcloudSimulator, LoadBalancerRecord, ServerRecord, TargetHealthProbe } from "../hcloud_sim/mod.ts";
import { matchesSelector } from "../hcloud_sim/label_selector.ts";
import { type FakeKubeApi, FakeKubeStore, startFakeKubeApi } from "../kube_fake/mod.ts";
import type { FakeTalosNode } from "../talos_fake/mod.ts";
import { endpointHost, issueApiServingCert, readKubeClusterFacts } from "./cluster_pki.ts";
import { TALOS_API_PORT } from "./machines.ts";

/** Port of the Kubernetes API on the load balancer and the control planes. */
export const KUBE_API_PORT = 6443;

/** Dependencies of {@link KubeApis}. */
export interface KubeApisDeps {
  sim: HcloudSimulator;
  talosNodes: ReadonlyMap<number, FakeTalosNode>;
  /** Simulated milliseconds to real ones. */
  realMs: (simulatedMs: number) => number;
  onError: (err: Error) => void;
  /** Notes APIs starting and stopping. */
  log: (line: string) => void;
  /** Real milliseconds between two looks at the load balancers (default 25). */
  pollMs?: number;
}

/** Simulated time from etcd bootstrap until the API server answers. */
const API_START_MS = 30_000;

interface LbApi {
  store: FakeKubeStore;
  /** Real time (ms) a ready control plane was first seen, while the API is down. */
  readySince: number | undefined;
  api: FakeKubeApi | undefined;
  starting: boolean;
}

/** The fake Kubernetes APIs of the local cloud, by load balancer id. */
export class KubeApis {
  /** Running APIs by load balancer id. */
  readonly running = new Map<number, FakeKubeApi>();
  readonly #deps: KubeApisDeps;
  readonly #byLb = new Map<number, LbApi>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #pass: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(deps: KubeApisDeps) {
    this.#deps = deps;
    this.#schedule();
  }

  /** The health probe the simulator's load balancers use. */
  readonly probe: TargetHealthProbe = ({ lb, server, destinationPort }) => {
    if (server.status !== "running") return "unhealthy";
    const node = this.#deps.talosNodes.get(server.id);
    if (destinationPort === TALOS_API_PORT) {
      return node !== undefined && (node.state.mode === "maintenance" || node.state.mode === "configured");
    }
    if (destinationPort === KUBE_API_PORT) {
      return node !== undefined && isServingControlPlane(node) && this.running.has(lb.id);
    }
    return true;
  };

  /** One pass over the load balancers: start, stop or restart APIs as their targets say. */
  reconcile(): Promise<void> {
    this.#pass = this.#pass.then(() => this.#reconcile()).catch((err) => this.#deps.onError(err));
    return this.#pass;
  }

  /** Stops the poller and every API. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    await this.#pass;
    await Promise.allSettled([...this.running.values()].map((api) => api.close()));
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
    const lbs = this.#deps.sim.state.loadBalancers;
    for (const [id, entry] of this.#byLb) {
      if (!lbs.has(id)) {
        this.#byLb.delete(id);
        await this.#stop(id, entry);
      }
    }
    for (const lb of lbs.values()) {
      if (lb.ipv4 === null || !lb.services.some((s) => s.listen_port === KUBE_API_PORT)) continue;
      let entry = this.#byLb.get(lb.id);
      if (!entry) {
        entry = { store: new FakeKubeStore(), readySince: undefined, api: undefined, starting: false };
        this.#byLb.set(lb.id, entry);
      }
      const ready = this.#targetNodes(lb).find(isServingControlPlane);
      if (!ready) {
        entry.readySince = undefined;
        await this.#stop(lb.id, entry);
        continue;
      }
      if (entry.api || entry.starting) continue;
      entry.readySince ??= Date.now();
      if (Date.now() - entry.readySince < this.#deps.realMs(API_START_MS)) continue;
      entry.starting = true;
      try {
        entry.api = await this.#start(lb, ready, entry.store);
        if (this.#closed) await entry.api.close();
        else {
          this.running.set(lb.id, entry.api);
          this.#deps.log(`load balancer ${lb.name}: Kubernetes API at ${entry.api.url}`);
        }
      } catch (err) {
        entry.readySince = undefined;
        this.#deps.onError(
          new Error(
            `local cloud: cannot start the Kubernetes API of load balancer ${lb.name}: ${(err as Error).message}`,
            {
              cause: err,
            },
          ),
        );
      } finally {
        entry.starting = false;
      }
    }
  }

  async #start(lb: LoadBalancerRecord, node: FakeTalosNode, store: FakeKubeStore): Promise<FakeKubeApi> {
    const facts = readKubeClusterFacts(node.state.appliedConfig ?? "");
    if (!facts) throw new Error(`the config of ${node.hostname} has no cluster.ca key or endpoint`);
    const addresses = [lb.ipv4!, ...lb.privateNet.map((p) => p.ip), ...facts.certSans];
    const host = endpointHost(facts.endpoint);
    if (host) addresses.push(host);
    const cert = await issueApiServingCert(facts.ca, addresses, new Date());
    return await startFakeKubeApi({
      hostname: lb.ipv4!,
      port: KUBE_API_PORT,
      tls: cert,
      store,
      ...(facts.kubernetesVersion ? { kubernetesVersion: facts.kubernetesVersion } : {}),
    });
  }

  async #stop(id: number, entry: LbApi): Promise<void> {
    const api = entry.api;
    if (!api) return;
    entry.api = undefined;
    this.running.delete(id);
    await api.close();
    this.#deps.log(`load balancer ${id}: Kubernetes API at ${api.url} stopped`);
  }

  #targetNodes(lb: LoadBalancerRecord): FakeTalosNode[] {
    const servers: ServerRecord[] = [];
    for (const t of lb.targets) {
      if (t.type === "server") {
        const s = this.#deps.sim.state.servers.get(t.server);
        if (s) servers.push(s);
      } else if (t.type === "label_selector") {
        for (const s of this.#deps.sim.state.servers.values()) {
          if (matchesSelector(s.labels, t.selector)) servers.push(s);
        }
      }
    }
    return servers.filter((s) => s.status === "running").map((s) => this.#deps.talosNodes.get(s.id)).filter((
      n,
    ): n is FakeTalosNode => n !== undefined);
  }
}

/** A configured control plane whose etcd member is in the cluster: its API server is up. */
function isServingControlPlane(node: FakeTalosNode): boolean {
  if (node.state.mode !== "configured" || node.state.config?.machineType === "worker") return false;
  const id = node.state.etcdMemberId;
  return id !== undefined && node.network.etcd?.members.some((m) => m.id === id) === true;
}
