/**
 * The `k8zner-system/k8zner-operator` Deployment run for real: the local cloud plays scheduler,
 * ReplicaSet controller and kubelet for it and starts one `k8zner operator` child process per replica,
 * so end-to-end tests exercise the operator exactly as a cluster would run it.
 *
 * - Scheduling: on Nodes that match the pod template's `nodeSelector`, whose server runs and whose
 *   Talos node is configured, at most one per Node (the template's anti-affinity, and host networking
 *   binds the same ports); replicas beyond that stay pending.
 * - The container: its `command` minus the binary and its `args`, with `$(VAR)` expanded from the
 *   environment the kubelet builds (`env` with fieldRef and secretKeyRef resolved, `pod_env.ts`).
 *   Host networking: the pod IP is its node's private IP, which on loopback is the translated address
 *   (`private_network.ts`); `localhost` in `KUBERNETES_SERVICE_HOST` means the node itself, so it
 *   becomes that address too, where the node's own kube-apiserver answers (only there: a pod whose
 *   node's API server is down cannot reach the API, as on a real host-network pod using localhost).
 * - Credentials: a service account token the fake API issued for `serviceAccountName`, the cluster CA
 *   and the namespace, as files in a 0700 directory given as `K8ZNER_SERVICE_ACCOUNT_DIR` (the product
 *   reads `/var/run/secrets/kubernetes.io/serviceaccount` unless told otherwise).
 * - Outside world: `HCLOUD_ENDPOINT` = the simulator, `K8ZNER_TALOS_ADDRESS_MAP` = the cluster's private
 *   network map, plus any extra environment the local cloud was given.
 * - Lifecycle: an exited process is restarted after the kubelet's CrashLoopBackOff (10 s doubling to
 *   5 min, simulated, capped in real time); a changed pod template replaces every pod (stop old, then
 *   start new: the template's `maxSurge: 0`); scaling down stops the newest pods; deleting the
 *   Deployment stops all; a pod whose node stops running dies with it and is replaced elsewhere.
 *   Stopping is SIGTERM, then SIGKILL after the grace period (30 s, simulated).
 *
 * Each pod is also a `Pod` object bound to its Node (owned by the Deployment; the kubelet stand-in reports
 * it running), so `kubectl get pods -n k8zner-system` shows the operator. Deleting that object stops the
 * process, and the replica count brings a new pod, as the ReplicaSet controller would.
 *
 * @module
 */
import type { HcloudSimulator } from "../hcloud_sim/mod.ts";
import type { FakeKubeStore, KubeObj } from "../kube_fake/mod.ts";
import type { FakeTalosNetwork, FakeTalosNode } from "../talos_fake/mod.ts";
import { readKubeClusterFacts } from "./cluster_pki.ts";
import { ContainerConfigError, expandReferences, type PodFacts, resolveContainerEnv } from "./pod_env.ts";
import type { PrivateNetwork } from "./private_network.ts";

/** Where the operator Deployment lives. */
export const OPERATOR_DEPLOYMENT = { namespace: "k8zner-system", name: "k8zner-operator" } as const;

/** A started process, as the spawner returns it (`startK8zner` from tests/e2e/k8zner_process.ts fits). */
export interface SpawnedProcess {
  readonly pid: number;
  readonly done: Promise<{ code: number; signal: Deno.Signal | null }>;
  kill(signal?: Deno.Signal): void;
}

/** Starts `k8zner <args>` with exactly `env` in `cwd`, streaming its output lines. */
export type OperatorSpawn = (
  args: readonly string[],
  options: { cwd: string; env: Record<string, string>; onLine: (line: string, stream: "stdout" | "stderr") => void },
) => SpawnedProcess;

