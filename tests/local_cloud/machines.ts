/**
 * What runs "inside" each simulated server: its disk (Talos or not), a fake Talos node (listening on
 * an ephemeral port of the public IPv4; `<public ipv4>:50000` is opened in front of it by
 * `public_network.ts`, behind the server's firewalls) when it boots Talos, or the rescue SSH server at `<public ipv4>:22` when it
 * boots into rescue. Driven by the simulator's server events; each server's events are handled in
 * order on a chain of its own, so a power-off is finished before the next power-on starts.
 *
 * Talos state lives on the node and survives power cycles, resets and reboots (the disk keeps the
 * config); deleting the server closes the node. Nodes of one cluster (by its label; else of one
 * Hetzner network) share one `FakeTalosNetwork` (etcd membership, trustd-like CA key lookup),
 * reachable there by public IP, and by private IP once attached.
 *
 * @module
 */
import { STEPS } from "./latency_model.ts";
import type { HcloudSimulator, ServerEventInfo, SimEvent } from "../hcloud_sim/mod.ts";
import {
  createFakeTalosNetwork,
  type FakeTalosNetwork,
  type FakeTalosNode,
  startFakeTalosNode,
} from "../talos_fake/mod.ts";
import type { ImageWrite } from "./image_write.ts";
import type { PrivateNetwork } from "./private_network.ts";
import type { PublicNetwork } from "./public_network.ts";
import { type RescueSsh, startRescueSsh } from "./rescue_ssh.ts";

/** Port of the Talos API. */
export const TALOS_API_PORT = 50000;

/** What a server's disk holds. */
interface Disk {
  talos: boolean;
  talosVersion: string | undefined;
}

/** Dependencies of {@link Machines}. */
export interface MachinesDeps {
  sim: HcloudSimulator;
  /** Public ports in front of the fakes (firewall-filtered). */
  network: PublicNetwork;
  /** Private ports of the fakes (translated private IPs on loopback, unfiltered). */
  privateNetwork: PrivateNetwork;
  /** Simulated milliseconds to real ones (the simulator's speed). */
  realMs: (simulatedMs: number) => number;
  /** The Kubeconfig RPC's answer for a control-plane node. */
  kubeconfig: (node: FakeTalosNode) => Promise<string>;
  /** Whether rescue boots start an SSH server (port 22). */
  rescueSsh: boolean;
  /** Reports a failure of a background step (a server event could not be acted on). */
  onError: (err: Error) => void;
  /** Notes what came up or went away (one line each). */
  log: (line: string) => void;
  /** Talos' steps in Kubernetes before an upgrade's reboot (cordon and drain, `talos_drain.ts`). */
  beforeUpgradeReboot?: (node: FakeTalosNode) => Promise<void>;
}

/** Simulated time a Talos reboot keeps the API down (the latency model's install and reboot). */
const TALOS_REBOOT_MS = STEPS.installRebootMs;
/** Simulated time a joining control plane's etcd learner needs to catch up before Talos promotes it. */
const LEARNER_CATCH_UP_MS = STEPS.learnerPromotionMs;
/** Simulated time writing the disk image takes. */
const IMAGE_WRITE_MS = STEPS.imageWriteMs;

/** The machines of the local cloud. */
export class Machines {
  /** Fake Talos nodes by server id (also while powered off). */
  readonly talosNodes = new Map<number, FakeTalosNode>();
  /** Rescue SSH servers by server id, while the server runs its rescue system. */
  readonly rescueServers = new Map<number, RescueSsh>();
  /** Talos networks by key (`network:<id>`, else `cluster:<label>`, else `server:<id>`). */
  readonly talosNetworks = new Map<string, FakeTalosNetwork>();
  readonly #deps: MachinesDeps;
  readonly #disks = new Map<number, Disk>();
  /** Snapshots made from a disk with Talos written on it. */
  readonly #talosImages = new Map<number, string | undefined>();
  readonly #chains = new Map<number, Promise<void>>();
  /** Closes still running per public IP, so a new server on a reused address waits for them. */
  readonly #releasing = new Map<string, Promise<void>>();
  #closed = false;

  constructor(deps: MachinesDeps) {
    this.#deps = deps;
  }

