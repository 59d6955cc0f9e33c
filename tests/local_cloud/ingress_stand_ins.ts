/**
 * Runs the stand-ins of the ingress path over every cluster whose API answers, now and then, one pass
 * at a time: Traefik (Ingress status, and its entrypoints behind each Node's node ports, so a Hetzner
 * load balancer forwarding `443 -> <node port>` reaches it), cert-manager (TLS Secrets from the local
 * ACME CA) and external-dns (records in the Cloudflare fake). Each acts only while its workload is
 * ready in that cluster (traefik.ts, cert_manager.ts, external_dns.ts); failures (a refused token, a
 * missing zone) are logged as the component would log them, and tried again next pass.
 *
 * @module
 */
import type { HcloudSimulator } from "../hcloud_sim/mod.ts";
import type { FakeKubeStore } from "../kube_fake/mod.ts";
import { reconcileCertManager } from "./cert_manager.ts";
import { externalDnsInterval, reconcileExternalDns } from "./external_dns.ts";
import type { LocalAcmeCa } from "./local_acme_ca.ts";
import type { PublicNetwork } from "./public_network.ts";
import { deploymentReady } from "./ready_workload.ts";
import { reconcileTraefikIngressStatus, TRAEFIK_DEPLOYMENT, traefikNodePorts } from "./traefik.ts";
import { startTraefikEntrypoints, type TraefikEntrypoints } from "./traefik_entrypoints.ts";

/** Dependencies of {@link IngressStandIns}. */
export interface IngressStandInsDeps {
  sim: HcloudSimulator;
  network: PublicNetwork;
  /** The stores of the clusters whose API answers now. */
  stores: () => FakeKubeStore[];
  cloudflareUrl: string;
  ca: LocalAcmeCa;
  now?: () => Date;
  /** Real ms of a simulated duration (external-dns syncs every `--interval` of simulated time). */
  realMs: (simulatedMs: number) => number;
  log: (line: string) => void;
  onError: (err: Error) => void;
  /** Real milliseconds between passes (default 200). */
  pollMs?: number;
}

const PROVIDER_ID = /^hcloud:\/\/(\d+)$/;

interface Entry {
  entrypoints: TraefikEntrypoints;
  /** `serverId:nodePort` opened on the public network for this cluster. */
  ports: Set<string>;
}

/** The poller. */
export class IngressStandIns {
  readonly #deps: IngressStandInsDeps;
  readonly #traefik = new Map<FakeKubeStore, Entry>();
  /** When each cluster's external-dns last synced (real `performance.now()`). */
  readonly #lastSync = new Map<FakeKubeStore, number>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #pass: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(deps: IngressStandInsDeps) {
    this.#deps = deps;
    this.#schedule();
  }

  /** One pass over every cluster (after any running one). */
  reconcile(): Promise<void> {
    this.#pass = this.#pass.then(() => this.#reconcile()).catch((err) => this.#deps.onError(err));
    return this.#pass;
  }

  /** Stops the passes and the entrypoints, and closes the node ports it opened. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    await this.#pass;
    for (const store of [...this.#traefik.keys()]) await this.#stopTraefik(store);
  }

  async #reconcile(): Promise<void> {
    const { log } = this.#deps;
    const now = this.#deps.now ?? (() => new Date());
    const stores = this.#deps.stores();
    for (const store of [...this.#traefik.keys()]) {
      if (!stores.includes(store)) await this.#stopTraefik(store);
    }
    for (const store of stores) {
      if (this.#closed) return;
      const step = async (who: string, fn: () => Promise<string[]> | string[]) => {
        try {
          for (const line of await fn()) log(`${who}: ${line}`);
        } catch (err) {
          log(`${who}: ${(err as Error).message}`);
        }
      };
      await step("traefik", () => reconcileTraefikIngressStatus(store));
      await step("traefik", () => this.#serveTraefik(store));
      await step(
        "cert-manager",
        () => reconcileCertManager(store, { ca: this.#deps.ca, cloudflareUrl: this.#deps.cloudflareUrl, now }),
      );
      const interval = externalDnsInterval(store);
      const last = this.#lastSync.get(store);
      if (interval === undefined) this.#lastSync.delete(store);
      else if (last === undefined || performance.now() - last >= this.#deps.realMs(interval)) {
        this.#lastSync.set(store, performance.now());
        await step("external-dns", () => reconcileExternalDns(store, { cloudflareUrl: this.#deps.cloudflareUrl }));
      }
    }
  }

  /** Traefik's entrypoints on each Node's server at the Service's node ports, while Traefik is ready. */
  async #serveTraefik(store: FakeKubeStore): Promise<string[]> {
    const ports = traefikNodePorts(store);
    if (!deploymentReady(store, TRAEFIK_DEPLOYMENT) || (!ports.web && !ports.websecure)) {
      await this.#stopTraefik(store);
      return [];
    }
    let entry = this.#traefik.get(store);
    if (!entry) {
      entry = { entrypoints: await startTraefikEntrypoints(store), ports: new Set() };
      this.#traefik.set(store, entry);
    }
    const { sim, network } = this.#deps;
    const wanted = new Map<string, { serverId: number; ip: string; port: number; backend: "web" | "websecure" }>();
    for (const node of store.listObjects("v1", "Node")) {
      const id = PROVIDER_ID.exec((node.spec as { providerID?: string } | undefined)?.providerID ?? "")?.[1];
      const server = id === undefined ? undefined : sim.state.servers.get(Number(id));
      const ip = server?.ipv4 == null ? undefined : sim.state.primaryIps.get(server.ipv4)?.ip;
      if (!server || !ip) continue;
      for (const name of ["web", "websecure"] as const) {
        const port = ports[name];
        if (port) wanted.set(`${server.id}:${port}`, { serverId: server.id, ip, port, backend: name });
      }
    }
    const opened: string[] = [];
    for (const key of [...entry.ports]) {
      if (wanted.has(key)) continue;
      const [serverId, port] = key.split(":").map(Number) as [number, number];
      await network.closeServerPort(serverId, port);
      entry.ports.delete(key);
    }
    for (const [key, w] of wanted) {
      if (entry.ports.has(key)) continue;
      const backend = entry.entrypoints[w.backend];
      await network.openServerPort(w.serverId, w.ip, w.port, () => backend);
      entry.ports.add(key);
      opened.push(`${w.backend} on ${w.ip}:${w.port}`);
    }
    return opened;
  }

  async #stopTraefik(store: FakeKubeStore): Promise<void> {
    const entry = this.#traefik.get(store);
    if (!entry) return;
    this.#traefik.delete(store);
    for (const key of entry.ports) {
      const [serverId, port] = key.split(":").map(Number) as [number, number];
      await this.#deps.network.closeServerPort(serverId, port);
    }
    await entry.entrypoints.close();
  }

  #schedule(): void {
    if (this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.reconcile().finally(() => this.#schedule());
    }, this.#deps.pollMs ?? 200);
  }
}