/** One operator pod, for tests. */
export interface OperatorPod {
  readonly name: string;
  /** The Node (server name) it runs on, and that server's id. */
  readonly nodeName: string;
  readonly serverId: number;
  /** Its pod IP (the node's translated private address). */
  readonly podIp: string;
  /** The current process id while one runs. */
  readonly pid: number | undefined;
  /** How often its container was restarted after exiting. */
  readonly restarts: number;
  /** Every output line of every run of its container, oldest first (stderr lines too). */
  readonly lines: readonly string[];
  /** The environment its container got last (secrets included: tests only). */
  readonly env: Readonly<Record<string, string>>;
  /** The arguments after `k8zner`. */
  readonly args: readonly string[];
  /** Signals the running process (a crash when not SIGTERM: it is restarted after backoff). */
  kill(signal?: Deno.Signal): void;
  /** Resolves when the current process exits (at once when none runs). */
  exited(): Promise<void>;
}

/** Dependencies of {@link OperatorPods}. */
export interface OperatorPodsDeps {
  sim: HcloudSimulator;
  talosNodes: ReadonlyMap<number, FakeTalosNode>;
  talosNetworks: ReadonlyMap<string, FakeTalosNetwork>;
  clusterOf: (network: FakeTalosNetwork) => { store: FakeKubeStore; apiUp: boolean } | undefined;
  privateNetwork: PrivateNetwork;
  hcloudUrl: string;
  spawn: OperatorSpawn;
  /** Extra environment for every operator process (e.g. `K8ZNER_MAX_SLEEP_MS`). */
  env?: Record<string, string>;
  realMs: (simulatedMs: number) => number;
  /** Upper bound (real ms) of the restart backoff (default 2000). */
  maxRestartBackoffMs?: number;
  log: (line: string) => void;
  onError: (err: Error) => void;
  /** Real ms between passes (default 50). */
  pollMs?: number;
}

const BACKOFF_START_MS = 10_000;
const BACKOFF_MAX_MS = 300_000;
const GRACE_MS = 30_000;
const BACKOFF_RESET_MS = 10 * 60_000;
const MAX_LINES = 20_000;

class Pod implements OperatorPod {
  readonly lines: string[] = [];
  restarts = 0;
  env: Record<string, string> = {};
  args: string[] = [];
  process: SpawnedProcess | undefined;
  exit: Promise<void> = Promise.resolve();
  /** Real time before which a crashed container is not restarted. */
  backoffUntil = 0;
  crashes = 0;
  stopping = false;
  constructor(
    readonly name: string,
    readonly store: FakeKubeStore,
    readonly network: FakeTalosNetwork,
    readonly templateHash: string,
    readonly nodeName: string,
    readonly serverId: number,
    readonly podIp: string,
    readonly dir: string,
  ) {}
  get pid(): number | undefined {
    return this.process?.pid;
  }
  kill(signal: Deno.Signal = "SIGTERM"): void {
    this.process?.kill(signal);
  }
  exited(): Promise<void> {
    return this.exit;
  }
}

