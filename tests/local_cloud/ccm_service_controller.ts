/**
 * The Kubernetes service controller (k8s.io/cloud-provider v0.36.2, `controllers/service/controller.go`,
 * as hcloud-cloud-controller-manager v1.33.0's go.mod pins it) driving the Hetzner CCM's load balancer
 * implementation (`hcloud/load_balancers.go` at tag v1.33.0), played only in clusters where the CCM runs
 * (`runsCloudControllerManager`, as cloud_node_controller.ts). The Hetzner requests themselves are
 * `ccm_load_balancer_ops.ts`'s, request for request.
 *
 * - the CCM process starts (NewCloud, hcloud/cloud.go): it resolves `HCLOUD_NETWORK` (`GET /networks/{id}`,
 *   or by name) and checks its token with `GET /locations`; a changed configuration (a new pod) starts it again;
 * - a Service is synced when it is first seen wanting a load balancer, when a field `needsUpdate` compares
 *   changes (type, ports, annotations, source ranges, session affinity, IPs, traffic policy, health check node
 *   port, IP families) or when it needs cleanup; not when only its status, labels or finalizers change;
 * - sync, wanted: the finalizer `service.kubernetes.io/load-balancer-cleanup` first, then EnsureLoadBalancer:
 *   found by the label `hcloud-ccm/service-uid=<uid>`, else by name (`load-balancer.hetzner.cloud/name`, default
 *   `a` + the uid without dashes, 32 characters at most), else created (type from `/type`, else
 *   `HCLOUD_LOAD_BALANCERS_TYPE`, else lb11; location from `/location`, else `HCLOUD_LOAD_BALANCERS_LOCATION`, or
 *   network zone; neither is an error and nothing is created); label, network (`/private-ipv4`, the subnet
 *   `/private-subnet-ip-range` or `HCLOUD_LOAD_BALANCERS_PRIVATE_SUBNET_IP_RANGE`) and public interface
 *   reconciled, read again if that changed anything; one TCP service per TCP port (`listen_port` the port,
 *   `destination_port` its node port, `/protocol`, `/uses-proxyprotocol`); one server target per Node with an
 *   `hcloud://` provider ID (`/use-private-ip`, else `HCLOUD_LOAD_BALANCERS_USE_PRIVATE_IP`); read again if
 *   services or targets changed;
 * - the Nodes handed over pass the controller's stable node predicates (not being deleted, not labelled
 *   `node.kubernetes.io/exclude-from-external-load-balancers` with a value Go's ParseBool does not read as
 *   false, no `ToBeDeletedByClusterAutoscaler` taint), then the CCM's `/node-selector`;
 * - when only that node set changes (by name and provider ID), UpdateLoadBalancer: found by label (else name,
 *   else nothing), load balancer, targets, then services reconciled (every existing port gets `update_service`),
 *   no reads after, no status write;
 * - `status.loadBalancer.ingress`: `/hostname` alone when set, else the public IPv4 and IPv6 (public interface
 *   enabled; IPv6 unless `/ipv6-disabled`) and the private IPs (unless `/disable-private-ingress`), each with
 *   `ipMode` VIP (Proxy with proxy protocol);
 * - sync, not wanted (deleted, or no longer of type LoadBalancer): GetLoadBalancer (by label), and if found
 *   EnsureLoadBalancerDeleted (by label again, then `DELETE` unless protected); then the finalizer goes.
 *
 * Waits (action polls, the attach retry) sleep on the simulator's clock: `sleep` takes simulated milliseconds.
 *
 * @module
 */
import type { FakeKubeStore, KubeObj } from "../kube_fake/mod.ts";
import { parseLabelSelector } from "../kube_fake/selectors.ts";
import { type CcmConfig, parseGoBool, readCcmConfig } from "./ccm_config.ts";
import { runsCloudControllerManager } from "./cloud_node_controller.ts";
import { type Annotation, hcloudClient, type Lb, LoadBalancerOps, resolveNetwork } from "./ccm_load_balancer_ops.ts";

export { CCM_USER_AGENT, SERVICE_UID_LABEL } from "./ccm_load_balancer_ops.ts";

/** The finalizer the Kubernetes service controller puts on Services of type LoadBalancer. */
export const LB_CLEANUP_FINALIZER = "service.kubernetes.io/load-balancer-cleanup";
/** Nodes with this label (unless it reads as false) are never load balancer targets (the service controller's filter). */
export const EXCLUDE_FROM_LB_LABEL = "node.kubernetes.io/exclude-from-external-load-balancers";
/** Nodes with this taint are left out of load balancers (`nodeUnTaintedPredicate`). */
const TO_BE_DELETED_TAINT = "ToBeDeletedByClusterAutoscaler";
const ANNOTATION = "load-balancer.hetzner.cloud/";
const PROVIDER_ID = /^hcloud:\/\/(\d+)$/;

