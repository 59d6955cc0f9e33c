/**
 * The Hetzner CCM's load balancer controller (with the Kubernetes service controller that drives it),
 * played only in clusters where the CCM runs (`runsCloudControllerManager`, as cloud_node_controller.ts):
 * every Service of type LoadBalancer gets a Hetzner load balancer through the simulator's HTTP API,
 * as hcloud-cloud-controller-manager makes it (hcloud/load_balancers.go, internal/hcops/load_balancer.go):
 *
 * - the service controller first adds the finalizer `service.kubernetes.io/load-balancer-cleanup`;
 * - found by the label `hcloud-ccm/service-uid=<uid>`, else by name, else created: name from
 *   `load-balancer.hetzner.cloud/name` (default `a` + the uid without dashes, 32 characters at most),
 *   type from `/type` (else `HCLOUD_LOAD_BALANCERS_TYPE`, else lb11), location from `/location` (else
 *   `HCLOUD_LOAD_BALANCERS_LOCATION`) or network zone from `/network-zone` (neither is an error the
 *   CCM reports, and nothing is created), `/algorithm-type`, `/disable-public-network`; the only label
 *   is `hcloud-ccm/service-uid` (the CCM has no annotation for others);
 * - attached to `HCLOUD_NETWORK` (at `/private-ipv4`, in the subnet `/private-subnet-ip-range` or
 *   `HCLOUD_LOAD_BALANCERS_PRIVATE_SUBNET_IP_RANGE` when set);
 * - one TCP service per Service port, `listen_port` the port, `destination_port` its node port
 *   (`/protocol`, `/uses-proxyprotocol`);
 * - one server target per Node with an `hcloud://` provider ID that the service controller selects
 *   (not labelled `node.kubernetes.io/exclude-from-external-load-balancers`, matching
 *   `/node-selector`), with `use_private_ip` from `/use-private-ip` (else `HCLOUD_LOAD_BALANCERS_USE_PRIVATE_IP`);
 * - `status.loadBalancer.ingress`: `/hostname` alone when set, else the public IPv4 and IPv6 (public
 *   interface enabled; IPv6 unless `/ipv6-disabled`) and the private IPs (unless `/disable-private-ingress`),
 *   each with `ipMode` VIP (Proxy with proxy protocol);
 * - a Service deleted (or no longer of type LoadBalancer) loses its load balancer (unless protected),
 *   then the finalizer.
 *
 * @module
 */
import type { FakeKubeStore } from "../kube_fake/mod.ts";
import { parseLabelSelector } from "../kube_fake/selectors.ts";
import { type CcmConfig, parseGoBool, readCcmConfig } from "./ccm_config.ts";
import { runsCloudControllerManager } from "./cloud_node_controller.ts";

/** The finalizer the Kubernetes service controller puts on Services of type LoadBalancer. */
export const LB_CLEANUP_FINALIZER = "service.kubernetes.io/load-balancer-cleanup";
/** The label by which the hcloud CCM finds a Service's load balancer. */
export const SERVICE_UID_LABEL = "hcloud-ccm/service-uid";
/** Nodes with this label are never load balancer targets (the service controller's filter). */
export const EXCLUDE_FROM_LB_LABEL = "node.kubernetes.io/exclude-from-external-load-balancers";
const ANNOTATION = "load-balancer.hetzner.cloud/";
const PROVIDER_ID = /^hcloud:\/\/(\d+)$/;

interface Meta {
  name: string;
  namespace: string;
  uid: string;
  resourceVersion?: string;
  annotations?: Record<string, string>;
  labels?: Record<string, string>;
  finalizers?: string[];
  deletionTimestamp?: string;
}

interface Port {
  port: number;
  nodePort?: number;
}

// deno-lint-ignore no-explicit-any
type Lb = any;

/** Calls the Hetzner API as the CCM's hcloud-go client does; throws with the API's error code. */
export type HcloudCall = (method: string, path: string, body?: unknown) => Promise<Lb>;

/** A client over `fetch` for `url` (e.g. the simulator's) with `token`. */
/** The User-Agent of the stand-in's Hetzner requests (the real CCM's starts the same way). */
export const CCM_USER_AGENT = "hcloud-cloud-controller-manager/v1.33.0 (k8zner local cloud)";

