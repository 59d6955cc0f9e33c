/**
 * The local cloud's public network: what a caller on the internet reaches, with Hetzner's rules.
 *
 * The fakes (Talos nodes, Kubernetes API servers) listen on an ephemeral port of their server's public
 * address; this module owns the well-known ports in front of them and forwards each connection as a
 * plain TCP proxy (TLS passes through untouched, so certificates and SANs are the fakes' own):
 *
 * - `<server ip>:<port>` (Talos 50000, Kubernetes 6443) lets a connection through only when the
 *   firewalls applied to that server allow the caller's address and the port
 *   (`firewall_rules.ts`); otherwise the connection is closed at once, so a wrong rule fails fast
 *   instead of hanging. Every real connection comes from 127.0.0.1: it is taken to come from the
 *   simulated caller address, the one the IP echo reports (`callerIp`).
 * - `<lb ip>:<listen port>` exists while the load balancer's public interface is enabled and forwards
 *   to a target whose health check passes for that service, on the service's destination port. A
 *   target reached over its private IP is not filtered (Hetzner firewalls apply to public interfaces
 *   only); a target reached over its public IP is, with the load balancer's address as the source.
 *
 * @module
 */
import type { HcloudSimulator, LoadBalancerRecord, ServerRecord, TargetHealthProbe } from "../hcloud_sim/mod.ts";
import { matchesSelector } from "../hcloud_sim/label_selector.ts";
import { checkFirewalls } from "./firewall_rules.ts";
import { type Backend, Gate, type Route } from "./tcp_gate.ts";

export type { Backend };

/** Dependencies of {@link PublicNetwork}. */
export interface PublicNetworkDeps {
  sim: HcloudSimulator;
  /** The caller's public address: where connections from the test host appear to come from. */
  callerIp: string;
  /** Target health, as the simulator's load balancers report it. */
  probe: TargetHealthProbe;
  /** Notes listeners and dropped connections. */
  log: (line: string) => void;
  onError: (err: Error) => void;
}