  /** Handles one simulator event (synchronously queues the work). */
  onEvent(event: SimEvent): void {
    if (this.#closed) return;
    if (event.type === "image.available") return this.#onImageAvailable(event.image.id);
    if (!("server" in event)) return;
    const info = event.server;
    this.#diskOf(info);
    const previous = this.#chains.get(info.id) ?? Promise.resolve();
    const next = previous.then(() => this.#closed ? undefined : this.#apply(event.type, info)).catch((err) =>
      this.#deps.onError(
        new Error(`local cloud: server ${info.id} (${info.name}) ${event.type}: ${err.message}`, { cause: err }),
      )
    );
    this.#chains.set(info.id, next);
  }

  /** Resolves when every queued server event has been acted on. */
  async idle(): Promise<void> {
    let pending: Promise<void>[];
    do {
      pending = [...this.#chains.values()];
      await Promise.all(pending);
    } while ([...this.#chains.values()].some((p, i) => p !== pending[i]));
  }

  /** Closes every node and SSH server. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.allSettled([...this.#chains.values()]);
    await Promise.allSettled([
      ...[...this.talosNodes.values()].map((n) => n.close()),
      ...[...this.rescueServers.values()].map((s) => s.close()),
      ...this.#releasing.values(),
    ]);
    this.talosNodes.clear();
    this.rescueServers.clear();
  }

  #diskOf(info: ServerEventInfo): Disk {
    let disk = this.#disks.get(info.id);
    if (!disk) {
      const image = info.image;
      const fromBuild = image !== null && this.#talosImages.has(image.id);
      const labelled = image?.labels.os === "talos";
      disk = {
        talos: fromBuild || labelled,
        talosVersion: (image ? this.#talosImages.get(image.id) : undefined) ?? image?.labels["talos-version"],
      };
      this.#disks.set(info.id, disk);
    }
    return disk;
  }

  #onImageAvailable(imageId: number): void {
    const image = this.#deps.sim.state.images.get(imageId);
    const source = image?.createdFrom ? this.#disks.get(image.createdFrom.id) : undefined;
    if (source?.talos) this.#talosImages.set(imageId, source.talosVersion);
  }

  async #apply(type: SimEvent["type"], info: ServerEventInfo): Promise<void> {
    switch (type) {
      case "server.running":
      case "server.reset":
        if (info.rescue) {
          await this.#stopTalos(info.id);
          await this.#startRescue(info, type === "server.reset");
        } else {
          await this.#stopRescue(info.id);
          if (this.#disks.get(info.id)?.talos) await this.#bootTalos(info, type === "server.reset");
        }
        return;
      case "server.off":
        await this.#stopRescue(info.id);
        await this.#stopTalos(info.id);
        return;
      case "server.deleted":
        await this.#remove(info);
        return;
      case "server.network_attached": {
        this.#registerPrivateIps(info);
        const node = this.talosNodes.get(info.id);
        if (node && node.state.mode !== "off") await this.#openTalosPort(info, node);
        return;
      }
      default:
        return;
    }
  }

  async #bootTalos(info: ServerEventInfo, reset: boolean): Promise<void> {
    const existing = this.talosNodes.get(info.id);
    if (existing) {
      await existing.waitForBoot();
      if (existing.state.mode === "off") await existing.powerOn();
      else if (reset) {
        existing.scheduleReboot();
        await existing.waitForBoot();
      }
      await this.#openTalosPort(info, existing);
      return;
    }
    const ip = info.publicIpv4;
    if (ip === null) throw new Error("boots Talos without a public IPv4; the local cloud reaches nodes only there");
    await this.#releasing.get(ip);
    const node = await startFakeTalosNode({
      hostname: ip,
      port: 0,
      network: this.#networkFor(info),
      rebootDelayMs: Math.max(10, this.#deps.realMs(TALOS_REBOOT_MS)),
      learnerPromotionMs: this.#deps.realMs(LEARNER_CATCH_UP_MS),
      extraAddresses: () => this.#privateAddresses(info.id),
      ...(this.#disks.get(info.id)?.talosVersion ? { talosVersion: this.#disks.get(info.id)!.talosVersion } : {}),
      kubeconfig: async () => await this.#deps.kubeconfig(node),
      ...(this.#deps.beforeUpgradeReboot
        ? { beforeUpgradeReboot: (n) => this.#deps.beforeUpgradeReboot!(n as FakeTalosNode) }
        : {}),
    });
    this.talosNodes.set(info.id, node);
    this.#registerPrivateIps(info);
    await this.#openTalosPort(info, node);
    this.#deps.log(
      `server ${info.name}: Talos ${node.state.talosVersion} API at ${ip}:${TALOS_API_PORT} (${node.state.mode})`,
    );
  }

  async #openTalosPort(info: ServerEventInfo, node: FakeTalosNode): Promise<void> {
    const backend = () => ({ hostname: node.hostname, port: node.port });
    for (const { network, ip } of info.privateIps) {
      await this.#deps.privateNetwork.openServerPort(
        info.id,
        { networkId: network, privateIp: ip },
        TALOS_API_PORT,
        backend,
      );
    }
    if (info.publicIpv4 === null) return;
    await this.#deps.network.openServerPort(info.id, info.publicIpv4, TALOS_API_PORT, backend);
  }

  async #stopTalos(serverId: number): Promise<void> {
    const node = this.talosNodes.get(serverId);
    if (!node) return;
    await this.#deps.network.closeServerPort(serverId, TALOS_API_PORT);
    await this.#deps.privateNetwork.closeServerPort(serverId, TALOS_API_PORT);
    await node.waitForBoot();
    if (node.state.mode === "off") return;
    node.scheduleShutdown();
    await node.waitForBoot();
  }

  async #startRescue(info: ServerEventInfo, restart: boolean): Promise<void> {
    if (!this.#deps.rescueSsh) return;
    if (this.rescueServers.has(info.id) && !restart) return;
    await this.#stopRescue(info.id);
    const ip = info.publicIpv4;
    if (ip === null) throw new Error("boots into rescue without a public IPv4; SSH is reachable only there");
    await this.#releasing.get(ip);
    const login = this.#deps.sim.state.servers.get(info.id)?.rescueLogin;
    const ssh = await startRescueSsh({
      hostname: ip,
      authorizedKeys: login?.authorizedKeys ?? [],
      rootPassword: login?.rootPassword,
      writeDelayMs: this.#deps.realMs(IMAGE_WRITE_MS),
      onImageWritten: (write: ImageWrite) => {
        const disk = this.#disks.get(info.id);
        if (disk) Object.assign(disk, { talos: true, talosVersion: write.talosVersion });
        this.#deps.log(`server ${info.name}: wrote Talos ${write.talosVersion} (${write.arch}) to ${write.device}`);
      },
    });
    this.rescueServers.set(info.id, ssh);
    this.#deps.log(`server ${info.name}: rescue system, SSH at ${ip}:${ssh.port}`);
  }

  async #stopRescue(serverId: number): Promise<void> {
    const ssh = this.rescueServers.get(serverId);
    if (!ssh) return;
    this.rescueServers.delete(serverId);
    await ssh.close();
  }

  async #remove(info: ServerEventInfo): Promise<void> {
    const node = this.talosNodes.get(info.id);
    const ssh = this.rescueServers.get(info.id);
    this.talosNodes.delete(info.id);
    this.rescueServers.delete(info.id);
    this.#disks.delete(info.id);
    const released = Promise.all([
      node?.close(),
      ssh?.close(),
      this.#deps.network.closeServerPort(info.id, TALOS_API_PORT),
      this.#deps.privateNetwork.closeServerPort(info.id, TALOS_API_PORT),
    ]).then(() => {});
    if (info.publicIpv4 !== null) {
      const ip = info.publicIpv4;
      this.#releasing.set(ip, released);
      released.finally(() => {
        if (this.#releasing.get(ip) === released) this.#releasing.delete(ip);
      });
    }
    await released;
    this.#chains.delete(info.id);
  }

  #networkFor(info: ServerEventInfo): FakeTalosNetwork {
    // By cluster first: a server boots before its network is attached (ADR 0010), and a cluster's
    // nodes must share one network whichever order their create and attach ran in.
    const first = info.privateIps[0];
    const cluster = info.labels["k8zner.io/cluster"];
    const key = cluster ? `cluster:${cluster}` : first ? `network:${first.network}` : `server:${info.id}`;
    let network = this.talosNetworks.get(key);
    if (!network) {
      network = createFakeTalosNetwork();
      this.talosNetworks.set(key, network);
    }
    return network;
  }

  /** The server's private IPs and the loopback addresses standing for them. */
  #privateAddresses(serverId: number): string[] {
    const server = this.#deps.sim.state.servers.get(serverId);
    return (server?.privateNet ?? []).flatMap((p) => [p.ip, this.#deps.privateNetwork.loopbackOf(p.network, p.ip)]);
  }

  /** Makes the node reachable by its private IPs on its network (`nodes` targeting by private address). */
  #registerPrivateIps(info: ServerEventInfo): void {
    const node = this.talosNodes.get(info.id);
    if (!node) return;
    for (const { ip } of info.privateIps) if (!node.network.nodes.has(ip)) node.network.nodes.set(ip, node);
  }
}