export function hcloudClient(url: string, token: string, fetchFn: typeof fetch = fetch): HcloudCall {
  return async (method, path, body) => {
    const res = await fetchFn(`${url}${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${token}`,
        // As hcloud-go names its caller: request counts tell the CLI, the operator and the CCM apart.
        "User-Agent": CCM_USER_AGENT,
        ...(body === undefined ? {} : { "Content-Type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    const parsed = text ? JSON.parse(text) : {};
    if (!res.ok) {
      const error = parsed.error ?? {};
      throw new Error(`${method} ${path}: ${error.code ?? res.status}: ${error.message ?? text}`);
    }
    return parsed;
  };
}

/** Polls an action until it leaves `running` (the CCM's `ActionClient.WaitFor`); throws when it failed. */
async function waitForAction(call: HcloudCall, action: { id: number } | undefined, sleep: () => Promise<void>) {
  if (!action) return;
  for (;;) {
    const { action: now } = await call("GET", `/actions/${action.id}`);
    if (now.status === "success") return;
    if (now.status === "error") throw new Error(`action ${now.command} failed: ${now.error?.message}`);
    await sleep();
  }
}

/** The CCM's default load balancer name (`cloudprovider.DefaultLoadBalancerName`). */
export function defaultLoadBalancerName(uid: string): string {
  return `a${uid.replaceAll("-", "")}`.slice(0, 32);
}

/**
 * One pass of the load balancer controller over one cluster's Services; returns what it did, one line
 * per change. Without a running CCM (or with `HCLOUD_LOAD_BALANCERS_ENABLED=false`) nothing happens.
 */
export async function reconcileServiceLoadBalancers(
  store: FakeKubeStore,
  hcloudUrl: string,
  options: {
    fetch?: typeof fetch;
    sleep?: () => Promise<void>;
    /**
     * Service uid -> what the last pass saw of it (resourceVersion and target servers). A Service seen
     * unchanged is skipped: the real service controller acts on Service and Node changes from its
     * informers, it does not poll Hetzner for every Service (the project's request budget is shared).
     */
    seen?: Map<string, string>;
  } = {},
): Promise<string[]> {
  if (!runsCloudControllerManager(store)) return [];
  const config = readCcmConfig(store);
  if (!config?.enabled) return [];
  const call = hcloudClient(hcloudUrl, config.token, options.fetch);
  const sleep = options.sleep ?? (() => new Promise<void>((r) => setTimeout(r, 20)));
  const done: string[] = [];
  const rt = store.typeOf("v1", "Service");
  for (const svc of store.listObjects("v1", "Service")) {
    const meta = svc.metadata as Meta;
    const spec = (svc.spec ?? {}) as { type?: string; ports?: Port[]; loadBalancerClass?: string };
    const finalized = (meta.finalizers ?? []).includes(LB_CLEANUP_FINALIZER);
    // A Service naming a loadBalancerClass belongs to another controller; the cloud provider's leaves it alone.
    if (spec.loadBalancerClass !== undefined && !finalized) continue;
    const wanted = spec.type === "LoadBalancer" && spec.loadBalancerClass === undefined && !meta.deletionTimestamp;
    const fingerprint = JSON.stringify([meta.resourceVersion, wanted, targetServers(store, meta)]);
    if (options.seen?.get(meta.uid) === fingerprint) continue;
    if (!wanted) {
      if (!finalized) continue;
      const lb = await findByUid(call, meta.uid);
      if (lb && !lb.protection?.delete) {
        await call("DELETE", `/load_balancers/${lb.id}`);
        done.push(`deleted load balancer ${lb.name} of Service ${meta.namespace}/${meta.name}`);
      }
      const next = structuredClone(svc);
      (next.metadata as Meta).finalizers = (meta.finalizers ?? []).filter((f) => f !== LB_CLEANUP_FINALIZER);
      store.update(rt, meta.namespace, meta.name, next, { fieldManager: "service-controller" });
      if (spec.type !== "LoadBalancer") {
        store.update(rt, meta.namespace, meta.name, { ...store.read(rt, meta.namespace, meta.name), status: {} }, {
          subresource: "status",
          fieldManager: "service-controller",
        });
      }
      continue;
    }
    if (!finalized) {
      const next = structuredClone(svc);
      (next.metadata as Meta).finalizers = [...(meta.finalizers ?? []), LB_CLEANUP_FINALIZER];
      store.update(rt, meta.namespace, meta.name, next, { fieldManager: "service-controller" });
    }
    const lb = await ensureLoadBalancer(call, sleep, config, meta, spec.ports ?? [], targetServers(store, meta), done);
    if (!lb) continue;
    const ingress = ingressOf(lb, config, meta.annotations ?? {});
    const current = store.read(rt, meta.namespace, meta.name);
    const status = { loadBalancer: { ingress } };
    if (JSON.stringify(current.status ?? {}) !== JSON.stringify(status)) {
      store.update(rt, meta.namespace, meta.name, { ...current, status }, {
        subresource: "status",
        fieldManager: "service-controller",
      });
      done.push(`Service ${meta.namespace}/${meta.name}: ingress ${ingress.map((i) => i.ip ?? i.hostname).join(", ")}`);
    }
    const after = store.read(rt, meta.namespace, meta.name).metadata as Meta;
    options.seen?.set(meta.uid, JSON.stringify([after.resourceVersion, wanted, targetServers(store, meta)]));
  }
  return done;
}

async function findByUid(call: HcloudCall, uid: string): Promise<Lb | undefined> {
  const { load_balancers } = await call(
    "GET",
    `/load_balancers?label_selector=${encodeURIComponent(`${SERVICE_UID_LABEL}=${uid}`)}`,
  );
  return load_balancers[0];
}

/** The servers the service controller hands to the CCM: Nodes not excluded, matching `/node-selector`. */
function targetServers(store: FakeKubeStore, meta: Meta): number[] {
  const selector = meta.annotations?.[`${ANNOTATION}node-selector`];
  const matches = selector ? parseLabelSelector(selector) : () => true;
  return store.listObjects("v1", "Node").flatMap((node) => {
    const labels = (node.metadata as Meta).labels ?? {};
    if (EXCLUDE_FROM_LB_LABEL in labels || (node.metadata as Meta).deletionTimestamp || !matches(node)) return [];
    const id = PROVIDER_ID.exec((node.spec as { providerID?: string } | undefined)?.providerID ?? "")?.[1];
    return id === undefined ? [] : [Number(id)];
  }).sort((a, b) => a - b);
}

async function ensureLoadBalancer(
  call: HcloudCall,
  sleep: () => Promise<void>,
  config: CcmConfig,
  meta: Meta,
  ports: Port[],
  servers: number[],
  done: string[],
): Promise<Lb | undefined> {
  const annotations = meta.annotations ?? {};
  const annotation = (key: string) => annotations[`${ANNOTATION}${key}`];
  const name = annotation("name") ?? defaultLoadBalancerName(meta.uid);
  let lb = await findByUid(call, meta.uid);
  if (!lb) {
    lb = (await call("GET", `/load_balancers?name=${encodeURIComponent(name)}`)).load_balancers[0];
  }
  if (!lb) {
    let location = config.location;
    if (annotation("location") !== undefined) location = annotation("location") || undefined;
    const networkZone = location ? undefined : annotation("network-zone") ?? config.networkZone;
    if (!location && !networkZone) {
      throw new Error(
        `Service ${meta.namespace}/${meta.name}: hcops/LoadBalancerOps.Create: neither ` +
          `${ANNOTATION}location nor ${ANNOTATION}network-zone set`,
      );
    }
    const disablePublic = parseGoBool(annotation("disable-public-network")) ?? config.disablePublicNetwork;
    const algorithm = annotation("algorithm-type") ?? config.algorithm;
    const created = await call("POST", "/load_balancers", {
      name,
      load_balancer_type: annotation("type") ?? config.type ?? "lb11",
      labels: { [SERVICE_UID_LABEL]: meta.uid },
      ...(location ? { location } : { network_zone: networkZone }),
      ...(algorithm ? { algorithm: { type: algorithm } } : {}),
      ...(disablePublic === undefined ? {} : { public_interface: !disablePublic }),
    });
    await waitForAction(call, created.action, sleep);
    lb = created.load_balancer;
    done.push(`created load balancer ${name} for Service ${meta.namespace}/${meta.name}`);
  } else if (lb.labels?.[SERVICE_UID_LABEL] !== meta.uid) {
    await call("PUT", `/load_balancers/${lb.id}`, { labels: { ...lb.labels, [SERVICE_UID_LABEL]: meta.uid } });
  }
  const networkId = config.network === undefined ? undefined : await resolveNetwork(call, config.network);
  const subnet = annotation("private-subnet-ip-range") ?? config.privateSubnetIpRange;
  if (networkId !== undefined && !lb.private_net.some((p: { network: number }) => p.network === networkId)) {
    const { action } = await call("POST", `/load_balancers/${lb.id}/actions/attach_to_network`, {
      network: networkId,
      ...(annotation("private-ipv4") ? { ip: annotation("private-ipv4") } : {}),
      ...(subnet ? { ip_range: subnet } : {}),
    });
    await waitForAction(call, action, sleep);
    done.push(`attached load balancer ${name} to network ${networkId}`);
  }
  lb = (await call("GET", `/load_balancers/${lb.id}`)).load_balancer;
  const act = async (command: string, body: unknown) => {
    const { action } = await call("POST", `/load_balancers/${lb.id}/actions/${command}`, body);
    await waitForAction(call, action, sleep);
    done.push(`load balancer ${name}: ${command} ${JSON.stringify(body)}`);
  };
  const protocol = annotation("protocol") ?? "tcp";
  const proxyprotocol = parseGoBool(annotation("uses-proxyprotocol")) ?? config.proxyProtocol ?? false;
  const listening = new Set(ports.map((p) => p.port));
  for (const s of lb.services) {
    if (!listening.has(s.listen_port)) await act("delete_service", { listen_port: s.listen_port });
  }
  for (const p of ports) {
    if (p.nodePort === undefined) continue;
    const existing = lb.services.find((s: { listen_port: number }) => s.listen_port === p.port);
    const body = { protocol, listen_port: p.port, destination_port: p.nodePort, proxyprotocol };
    if (!existing) await act("add_service", body);
    else if (existing.destination_port !== p.nodePort || existing.protocol !== protocol) {
      await act("update_service", body);
    }
  }
  if (config.usePrivateIp && networkId === undefined) {
    throw new Error(`Service ${meta.namespace}/${meta.name}: use private ip: missing network id`);
  }
  const usePrivateIp = parseGoBool(annotation("use-private-ip")) ?? config.usePrivateIp;
  const targeted = new Map<number, boolean>(
    lb.targets.filter((t: { type: string }) => t.type === "server").map((
      t: { server: { id: number }; use_private_ip: boolean },
    ) => [t.server.id, t.use_private_ip]),
  );
  for (const [id, privateIp] of targeted) {
    if (!servers.includes(id) || privateIp !== usePrivateIp) {
      await act("remove_target", { type: "server", server: { id } });
      targeted.delete(id);
    }
  }
  for (const id of servers) {
    if (!targeted.has(id)) await act("add_target", { type: "server", server: { id }, use_private_ip: usePrivateIp });
  }
  return (await call("GET", `/load_balancers/${lb.id}`)).load_balancer;
}

async function resolveNetwork(call: HcloudCall, network: string): Promise<number> {
  if (/^\d+$/.test(network)) return Number(network);
  const { networks } = await call("GET", `/networks?name=${encodeURIComponent(network)}`);
  if (!networks[0]) throw new Error(`network ${network} not found`);
  return networks[0].id;
}

/** `status.loadBalancer.ingress` as the CCM builds it (`buildLoadBalancerStatusIngress`). */
function ingressOf(
  lb: Lb,
  config: CcmConfig,
  annotations: Record<string, string>,
): Array<{ ip?: string; hostname?: string; ipMode?: string }> {
  const hostname = annotations[`${ANNOTATION}hostname`];
  if (hostname !== undefined) return [{ hostname }];
  const proxy = parseGoBool(annotations[`${ANNOTATION}uses-proxyprotocol`]) ?? config.proxyProtocol ?? false;
  const ipMode = proxy ? "Proxy" : "VIP";
  const ingress: Array<{ ip: string; ipMode: string }> = [];
  if (lb.public_net.enabled) {
    ingress.push({ ip: lb.public_net.ipv4.ip, ipMode });
    const ipv6 = !(parseGoBool(annotations[`${ANNOTATION}ipv6-disabled`]) ?? !config.ipv6);
    if (ipv6 && lb.public_net.ipv6.ip) ingress.push({ ip: lb.public_net.ipv6.ip, ipMode });
  }
  const privateIngress = !(parseGoBool(annotations[`${ANNOTATION}disable-private-ingress`]) ?? !config.privateIngress);
  if (privateIngress) { for (const p of lb.private_net) ingress.push({ ip: p.ip, ipMode }); }
  return ingress;
}

/** Runs {@link reconcileServiceLoadBalancers} over every cluster now and then, one pass at a time. */
export class CcmServiceControllers {
  #timer: ReturnType<typeof setTimeout> | undefined;
  #pass: Promise<void> = Promise.resolve();
  #closed = false;
  /** Per cluster store: what each Service looked like when last reconciled. */
  readonly #seen = new WeakMap<FakeKubeStore, Map<string, string>>();

  constructor(
    private readonly deps: {
      hcloudUrl: string;
      /** The stores of the clusters whose API answers now. */
      stores: () => FakeKubeStore[];
      onError: (err: Error) => void;
      log: (line: string) => void;
      /** Real milliseconds between passes (default 100). */
      pollMs?: number;
    },
  ) {
    this.#schedule();
  }

  /** One pass over every cluster (after any running one). */
  reconcile(): Promise<void> {
    this.#pass = this.#pass.then(async () => {
      for (const store of this.deps.stores()) {
        if (this.#closed) return;
        try {
          if (!this.#seen.has(store)) this.#seen.set(store, new Map());
          const seen = this.#seen.get(store)!;
          for (const line of await reconcileServiceLoadBalancers(store, this.deps.hcloudUrl, { seen })) {
            this.deps.log(`service controller: ${line}`);
          }
        } catch (err) {
          this.deps.log(`service controller: ${(err as Error).message}`);
        }
      }
    });
    return this.#pass;
  }

  /** Stops the passes (waits for the running one). */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    await this.#pass;
  }

  #schedule(): void {
    if (this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.reconcile().finally(() => this.#schedule());
    }, this.deps.pollMs ?? 100);
  }
}