interface Meta {
  name: string;
  namespace: string;
  uid: string;
  annotations?: Record<string, string>;
  labels?: Record<string, string>;
  finalizers?: string[];
  deletionTimestamp?: string;
}

interface Port {
  port: number;
  nodePort?: number;
  protocol?: string;
}

/** What one cluster's service controller and CCM process hold between passes (their informer caches). */
export interface ServiceControllerState {
  /** The running CCM process: its configuration and the network NewCloud resolved. */
  process?: { config: string; networkId: number };
  /** Service uid -> the fields `needsUpdate` compares at the last sync and the node set last handed over. */
  services: Map<string, { spec: string; nodes: string }>;
}

/** The CCM's default load balancer name (`cloudprovider.DefaultLoadBalancerName`). */
export function defaultLoadBalancerName(uid: string): string {
  return `a${uid.replaceAll("-", "")}`.slice(0, 32);
}

/**
 * One pass of the service controller over one cluster's Services; returns what it did, one line per
 * change. Without a running CCM nothing happens; with `HCLOUD_LOAD_BALANCERS_ENABLED=false` the CCM starts
 * but syncs no Service.
 */
export async function reconcileServiceLoadBalancers(
  store: FakeKubeStore,
  hcloudUrl: string,
  options: {
    fetch?: typeof fetch;
    /** Sleeps this many simulated milliseconds (default: as many real ones). */
    sleep?: (simulatedMs: number) => Promise<void>;
    /** Kept between passes; without it every pass is a freshly started CCM. */
    state?: ServiceControllerState;
  } = {},
): Promise<string[]> {
  const state: ServiceControllerState = options.state ?? { services: new Map() };
  if (!runsCloudControllerManager(store)) {
    state.process = undefined;
    return [];
  }
  const config = readCcmConfig(store);
  if (!config) return [];
  const call = hcloudClient(hcloudUrl, config.token, options.fetch);
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const configKey = JSON.stringify(config);
  if (state.process?.config !== configKey) {
    // NewCloud: a network it cannot find stops the process (it restarts and tries again).
    const networkId = config.network === undefined ? 0 : await resolveNetwork(call, config.network);
    await call("GET", "/locations?");
    // A new process lists every Service again: each is "added" to its informer.
    state.process = { config: configKey, networkId };
    state.services.clear();
  }
  if (!config.enabled) return [];
  const ops = new LoadBalancerOps(call, config, state.process.networkId, sleep);
  const done: string[] = [];
  const rt = store.typeOf("v1", "Service");
  const nodes = stableNodes(store);
  const nodeSet = JSON.stringify(nodes.map((n) => [(n.metadata as Meta).name, providerIdOf(n)]).sort());
  const present = new Set<string>();
  // Shared frozen views, as the controller's informer cache holds them: writes go through the store.
  for (const svc of store.viewObjects("v1", "Service")) {
    const meta = svc.metadata as Meta;
    present.add(meta.uid);
    const spec = (svc.spec ?? {}) as { type?: string; ports?: Port[]; loadBalancerClass?: string };
    const finalized = (meta.finalizers ?? []).includes(LB_CLEANUP_FINALIZER);
    const wants = spec.type === "LoadBalancer" && spec.loadBalancerClass === undefined;
    const cleanup = finalized && (meta.deletionTimestamp !== undefined || spec.type !== "LoadBalancer");
    const seen = state.services.get(meta.uid);
    const fingerprint = needsUpdateFields(svc);
    const name = `${meta.namespace}/${meta.name}`;
    const annotation: Annotation = (key) => meta.annotations?.[`${ANNOTATION}${key}`];
    if (seen ? seen.spec !== fingerprint || cleanup : wants || cleanup) {
      if (!wants || cleanup) {
        await deleteLoadBalancer(ops, store, svc, done);
        state.services.set(meta.uid, { spec: fingerprint, nodes: nodeSet });
        continue;
      }
      if (!finalized) {
        const next = structuredClone(svc);
        (next.metadata as Meta).finalizers = [...(meta.finalizers ?? []), LB_CLEANUP_FINALIZER];
        store.update(rt, meta.namespace, meta.name, next, { fieldManager: "service-controller" });
      }
      const lb = await ensureLoadBalancer(ops, meta, spec.ports ?? [], targetsOf(nodes, meta), done);
      state.services.set(meta.uid, { spec: fingerprint, nodes: nodeSet });
      const ingress = ingressOf(lb, config, annotation);
      const current = store.read(rt, meta.namespace, meta.name);
      const status = { loadBalancer: { ingress } };
      if (JSON.stringify(current.status ?? {}) !== JSON.stringify(status)) {
        store.update(rt, meta.namespace, meta.name, { ...current, status }, {
          subresource: "status",
          fieldManager: "service-controller",
        });
        done.push(`Service ${name}: ingress ${ingress.map((i) => i.ip ?? i.hostname).join(", ")}`);
      }
    } else if (seen && wants && seen.nodes !== nodeSet) {
      // nodeSyncService: the new set is stored before the update; a failure requeues the Service for a full sync.
      seen.nodes = nodeSet;
      try {
        await updateLoadBalancer(ops, meta, spec.ports ?? [], targetsOf(nodes, meta), done);
      } catch (err) {
        if (await ops.findByUid(meta.uid)) seen.spec = "";
        throw err;
      }
    }
  }
  for (const uid of state.services.keys()) if (!present.has(uid)) state.services.delete(uid);
  return done;
}

