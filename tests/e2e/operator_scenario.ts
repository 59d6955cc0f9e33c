/**
 * Shared setup of the operator end-to-end scenarios: a cluster created by the real `k8zner apply` in a
 * local cloud whose `k8zner-operator` Deployment runs as real `k8zner operator` processes, and the
 * product's surfaces the scenarios read (the K8znerCluster's status and conditions, Nodes, Events, the
 * servers in the Hetzner simulator, the fake Talos etcd member list). Changes go in as a user makes
 * them: `k8zner.yaml` + `apply --yes`, `kubectl patch --type merge` on the K8znerCluster, or a Hetzner
 * console action through the simulator's API.
 *
 * @module
 */
import { assertEquals } from "../assert.ts";
import { type LocalCloud, startLocalCloud } from "../local_cloud/mod.ts";
import { hcloud, waitFor } from "../local_cloud/test_helpers.ts";
import { kubectlRequirement } from "../kube_fake/kubectl_binary.ts";
import type { FakeKubeStore, KubeObj } from "../kube_fake/mod.ts";
import { clusterStore, k8zner, makeWorkdir, renderConfig } from "./apply_harness.ts";

/** A status condition of the K8znerCluster. */
export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

/** A Hetzner server as the simulator holds it (the fields the scenarios read). */
export interface SimServer {
  id: number;
  name: string;
  status: string;
  labels: Record<string, string>;
}

