/**
 * The Hetzner requests of hcloud-cloud-controller-manager v1.33.0's load balancer operations
 * (`internal/hcops/load_balancer.go` at tag v1.33.0 = 9d402a77, hcloud-go v2.43.0 as its go.mod pins),
 * request for request, for the CCM stand-in (`ccm_service_controller.ts`):
 *
 * - lookups: by the label `hcloud-ccm/service-uid` (`GetByK8SServiceUID`: `LBClient.AllWithOpts`, so
 *   `?label_selector=…&page=1&per_page=50`; two matches are an error), by name (`GetByName`: `?name=…`), by ID;
 * - `create`: `POST /load_balancers` with name, type, location or network zone, algorithm, public interface and
 *   the label only (no network, services or targets), waits for its action, then reads it back by ID;
 * - `reconcileHclb`: label and name (`PUT`), detach from other networks, attach to `HCLOUD_NETWORK` (reading
 *   the network by ID first; one retry after 1 s on `conflict`/`locked`), the public interface;
 * - `reconcileServices`: `update_service` for every TCP port the load balancer already listens on (always,
 *   changed or not), `add_service` for the others, then `delete_service` for leftovers;
 * - `reconcileTargets`: `remove_target` for servers no longer selected or with the wrong `use_private_ip`,
 *   then `add_target` per missing server (up to the type's `max_targets`);
 * - every action is awaited as hcloud-go's `ActionClient.WaitFor` does (`hcloud/action_waiter.go`): an action
 *   that is not `running` is not polled; else it sleeps first, then polls `GET /actions?id=…&page=1&sort=status&sort=id`,
 *   every 500 ms (`ConstantBackoff(500 * time.Millisecond)`, `hcloud/client.go` NewClient; the CCM sets no poll
 *   options, `hcloud/cloud.go` NewCloud), failing fast when the action is missing.
 *
 * Not played (the simulator has no such actions; k8zner sets none of their annotations): reverse DNS
 * (`/ipv4-rdns`, `/ipv6-rdns`), changing the algorithm or the type of an existing load balancer, managed
 * certificates, Robot targets.
 *
 * @module
 */
import { parseGoBool } from "./ccm_config.ts";
import type { CcmConfig } from "./ccm_config.ts";

/** The label by which the hcloud CCM finds a Service's load balancer. */
export const SERVICE_UID_LABEL = "hcloud-ccm/service-uid";
/**
 * The User-Agent of the CCM's Hetzner requests: hcloud-go's `WithApplication("hcloud-cloud-controller",
 * providerVersion)` (hcloud/cloud.go) with `providerVersion` `v1.33.0` (.goreleaser.yml ldflags) and hcloud-go's own.
 */
export const CCM_USER_AGENT = "hcloud-cloud-controller/v1.33.0 hcloud-go/2.43.0";
/** hcloud-go's default poll backoff, which the CCM keeps: constant 500 ms. */
export const ACTION_POLL_MS = 500;
const ANNOTATION = "load-balancer.hetzner.cloud/";

// deno-lint-ignore no-explicit-any
export type Lb = any;

/** A Hetzner API error as hcloud-go reports it: the API's error code (or the HTTP status). */
export class HcloudCallError extends Error {
  constructor(message: string, readonly code: string) {
    super(message);
  }
}

/** Calls the Hetzner API as the CCM's hcloud-go client does; throws {@link HcloudCallError}. */
export type HcloudCall = (method: string, path: string, body?: unknown) => Promise<Lb>;