/** Runs the operator Deployment of every cluster of the local cloud. */
export class OperatorPods {
  /** Operator pods by name. */
  readonly pods = new Map<string, OperatorPod>();
  readonly #deps: OperatorPodsDeps;
  readonly #pods = new Map<string, Pod>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #pass: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(deps: OperatorPodsDeps) {
    this.#deps = deps;
    this.#schedule();
  }

  /** One pass over the clusters' operator Deployments. */
  reconcile(): Promise<void> {
    this.#pass = this.#pass.then(() => this.#reconcile()).catch((err) =>
      this.#deps.onError(new Error(`local cloud: operator pods: ${(err as Error).message}`, { cause: err }))
    );
    return this.#pass;
  }

  /** Stops every operator process and removes their credential directories. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    await this.#pass;
    await Promise.all([...this.#pods.values()].map((pod) => this.#remove(pod, "SIGTERM")));
  }

  #schedule(): void {
    if (this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.reconcile().finally(() => this.#schedule());
    }, this.#deps.pollMs ?? 50);
  }

  async #reconcile(): Promise<void> {
    if (this.#closed) return;
    const live = new Set<FakeTalosNetwork>();
    for (const network of new Set(this.#deps.talosNetworks.values())) {
      const cluster = this.#deps.clusterOf(network);
      if (!cluster) continue;
      live.add(network);
      await this.#reconcileCluster(network, cluster.store);
    }
    // A pod dies with its node: once every server of its cluster is deleted (destroy), its network is
    // no longer among the nodes' and no pass above looks at it.
    for (const pod of [...this.#pods.values()]) {
      if (pod.stopping || live.has(pod.network)) continue;
      this.#deps.log(`operator pod ${pod.name}: its cluster's nodes are gone`);
      await this.#remove(pod, "SIGKILL");
    }
  }

  async #reconcileCluster(network: FakeTalosNetwork, store: FakeKubeStore): Promise<void> {
    const { namespace, name } = OPERATOR_DEPLOYMENT;
    const deployment = store.viewObject("apps/v1", "Deployment", name, namespace);
    const spec = (deployment?.spec ?? {}) as { replicas?: number; template?: KubeObj };
    const template = spec.template;
    const hash = template ? templateHash(template) : "";
    const desired = spec.replicas ?? 1;
    const eligible = template ? this.#eligibleNodes(network, store, template) : new Map();
    const mine = () => [...this.#pods.values()].filter((p) => p.network === network && !p.stopping);
    if (!deployment || !template) {
      for (const pod of mine()) await this.#remove(pod, "SIGTERM");
      return;
    }
    // A pod dies with its node; a pod of an old template or beyond the replica count is stopped.
    for (const pod of mine()) {
      if (!store.viewObject("v1", "Pod", pod.name, namespace)) {
        this.#deps.log(`operator pod ${pod.name}: its Pod object was deleted`);
        await this.#remove(pod, "SIGTERM");
      } else if (!eligible.has(pod.nodeName) || this.#deps.sim.state.servers.get(pod.serverId)?.status !== "running") {
        this.#deps.log(`operator pod ${pod.name}: its node ${pod.nodeName} is gone or down`);
        await this.#remove(pod, "SIGKILL");
      } else if (pod.templateHash !== hash) {
        this.#deps.log(`operator pod ${pod.name}: pod template changed, replacing it`);
        await this.#remove(pod, "SIGTERM");
      }
    }
    const current = mine();
    for (const pod of current.slice(desired).reverse()) await this.#remove(pod, "SIGTERM");
    for (const pod of mine()) {
      if (!pod.process && Date.now() >= pod.backoffUntil) await this.#run(pod, store, template!);
    }
    if (!template) return;
    const used = new Set(mine().map((p) => p.nodeName));
    for (let n = mine().length; n < desired; n++) {
      const node = [...eligible.values()].find((e) => !used.has(e.nodeName));
      if (!node) break;
      used.add(node.nodeName);
      const pod = await this.#create(store, network, deployment, node);
      if (pod) await this.#run(pod, store, template);
    }
  }

  /** Nodes the template may run on, by node name. */
  #eligibleNodes(
    network: FakeTalosNetwork,
    store: FakeKubeStore,
    template: KubeObj,
  ): Map<string, { nodeName: string; serverId: number; podIp: string; talos: FakeTalosNode }> {
    const selector = ((template.spec as Record<string, unknown> | undefined)?.nodeSelector ?? {}) as Record<
      string,
      string
    >;
    const out = new Map<string, { nodeName: string; serverId: number; podIp: string; talos: FakeTalosNode }>();
    const nodes = [...this.#deps.talosNodes].sort(([a], [b]) => a - b);
    for (const [serverId, talos] of nodes) {
      if (talos.network !== network || talos.state.mode !== "configured") continue;
      const server = this.#deps.sim.state.servers.get(serverId);
      const privateIp = server?.privateNet[0];
      if (server?.status !== "running" || !privateIp) continue;
      const node = store.viewObject("v1", "Node", talos.nodeName);
      const labels = ((node?.metadata as Record<string, unknown> | undefined)?.labels ?? {}) as Record<string, string>;
      if (!node || Object.entries(selector).some(([k, v]) => labels[k] !== v)) continue;
      const podIp = this.#deps.privateNetwork.loopbackOf(privateIp.network, privateIp.ip);
      out.set(talos.nodeName, { nodeName: talos.nodeName, serverId, podIp, talos });
    }
    return out;
  }

  async #create(
    store: FakeKubeStore,
    network: FakeTalosNetwork,
    deployment: KubeObj,
    node: { nodeName: string; serverId: number; podIp: string },
  ): Promise<Pod | undefined> {
    const template = (deployment.spec as { template: KubeObj }).template;
    const hash = templateHash(template);
    const suffix = Array.from(crypto.getRandomValues(new Uint8Array(3)), (b) => b.toString(36).padStart(2, "0"))
      .join("").slice(0, 5);
    const name = `${OPERATOR_DEPLOYMENT.name}-${hash.slice(0, 10)}-${suffix}`;
    const meta = deployment.metadata as { name: string; uid: string };
    const templateMeta = (template.metadata ?? {}) as { labels?: Record<string, string> };
    store.put({
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        name,
        namespace: OPERATOR_DEPLOYMENT.namespace,
        labels: { ...templateMeta.labels, "pod-template-hash": hash.slice(0, 10) },
        ownerReferences: [{
          apiVersion: "apps/v1",
          kind: "Deployment",
          name: meta.name,
          uid: meta.uid,
          controller: true,
        }],
      },
      spec: { ...(template.spec as Record<string, unknown>), nodeName: node.nodeName },
    });
    const dir = await Deno.makeTempDir({ prefix: "k8zner-operator-pod-" });
    await Deno.chmod(dir, 0o700);
    const pod = new Pod(name, store, network, hash, node.nodeName, node.serverId, node.podIp, dir);
    this.#pods.set(name, pod);
    this.pods.set(name, pod);
    this.#deps.log(`operator pod ${name}: scheduled on ${node.nodeName} (${node.podIp})`);
    return pod;
  }

  /** Starts the pod's container (again). */
  async #run(pod: Pod, store: FakeKubeStore, template: KubeObj): Promise<void> {
    if (this.#closed) return;
    const podSpec = (template.spec ?? {}) as Record<string, unknown>;
    const container = ((podSpec.containers ?? []) as Record<string, unknown>[])[0];
    if (!container) return;
    const namespace = OPERATOR_DEPLOYMENT.namespace;
    const serviceAccountName = String(podSpec.serviceAccountName ?? "default");
    const talos = this.#deps.talosNodes.get(pod.serverId);
    const ca = readKubeClusterFacts(talos?.state.appliedConfig ?? "")?.ca.certPem;
    if (!ca) return;
    let env: Record<string, string>;
    let token: string;
    try {
      token = store.issueServiceAccountToken(namespace, serviceAccountName);
      const facts: PodFacts = {
        name: pod.name,
        namespace,
        uid: crypto.randomUUID(),
        nodeName: pod.nodeName,
        podIp: pod.podIp,
        hostIp: pod.podIp,
        serviceAccountName,
      };
      const data = (kind: string) => (name: string) =>
        store.getObject("v1", kind, name, namespace)?.data as Record<string, string> | undefined;
      // The kubelet's service variables come first; the container's own env overrides them.
      const base = { KUBERNETES_SERVICE_HOST: pod.podIp, KUBERNETES_SERVICE_PORT: "6443" };
      env = resolveContainerEnv(
        container.env as Parameters<typeof resolveContainerEnv>[0],
        facts,
        { secret: data("Secret"), configMap: data("ConfigMap") },
        base,
      );
    } catch (err) {
      if (!(err instanceof ContainerConfigError) && (err as { code?: number }).code !== 404) throw err;
      this.#note(pod, `cannot start: ${(err as Error).message}`);
      pod.backoffUntil = Date.now() + this.#backoff(pod);
      return;
    }
    if (podSpec.hostNetwork === true && ["localhost", "127.0.0.1"].includes(env.KUBERNETES_SERVICE_HOST ?? "")) {
      env.KUBERNETES_SERVICE_HOST = pod.podIp;
    }
    const saDir = `${pod.dir}/serviceaccount`;
    await Deno.mkdir(saDir, { recursive: true, mode: 0o700 });
    const files: [string, string][] = [["token", token], ["ca.crt", ca], ["namespace", namespace]];
    for (const [file, text] of files) {
      await Deno.writeTextFile(`${saDir}/${file}`, text, { mode: 0o600 });
    }
    const privateIp = this.#deps.sim.state.servers.get(pod.serverId)?.privateNet[0];
    const full: Record<string, string> = {
      ...env,
      HCLOUD_ENDPOINT: this.#deps.hcloudUrl,
      ...(privateIp ? { K8ZNER_TALOS_ADDRESS_MAP: this.#deps.privateNetwork.addressMap(privateIp.network) } : {}),
      K8ZNER_SERVICE_ACCOUNT_DIR: saDir,
      ...this.#deps.env,
    };
    const command = ((container.command ?? []) as string[]).slice(1);
    const args = [...command, ...((container.args ?? []) as string[])].map((a) => expandReferences(a, full));
    pod.env = full;
    pod.args = args;
    const child = this.#deps.spawn(args, {
      cwd: pod.dir,
      env: full,
      onLine: (line) => {
        pod.lines.push(line);
        if (pod.lines.length > MAX_LINES) pod.lines.splice(0, pod.lines.length - MAX_LINES);
      },
    });
    pod.process = child;
    const startedAt = Date.now();
    this.#note(pod, `started pid ${child.pid} on ${pod.nodeName}: k8zner ${args.join(" ")}`);
    pod.exit = child.done.then((status) => {
      pod.process = undefined;
      if (pod.stopping || this.#closed) return;
      pod.restarts++;
      // The kubelet forgets the backoff once a container ran for 10 minutes.
      if (Date.now() - startedAt >= this.#deps.realMs(BACKOFF_RESET_MS)) pod.crashes = 0;
      pod.crashes++;
      const wait = this.#backoff(pod);
      pod.backoffUntil = Date.now() + wait;
      this.#note(
        pod,
        `exited (code ${status.code}${status.signal ? `, ${status.signal}` : ""}); restart in ${wait} ms`,
      );
    }, () => {
      pod.process = undefined;
    });
  }

  #backoff(pod: Pod): number {
    const simulated = Math.min(BACKOFF_MAX_MS, BACKOFF_START_MS * 2 ** Math.max(0, pod.crashes - 1));
    return Math.min(this.#deps.maxRestartBackoffMs ?? 2000, this.#deps.realMs(simulated));
  }

  /** Stops the pod's process (signal, then SIGKILL after the grace period) and forgets the pod. */
  async #remove(pod: Pod, signal: Deno.Signal): Promise<void> {
    pod.stopping = true;
    const process = pod.process;
    if (process) {
      process.kill(signal);
      const grace = Math.max(200, this.#deps.realMs(GRACE_MS));
      let timer: ReturnType<typeof setTimeout> | undefined;
      const killed = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          process.kill("SIGKILL");
          resolve();
        }, grace);
      });
      await Promise.race([pod.exit, killed]);
      clearTimeout(timer);
      await pod.exit;
    }
    this.#pods.delete(pod.name);
    this.pods.delete(pod.name);
    pod.store.remove("v1", "Pod", pod.name, OPERATOR_DEPLOYMENT.namespace);
    await Deno.remove(pod.dir, { recursive: true }).catch(() => {});
    this.#note(pod, "stopped");
  }

  #note(pod: Pod, what: string): void {
    this.#deps.log(`operator pod ${pod.name}: ${what}`);
  }
}

/** Hashes of frozen templates (the store's views): computed once, not on every 50 ms pass. */
const frozenHashes = new WeakMap<KubeObj, string>();

/** A stable hash of the pod template (the `pod-template-hash` role). */
function templateHash(template: KubeObj): string {
  const known = frozenHashes.get(template);
  if (known !== undefined) return known;
  const hash = computeTemplateHash(template);
  if (Object.isFrozen(template)) frozenHashes.set(template, hash);
  return hash;
}

function computeTemplateHash(template: KubeObj): string {
  const text = JSON.stringify(sortKeys(template));
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, "0") + text.length.toString(16).padStart(2, "0");
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(Object.keys(value).sort().map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]));
}