/** The Service fields whose change makes the service controller sync it (`needsUpdate`). */
function needsUpdateFields(svc: KubeObj): string {
  const meta = svc.metadata as Meta;
  // deno-lint-ignore no-explicit-any
  const spec = (svc.spec ?? {}) as Record<string, any>;
  const ports = ((spec.ports ?? []) as Array<Record<string, unknown>>)
    .map((p) => [p.name, p.protocol, p.port, p.nodePort, p.targetPort, p.appProtocol]);
  return JSON.stringify([
    spec.type === "LoadBalancer" && spec.loadBalancerClass === undefined,
    spec.loadBalancerSourceRanges,
    ports,
    spec.sessionAffinity,
    spec.sessionAffinityConfig,
    spec.loadBalancerIP,
    spec.externalIPs,
    Object.entries(meta.annotations ?? {}).sort(),
    meta.uid,
    spec.externalTrafficPolicy,
    spec.healthCheckNodePort,
    (spec.ipFamilies ?? []).length,
  ]);
}

/** The Nodes the service controller hands to the cloud provider (`stableNodeSetPredicates`). */
function stableNodes(store: FakeKubeStore): KubeObj[] {
  return store.viewObjects("v1", "Node").filter((node) => {
    const meta = node.metadata as Meta;
    if (meta.deletionTimestamp) return false;
    const exclude = meta.labels?.[EXCLUDE_FROM_LB_LABEL];
    if (exclude !== undefined && parseGoBool(exclude) !== false) return false;
    const taints = ((node.spec as { taints?: Array<{ key: string }> } | undefined)?.taints) ?? [];
    return !taints.some((t) => t.key === TO_BE_DELETED_TAINT);
  });
}

const providerIdOf = (node: KubeObj) => (node.spec as { providerID?: string } | undefined)?.providerID ?? "";

/** The servers of the handed-over Nodes that match `/node-selector` and carry an `hcloud://` provider ID. */
function targetsOf(nodes: KubeObj[], meta: Meta): number[] {
  const selector = meta.annotations?.[`${ANNOTATION}node-selector`];
  const matches = selector ? parseLabelSelector(selector) : () => true;
  return nodes.flatMap((node) => {
    const id = matches(node) ? PROVIDER_ID.exec(providerIdOf(node))?.[1] : undefined;
    return id === undefined ? [] : [Number(id)];
  }).sort((a, b) => a - b);
}

/** EnsureLoadBalancer (hcloud/load_balancers.go): the load balancer as it stands afterwards. */
async function ensureLoadBalancer(
  ops: LoadBalancerOps,
  meta: Meta,
  ports: Port[],
  servers: number[],
  done: string[],
): Promise<Lb> {
  const annotation: Annotation = (key) => meta.annotations?.[`${ANNOTATION}${key}`];
  const service = `${meta.namespace}/${meta.name}`;
  const name = annotation("name") ?? defaultLoadBalancerName(meta.uid);
  let lb = await ops.findByUid(meta.uid) ?? await ops.findByName(name);
  if (!lb) {
    lb = await ops.create(name, meta.uid, service, annotation);
    done.push(`created load balancer ${name} for Service ${service}`);
  }
  if (await ops.reconcileHclb(lb, meta.uid, annotation, done)) lb = await ops.get(lb.id);
  const servicesChanged = await ops.reconcileServices(lb, ports, annotation, done);
  const targetsChanged = await ops.reconcileTargets(lb, servers, annotation, service, done);
  return servicesChanged || targetsChanged ? await ops.get(lb.id) : lb;
}