/** A client over `fetch` for `url` (e.g. the simulator's) with `token`, sending the CCM's User-Agent. */
export function hcloudClient(url: string, token: string, fetchFn: typeof fetch = fetch): HcloudCall {
  return async (method, path, body) => {
    const res = await fetchFn(`${url}${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${token}`,
        // As hcloud-go names its caller: request counts tell the CLI, the operator and the CCM apart.
        "User-Agent": CCM_USER_AGENT,
        Accept: "application/json",
        ...(body === undefined ? {} : { "Content-Type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    const parsed = text ? JSON.parse(text) : {};
    if (!res.ok) {
      const error = parsed.error ?? {};
      const code = String(error.code ?? res.status);
      throw new HcloudCallError(`${method} ${path}: ${code}: ${error.message ?? text}`, code);
    }
    return parsed;
  };
}

/** A query string as Go's `url.Values.Encode` writes it: keys sorted, values in the order added. */
export function goQuery(values: Array<[string, string]>): string {
  const keys = [...new Set(values.map(([k]) => k))].sort();
  return keys.flatMap((k) => values.filter(([key]) => key === k))
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v).replaceAll("%20", "+")}`).join("&");
}

/** The service's annotation `load-balancer.hetzner.cloud/<key>`. */
export type Annotation = (key: string) => string | undefined;

/** The load balancer operations of one CCM process: its client, configuration, network and clock. */
export class LoadBalancerOps {
  constructor(
    private readonly call: HcloudCall,
    private readonly config: CcmConfig,
    /** `HCLOUD_NETWORK` resolved at start-up (hcloud/cloud.go NewCloud); 0 when unset. */
    private readonly networkId: number,
    /** Sleeps this many simulated milliseconds (the poll backoff, the attach retry delay). */
    private readonly sleep: (simulatedMs: number) => Promise<void>,
  ) {}

  /** `ActionClient.WaitFor` of one action: throws when it failed or is unknown. */
  async waitFor(action: { id: number; status: string; command?: string; error?: { message?: string } } | undefined) {
    if (!action) return;
    let now = action;
    while (now.status === "running") {
      await this.sleep(ACTION_POLL_MS);
      const query = goQuery([["id", String(action.id)], ["page", "1"], ["sort", "status"], ["sort", "id"]]);
      const { actions } = await this.call("GET", `/actions?${query}`);
      if (actions.length !== 1) throw new Error(`actions not found: [${action.id}]`);
      now = actions[0];
    }
    if (now.status === "error") throw new Error(`action ${now.command} failed: ${now.error?.message}`);
  }

  /** `GetByK8SServiceUID`; undefined when none carries the label, an error when several do. */
  async findByUid(uid: string): Promise<Lb | undefined> {
    const query = goQuery([["label_selector", `${SERVICE_UID_LABEL}=${uid}`], ["page", "1"], ["per_page", "50"]]);
    const { load_balancers } = await this.call("GET", `/load_balancers?${query}`);
    if (load_balancers.length > 1) throw new Error(`hcops/LoadBalancerOps.GetByK8SServiceUID: non-unique result`);
    return load_balancers[0];
  }

  /** `GetByName`. */
  async findByName(name: string): Promise<Lb | undefined> {
    return (await this.call("GET", `/load_balancers?${goQuery([["name", name]])}`)).load_balancers[0];
  }

  /** `GetByID`. */
  async get(id: number): Promise<Lb> {
    return (await this.call("GET", `/load_balancers/${id}`)).load_balancer;
  }

  /** `Create`: refuses without a location or network zone before sending anything. */
  async create(name: string, uid: string, service: string, annotation: Annotation): Promise<Lb> {
    let location = this.config.location;
    if (annotation("location") !== undefined) location = annotation("location") || undefined;
    const networkZone = location ? undefined : annotation("network-zone") ?? this.config.networkZone;
    if (!location && !networkZone) {
      throw new Error(
        `Service ${service}: hcops/LoadBalancerOps.Create: neither ${ANNOTATION}location nor ${ANNOTATION}network-zone set`,
      );
    }
    const disablePublic = parseGoBool(annotation("disable-public-network")) ?? this.config.disablePublicNetwork;
    const algorithm = annotation("algorithm-type") ?? this.config.algorithm;
    const created = await this.call("POST", "/load_balancers", {
      name,
      load_balancer_type: annotation("type") ?? this.config.type ?? "lb11",
      labels: { [SERVICE_UID_LABEL]: uid },
      ...(location ? { location } : { network_zone: networkZone }),
      ...(algorithm ? { algorithm: { type: algorithm } } : {}),
      ...(disablePublic === undefined ? {} : { public_interface: !disablePublic }),
    });
    await this.waitFor(created.action);
    return await this.get(created.load_balancer.id);
  }

  /** `Delete` (a load balancer already gone counts as deleted). */
  async delete(lb: Lb): Promise<void> {
    try {
      await this.call("DELETE", `/load_balancers/${lb.id}`);
    } catch (err) {
      if (!(err instanceof HcloudCallError && err.code === "not_found")) throw err;
    }
  }

  /** `ReconcileHCLB`: whether anything changed (the caller then reads the load balancer again). */
  async reconcileHclb(lb: Lb, uid: string, annotation: Annotation, done: string[]): Promise<boolean> {
    let changed = false;
    const name = annotation("name");
    if (lb.labels?.[SERVICE_UID_LABEL] !== uid || (name !== undefined && name !== lb.name)) {
      const updated = (await this.call("PUT", `/load_balancers/${lb.id}`, {
        ...(name !== undefined && name !== lb.name ? { name } : {}),
        labels: { ...lb.labels, [SERVICE_UID_LABEL]: uid },
      })).load_balancer;
      lb.name = updated.name;
      lb.labels = updated.labels;
      changed = true;
    }
    const privateIp = annotation("private-ipv4");
    for (const p of lb.private_net as Array<{ network: number; ip: string }>) {
      if (p.network === this.networkId && (privateIp === undefined || privateIp === p.ip)) continue;
      await this.#act(lb, "detach_from_network", { network: p.network }, done);
      changed = true;
    }
    const attached = (lb.private_net as Array<{ network: number; ip: string }>)
      .some((p) => p.network === this.networkId && (privateIp === undefined || privateIp === p.ip));
    if (this.networkId !== 0 && !attached) {
      const subnet = annotation("private-subnet-ip-range") ?? this.config.privateSubnetIpRange;
      const { network } = await this.call("GET", `/networks/${this.networkId}`);
      const body = {
        network: network.id,
        ...(privateIp ? { ip: privateIp } : {}),
        ...(subnet ? { ip_range: subnet } : {}),
      };
      let res;
      try {
        res = await this.call("POST", `/load_balancers/${lb.id}/actions/attach_to_network`, body);
      } catch (err) {
        if (!(err instanceof HcloudCallError && ["conflict", "locked"].includes(err.code))) throw err;
        await this.sleep(1_000);
        res = await this.call("POST", `/load_balancers/${lb.id}/actions/attach_to_network`, body);
      }
      await this.waitFor(res.action);
      done.push(`attached load balancer ${lb.name} to network ${this.networkId}`);
      changed = true;
    }
    const disable = parseGoBool(annotation("disable-public-network")) ?? this.config.disablePublicNetwork;
    if (disable !== undefined && disable === lb.public_net.enabled) {
      await this.#act(lb, disable ? "disable_public_interface" : "enable_public_interface", undefined, done);
      changed = true;
    }
    return changed;
  }

  /**
   * `ReconcileHCLBServices`: every TCP port of the Service (others are skipped, as the CCM only warns) is
   * updated when the load balancer listens on it, added when not; then leftover listen ports are deleted.
   */
  async reconcileServices(
    lb: Lb,
    ports: Array<{ port: number; nodePort?: number; protocol?: string }>,
    annotation: Annotation,
    done: string[],
  ): Promise<boolean> {
    let changed = false;
    const leftover = new Set<number>(lb.services.map((s: { listen_port: number }) => s.listen_port));
    const protocol = annotation("protocol") ?? "tcp";
    const proxyprotocol = parseGoBool(annotation("uses-proxyprotocol")) ?? this.config.proxyProtocol;
    for (const p of ports) {
      if (p.protocol !== undefined && p.protocol !== "" && p.protocol !== "TCP") continue;
      const exists = leftover.delete(p.port);
      // hcloud-go sends the options the CCM set: proxyprotocol only when configured; a TCP health check on
      // the node port unless health check annotations say otherwise (buildAddServiceOpts/buildUpdateServiceOpts).
      const body = {
        listen_port: p.port,
        destination_port: p.nodePort ?? 0,
        protocol,
        ...(proxyprotocol === undefined ? {} : { proxyprotocol }),
        health_check: { protocol: "tcp", port: p.nodePort ?? 0 },
      };
      await this.#act(lb, exists ? "update_service" : "add_service", body, done);
      changed = true;
    }
    for (const listenPort of leftover) {
      await this.#act(lb, "delete_service", { listen_port: listenPort }, done);
      changed = true;
    }
    return changed;
  }

  /**
   * `ReconcileHCLBTargets` for cloud servers: `servers` are the IDs of the Nodes handed over. Go's map order
   * is random; here servers are added in ID order.
   */
  async reconcileTargets(lb: Lb, servers: number[], annotation: Annotation, service: string, done: string[]) {
    let changed = false;
    const usePrivateIp = parseGoBool(annotation("use-private-ip")) ?? this.config.usePrivateIp;
    if (usePrivateIp && this.networkId === 0) {
      throw new Error(
        `Service ${service}: hcops/LoadBalancerOps.ReconcileHCLBTargets: use private ip: missing network id`,
      );
    }
    let count = lb.targets.length;
    const kept = new Set<number>();
    for (const t of lb.targets as Array<{ type: string; server?: { id: number }; use_private_ip?: boolean }>) {
      if (t.type !== "server") continue;
      const id = t.server!.id;
      if (servers.includes(id) && t.use_private_ip === usePrivateIp) {
        kept.add(id);
        continue;
      }
      await this.#act(lb, "remove_target", { type: "server", server: { id } }, done);
      changed = true;
      count--;
    }
    for (const id of servers) {
      if (kept.has(id)) continue;
      if (count >= lb.load_balancer_type.max_targets) continue; // the CCM emits MaxTargetsReached and goes on
      await this.#act(lb, "add_target", { type: "server", server: { id }, use_private_ip: usePrivateIp }, done);
      changed = true;
      count++;
    }
    return changed;
  }

  async #act(lb: Lb, command: string, body: unknown, done: string[]): Promise<void> {
    const { action } = await this.call("POST", `/load_balancers/${lb.id}/actions/${command}`, body);
    await this.waitFor(action);
    done.push(`load balancer ${lb.name}: ${command}${body === undefined ? "" : ` ${JSON.stringify(body)}`}`);
  }
}

/** `HCLOUD_NETWORK` as NewCloud resolves it (`Network.Get`: by ID when numeric, else by name). */
export async function resolveNetwork(call: HcloudCall, network: string): Promise<number> {
  if (/^\d+$/.test(network)) {
    try {
      return (await call("GET", `/networks/${network}`)).network.id;
    } catch (err) {
      if (!(err instanceof HcloudCallError && err.code === "not_found")) throw err;
    }
  }
  const { networks } = await call("GET", `/networks?${goQuery([["name", network]])}`);
  if (!networks[0]) throw new Error(`hcloud/newCloud: Network ${network} not found`);
  return networks[0].id;
}