/** One running scenario: the cloud, the working directory of `k8zner.yaml`, the cluster's name. */
export interface Scenario extends AsyncDisposable {
  cloud: LocalCloud;
  dir: string;
  name: string;
  /** The cluster's fake Kubernetes API store (one per cluster, whichever control plane answers). */
  store(): FakeKubeStore;
  /** The last lines of every operator process, for failure messages. */
  operatorOutput(lines?: number): string;
  /** Waits for `check` (real ms), adding the operator's output and status to a timeout. */
  until<T>(what: string, check: () => T | undefined | false, timeoutMs?: number): Promise<T>;
  /** `kubectl` with the admin kubeconfig `apply` wrote. */
  kubectl(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  /** `kubectl patch k8z <name> --type merge -p <patch>`; throws when kubectl fails. */
  patchCluster(patch: unknown): Promise<void>;
  /** Writes `k8zner.yaml` with `workers` and runs `apply --yes`; throws unless it exits 0. */
  applyWorkers(workers: number): Promise<void>;
  /** Writes `k8zner.yaml` with `workers` and the extra lines `config` and runs `apply --yes`; throws unless it exits 0. */
  applyConfig(workers: number, config: string[]): Promise<{ stdout: string; stderr: string }>;
  /** The Nodes' readiness by name (the operator's real Cilium gives each its pod network). */
  nodes(): Record<string, string>;
  /** Waits until exactly `names` are Nodes, every one Ready (re-installing the fake CNI as Nodes join). */
  waitForReadyNodes(names: string[], timeoutMs?: number): Promise<void>;
  /** The cluster's servers in the simulator, by name. */
  servers(): Map<string, SimServer>;
  /** The K8znerCluster's status. */
  status(): { phase?: string; conditions?: Condition[]; [key: string]: unknown };
  condition(type: string): Condition | undefined;
  /** Events in `k8zner-system` as `<reason> <involved name>: <message>`. */
  events(): string[];
}

const KUBECTL = await kubectlRequirement();

/** Whether kubectl 1.35 could be had (the scenarios patch with it as a user would). */
export const KUBECTL_PATH: string | undefined = KUBECTL.path;

/**
 * Starts a local cloud and creates cluster `name` with the real `apply` (mode `mode`, `workers` workers,
 * the extra `k8zner.yaml` lines `config`), then sets `spec.healthCheck.nodeNotReadyThreshold` to
 * `threshold` with kubectl when given.
 */
export async function startScenario(
  name: string,
  mode: "dev" | "ha",
  workers: number,
  options: { threshold?: string; config?: string[] } = {},
): Promise<Scenario> {
  const cloud = await startLocalCloud({ speed: 200 });
  const withExtra = (count: number, extra: string[]) =>
    renderConfig(name, mode, count) + extra.map((l) => `${l}\n`).join("");
  const dir = await makeWorkdir(withExtra(workers, options.config ?? []));
  const kubeDir = await Deno.makeTempDir({ prefix: "k8zner-kubectl-" });
  const store = () => {
    const s = clusterStore(cloud, name);
    if (!s) throw new Error(`no Kubernetes API answers behind ${name}-kube`);
    return s;
  };
  const operatorOutput = (lines = 30) =>
    [...cloud.operatorPods.values()].map((p) =>
      `--- ${p.name} (restarts ${p.restarts})\n${p.lines.slice(-lines).join("\n")}`
    ).join("\n");
  // Read-only looks (shared frozen views, no copy): the scenarios poll these every 20-100 ms.
  const clusterObj = () => store().viewObject("k8zner.io/v1alpha1", "K8znerCluster", name, "k8zner-system");
  const status = () => (clusterObj()?.status ?? {}) as ReturnType<Scenario["status"]>;
  const scenario: Scenario = {
    cloud,
    dir,
    name,
    store,
    operatorOutput,
    async until(what, check, timeoutMs = 60_000) {
      try {
        return await waitFor(what, check, timeoutMs);
      } catch (err) {
        throw new Error(
          `${(err as Error).message}\nstatus: ${JSON.stringify(status().conditions)}\nservers: ${
            [...scenario.servers().keys()].join(", ")
          }\nnodes: ${JSON.stringify(scenario.nodes())}\n${operatorOutput()}`,
        );
      }
    },
    async kubectl(...args) {
      if (!KUBECTL.path) throw new Error("no kubectl");
      const out = await new Deno.Command(KUBECTL.path, {
        args: [...args, `--cache-dir=${kubeDir}/cache`],
        env: { KUBECONFIG: `${dir}/secrets/${name}/kubeconfig`, HOME: kubeDir },
        stdout: "piped",
        stderr: "piped",
      }).output();
      const text = (b: Uint8Array) => new TextDecoder().decode(b);
      return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
    },
    async patchCluster(patch) {
      const r = await scenario.kubectl(
        "patch",
        "k8z",
        name,
        "-n",
        "k8zner-system",
        "--type",
        "merge",
        "-p",
        JSON.stringify(patch),
      );
      assertEquals(r.code, 0, `kubectl patch: ${r.stdout}${r.stderr}`);
    },
    async applyWorkers(count) {
      await scenario.applyConfig(count, options.config ?? []);
    },
    async applyConfig(count, extra) {
      await Deno.writeTextFile(`${dir}/k8zner.yaml`, withExtra(count, extra));
      const r = await k8zner(cloud, dir, ["apply", "--yes"]);
      assertEquals(r.code, 0, `${r.stdout}\n${r.stderr}`);
      return { stdout: r.stdout, stderr: r.stderr };
    },
    nodes() {
      const s = store();
      return Object.fromEntries(
        s.viewObjects("v1", "Node").map((n) => [
          (n.metadata as { name: string }).name,
          ((n.status as { conditions?: Condition[] } | undefined)?.conditions ?? []).find((c) => c.type === "Ready")
            ?.status ?? "none",
        ]),
      );
    },
    async waitForReadyNodes(names, timeoutMs = 90_000) {
      const want = JSON.stringify(Object.fromEntries([...names].sort().map((n) => [n, "True"])));
      await scenario.until(`Nodes ${names.join(", ")} Ready`, () => {
        const nodes = scenario.nodes();
        return JSON.stringify(Object.fromEntries(Object.entries(nodes).sort())) === want;
      }, timeoutMs);
    },
    servers() {
      return new Map(
        [...cloud.sim.state.servers.values()]
          .filter((s) => (s.labels as Record<string, string>)["k8zner.io/cluster"] === name)
          .map((s) => [s.name, s as unknown as SimServer]),
      );
    },
    status,
    condition(type) {
      return status().conditions?.find((c) => c.type === type);
    },
    events() {
      return store().listObjects("v1", "Event", "k8zner-system").map((e) =>
        `${e.reason as string} ${(e.involvedObject as { name?: string } | undefined)?.name ?? ""}: ${e
          .message as string}`
      );
    },
    async [Symbol.asyncDispose]() {
      await cloud.close();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
      await Deno.remove(kubeDir, { recursive: true }).catch(() => {});
    },
  };
  try {
    const r = await k8zner(cloud, dir, ["apply"]);
    assertEquals(r.code, 0, `${r.stdout}\n${r.stderr}`);
    if (options.threshold) {
      await scenario.patchCluster({ spec: { healthCheck: { nodeNotReadyThreshold: options.threshold } } });
    }
  } catch (err) {
    await scenario[Symbol.asyncDispose]();
    throw err;
  }
  return scenario;
}

/** Powers server `id` off as a user in the Hetzner console would (`POST /servers/{id}/actions/poweroff`). */
export async function powerOff(cloud: LocalCloud, id: number): Promise<void> {
  await hcloud(cloud.hcloudUrl, "POST", `/servers/${id}/actions/poweroff`);
}

/** Worker names `<name>-w-1` … `<name>-w-<n>`. */
export function workerNames(name: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => `${name}-w-${i + 1}`);
}

/** Control-plane names `<name>-cp-1` … `<name>-cp-<n>`. */
export function controlPlaneNames(name: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => `${name}-cp-${i + 1}`);
}

/** A Pod bound to `node` (running, as the kubelet stand-in runs bound pods) with `labels`. */
export function podOn(name: string, node: string, labels: Record<string, string>): KubeObj {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default", labels },
    spec: { nodeName: node, containers: [{ name: "app", image: "registry.example/app:1" }] },
  };
}

/** The etcd member list of the cluster's network in the fake Talos (`hostname` and learner flag). */
export function etcdMembers(cloud: LocalCloud): { hostname: string; isLearner: boolean; id: bigint }[] {
  const etcd = [...cloud.talosNetworks.values()].find((n) => n.etcd)?.etcd;
  return (etcd?.members ?? []).map((m) => ({ hostname: m.hostname, isLearner: m.isLearner, id: m.id }));
}

/** `hostname` or `hostname (learner)` for each etcd member, sorted. */
export function etcdSummary(cloud: LocalCloud): string[] {
  return etcdMembers(cloud).map((m) => m.isLearner ? `${m.hostname} (learner)` : m.hostname).sort();
}