/** UpdateLoadBalancer (hcloud/load_balancers.go): a load balancer found by neither label nor name is left alone. */
async function updateLoadBalancer(ops: LoadBalancerOps, meta: Meta, ports: Port[], servers: number[], done: string[]) {
  const annotation: Annotation = (key) => meta.annotations?.[`${ANNOTATION}${key}`];
  const lb = await ops.findByUid(meta.uid) ??
    await ops.findByName(annotation("name") ?? defaultLoadBalancerName(meta.uid));
  if (!lb) return;
  await ops.reconcileHclb(lb, meta.uid, annotation, done);
  await ops.reconcileTargets(lb, servers, annotation, `${meta.namespace}/${meta.name}`, done);
  await ops.reconcileServices(lb, ports, annotation, done);
}

/** The delete branch of `syncLoadBalancerIfNeeded`: the load balancer (unless protected), the finalizer, the status. */
async function deleteLoadBalancer(ops: LoadBalancerOps, store: FakeKubeStore, svc: KubeObj, done: string[]) {
  const meta = svc.metadata as Meta;
  const rt = store.typeOf("v1", "Service");
  if (await ops.findByUid(meta.uid)) {
    // EnsureLoadBalancerDeleted looks it up again.
    const lb = await ops.findByUid(meta.uid);
    if (lb && !lb.protection?.delete) {
      await ops.delete(lb);
      done.push(`deleted load balancer ${lb.name} of Service ${meta.namespace}/${meta.name}`);
    }
  }
  if ((meta.finalizers ?? []).includes(LB_CLEANUP_FINALIZER)) {
    const next = structuredClone(svc);
    (next.metadata as Meta).finalizers = (meta.finalizers ?? []).filter((f) => f !== LB_CLEANUP_FINALIZER);
    store.update(rt, meta.namespace, meta.name, next, { fieldManager: "service-controller" });
  }
  const current = store.getObject("v1", "Service", meta.name, meta.namespace);
  const status = current?.status as { loadBalancer?: { ingress?: unknown[] } } | undefined;
  if (current && (status?.loadBalancer?.ingress?.length ?? 0) > 0) {
    store.update(rt, meta.namespace, meta.name, { ...current, status: { loadBalancer: {} } }, {
      subresource: "status",
      fieldManager: "service-controller",
    });
  }
}

/** `status.loadBalancer.ingress` as the CCM builds it (`buildLoadBalancerStatusIngress`). */
function ingressOf(
  lb: Lb,
  config: CcmConfig,
  annotation: Annotation,
): Array<{ ip?: string; hostname?: string; ipMode?: string }> {
  const hostname = annotation("hostname");
  if (hostname !== undefined) return [{ hostname }];
  const proxy = parseGoBool(annotation("uses-proxyprotocol")) ?? config.proxyProtocol ?? false;
  const ipMode = proxy ? "Proxy" : "VIP";
  const ingress: Array<{ ip: string; ipMode: string }> = [];
  if (lb.public_net.enabled) {
    ingress.push({ ip: lb.public_net.ipv4.ip, ipMode });
    const ipv6 = !(parseGoBool(annotation("ipv6-disabled")) ?? !config.ipv6);
    if (ipv6 && lb.public_net.ipv6.ip) ingress.push({ ip: lb.public_net.ipv6.ip, ipMode });
  }
  const privateIngress = !(parseGoBool(annotation("disable-private-ingress")) ?? !config.privateIngress);
  if (privateIngress) { for (const p of lb.private_net) ingress.push({ ip: p.ip, ipMode }); }
  return ingress;
}

/** Runs {@link reconcileServiceLoadBalancers} over every cluster now and then, one pass at a time. */
export class CcmServiceControllers {
  #timer: ReturnType<typeof setTimeout> | undefined;
  #pass: Promise<void> = Promise.resolve();
  #closed = false;
  /** Per cluster store: its service controller's caches and its CCM process. */
  readonly #states = new WeakMap<FakeKubeStore, ServiceControllerState>();

  constructor(
    private readonly deps: {
      hcloudUrl: string;
      /** The stores of the clusters whose API answers now. */
      stores: () => FakeKubeStore[];
      onError: (err: Error) => void;
      log: (line: string) => void;
      /** Real milliseconds between passes (default 100). */
      pollMs?: number;
      /** Real milliseconds of a simulated span (the local cloud's speed; default 1:1): the CCM's waits. */
      realMs?: (simulatedMs: number) => number;
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
          if (!this.#states.has(store)) this.#states.set(store, { services: new Map() });
          const state = this.#states.get(store)!;
          const realMs = this.deps.realMs ?? ((ms: number) => ms);
          const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, realMs(ms)));
          for (const line of await reconcileServiceLoadBalancers(store, this.deps.hcloudUrl, { state, sleep })) {
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