/** The public side of the local cloud's servers and load balancers. */
export class PublicNetwork {
  readonly #deps: PublicNetworkDeps;
  /** What each server runs, by server id and port. */
  readonly #services = new Map<number, Map<number, () => Backend | undefined>>();
  readonly #serverGates = new Map<string, Gate>();
  readonly #lbGates = new Map<string, Gate>();
  readonly #roundRobin = new Map<string, number>();
  #lbPass: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(deps: PublicNetworkDeps) {
    this.#deps = deps;
  }

  /**
   * Server `serverId` serves `port` (its fake listens at `backend()`): opens `<publicIp>:<port>` behind
   * the server's firewalls. The backend is looked up per connection (a rebooting fake refuses).
   */
  async openServerPort(serverId: number, publicIp: string, port: number, backend: () => Backend | undefined) {
    if (this.#closed) return;
    let ports = this.#services.get(serverId);
    if (!ports) this.#services.set(serverId, ports = new Map());
    ports.set(port, backend);
    const key = `${serverId}:${port}`;
    await this.#serverGates.get(key)?.close();
    const listener = Deno.listen({ hostname: publicIp, port });
    this.#serverGates.set(key, new Gate(listener, () => this.#routeToServer(serverId, port), this.#deps.log));
  }

  /** Server `serverId` no longer serves `port`: nothing listens there any more. */
  async closeServerPort(serverId: number, port: number): Promise<void> {
    this.#services.get(serverId)?.delete(port);
    const key = `${serverId}:${port}`;
    const gate = this.#serverGates.get(key);
    this.#serverGates.delete(key);
    await gate?.close();
  }

  /** Opens and closes load balancer ports as their services and public interfaces say. */
  reconcileLoadBalancers(): Promise<void> {
    this.#lbPass = this.#lbPass.then(() => this.#reconcileLbs()).catch((err) => this.#deps.onError(err));
    return this.#lbPass;
  }

  /** Resolves when the load balancer ports match the last look at the load balancers. */
  idle(): Promise<void> {
    return this.#lbPass;
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#lbPass;
    const gates = [...this.#serverGates.values(), ...this.#lbGates.values()];
    this.#serverGates.clear();
    this.#lbGates.clear();
    await Promise.all(gates.map((g) => g.close()));
  }

  #routeToServer(serverId: number, port: number): Route {
    const { sim, callerIp } = this.#deps;
    const server = sim.state.servers.get(serverId);
    if (!server) return { drop: `server ${serverId} is gone` };
    const verdict = checkFirewalls(sim.state, server, callerIp, port);
    if (!verdict.allowed) return { drop: `${server.name}: ${verdict.reason}` };
    const backend = this.#services.get(serverId)?.get(port)?.();
    return backend ? { backend } : { drop: `${server.name} does not serve ${port}` };
  }

  async #reconcileLbs(): Promise<void> {
    if (this.#closed) return;
    const wanted = new Map<string, { lb: LoadBalancerRecord; ip: string; listenPort: number }>();
    for (const lb of this.#deps.sim.state.loadBalancers.values()) {
      if (!lb.publicEnabled || lb.ipv4 === null) continue;
      for (const s of lb.services) {
        wanted.set(`${lb.id}:${lb.ipv4}:${s.listen_port}`, { lb, ip: lb.ipv4, listenPort: s.listen_port });
      }
    }
    for (const [key, gate] of [...this.#lbGates]) {
      if (wanted.has(key)) continue;
      this.#lbGates.delete(key);
      await gate.close();
    }
    for (const [key, { lb, ip, listenPort }] of wanted) {
      if (this.#lbGates.has(key)) continue;
      try {
        const listener = Deno.listen({ hostname: ip, port: listenPort });
        this.#lbGates.set(key, new Gate(listener, () => this.#routeThroughLb(lb.id, listenPort), this.#deps.log));
      } catch (err) {
        this.#deps.onError(
          new Error(`local cloud: load balancer ${lb.name} cannot listen on ${ip}:${listenPort}: ${err}`, {
            cause: err,
          }),
        );
      }
    }
  }

  #routeThroughLb(lbId: number, listenPort: number): Route {
    const { sim, probe } = this.#deps;
    const lb = sim.state.loadBalancers.get(lbId);
    if (!lb || !lb.publicEnabled) return { drop: `load balancer ${lbId} has no public interface` };
    const service = lb.services.find((s) => s.listen_port === listenPort);
    if (!service) return { drop: `load balancer ${lb.name} has no service on ${listenPort}` };
    const destinationPort = service.destination_port;
    const healthy = targetsOf(sim, lb).filter(({ server, usePrivateIp }) => {
      const ip = usePrivateIp ? server.privateNet[0]?.ip : publicIpOf(sim, server);
      if (ip === undefined) return false;
      const result = probe({ lb, server, ip, listenPort, destinationPort });
      return result === true || result === "healthy";
    });
    if (healthy.length === 0) return { drop: `load balancer ${lb.name}: no healthy target for ${listenPort}` };
    const key = `${lb.id}:${listenPort}`;
    const n = this.#roundRobin.get(key) ?? 0;
    this.#roundRobin.set(key, n + 1);
    const { server, usePrivateIp } = healthy[n % healthy.length]!;
    if (!usePrivateIp) {
      const verdict = checkFirewalls(sim.state, server, lb.ipv4!, destinationPort);
      if (!verdict.allowed) return { drop: `${lb.name} -> ${server.name}: ${verdict.reason}` };
    }
    const backend = this.#services.get(server.id)?.get(destinationPort)?.();
    return backend ? { backend } : { drop: `${lb.name} -> ${server.name}: nothing serves ${destinationPort}` };
  }
}

/** The servers a load balancer targets (selectors expanded), running ones only. */
export function targetsOf(
  sim: HcloudSimulator,
  lb: LoadBalancerRecord,
): { server: ServerRecord; usePrivateIp: boolean }[] {
  const out: { server: ServerRecord; usePrivateIp: boolean }[] = [];
  for (const t of lb.targets) {
    if (t.type === "server") {
      const s = sim.state.servers.get(t.server);
      if (s) out.push({ server: s, usePrivateIp: t.usePrivateIp });
    } else if (t.type === "label_selector") {
      for (const s of sim.state.servers.values()) {
        if (matchesSelector(s.labels, t.selector)) out.push({ server: s, usePrivateIp: t.usePrivateIp });
      }
    }
  }
  return out.filter(({ server }) => server.status === "running");
}

function publicIpOf(sim: HcloudSimulator, server: ServerRecord): string | undefined {
  return server.ipv4 === null ? undefined : sim.state.primaryIps.get(server.ipv4)?.ip;
}
