/**
 * A world for the CNI and Addons steps without Hetzner or Talos: the in-process fake Kubernetes API with
 * our CRD and a K8znerCluster (status.infrastructure.networkID set, as the Infrastructure step leaves it),
 * a {@link ScriptedHelm} playing Helm's storage in that API's store, a charts directory with a Gateway
 * bundle, Nodes and a ready `cilium` DaemonSet on demand, an injected clock, and the real reconciler
 * running only the CNI and Addons steps.
 *
 * @module
 */
import { K8ZNER_API_VERSION, K8ZNER_CLUSTER_KIND, renderK8znerClusterCrd } from "../../src/addons/k8zner_crd.ts";
import { renderK8znerCluster, renderK8znerClusterSpec } from "../../src/addons/k8zner_cluster.ts";
import { expandSpec, type Spec } from "../../src/config/mod.ts";
import { createKubeClient, type KubeClient, type KubeObject } from "../../src/kube/mod.ts";
import { createClusterReconciler } from "../../src/operator/reconcile/cluster_reconciler.ts";
import type { ReconcileContext } from "../../src/operator/reconcile/context.ts";
import { PROVISIONING_PHASES } from "../../src/operator/reconcile/context.ts";
import { addonsStep } from "../../src/operator/reconcile/steps/addons.ts";
import { cniStep } from "../../src/operator/reconcile/steps/cni.ts";
import {
  createJsonLogger,
  EventRecorder,
  OperatorMetrics,
  type ReconcileResult,
} from "../../src/operator/runtime/mod.ts";
import { realTimers } from "../../src/lib/timers.ts";
import { type FakeKubeApi, startFakeKubeApi } from "../kube_fake/mod.ts";
import { makeChartsDir, ScriptedHelm } from "./scripted_helm.ts";

export const NS = "k8zner-system";
export const NAME = "ad1";
export const NETWORK_ID = 4711;
/** The cluster's Hetzner token in these tests: must never reach Helm's arguments, values or the logs. */
export const TOKEN = "Tk".repeat(32);
/** The Cloudflare token of worlds with a domain: must never reach a message, a log line or an Event. */
export const CF_TOKEN = "Cf".repeat(20);

/** Options of {@link startAddonsWorld}. */
export interface AddonsWorldOptions {
  /** `domain` of the spec (then the credentials carry {@link CF_TOKEN}, see `cloudflareToken`). */
  domain?: string;
  /** `cert_email` of the spec. */
  certEmail?: string;
}

/** The world. */
export interface AddonsWorld extends AsyncDisposable {
  readonly api: FakeKubeApi;
  readonly kube: KubeClient;
  readonly helm: ScriptedHelm;
  readonly chartsDir: string;
  /** Every JSON log line. */
  readonly logs: string[];
  /** The memory the operator keeps per cluster (replace to simulate a restart). */
  memory: Map<string, unknown>;
  /** The injected clock (ms). */
  now: number;
  /** Random bytes the next passphrase is made of. */
  randomByte: number;
  /** What `ctx.cloudflareToken()` returns (key `cf-api-token` of the credentials Secret). */
  cloudflareToken: string | undefined;
  /** The spec the cluster was made from (change it to simulate an edit; `context()` expands it). */
  spec: Spec;
  /** A context for one pass with the cluster as stored now. */
  context(): Promise<ReconcileContext>;
  /** One pass of the real reconciler over the CNI and Addons steps. */
  reconcile(): Promise<ReconcileResult>;
  cluster(): Promise<KubeObject>;
  /** Events on the cluster: reason and message. */
  events(): Promise<{ reason: string; message: string; count: number }[]>;
  /** Nodes and a ready `cilium` DaemonSet, as the cluster has them once Cilium runs. */
  ciliumRuns(nodes?: string[]): void;
  close(): Promise<void>;
}

/** Starts the world. */
export async function startAddonsWorld(options: AddonsWorldOptions = {}): Promise<AddonsWorld> {
  const api = await startFakeKubeApi();
  const kube = await createKubeClient({ kubeconfigYaml: api.kubeconfigYaml() });
  const chartsDir = await makeChartsDir();
  const helm = new ScriptedHelm(api.store);
  const logs: string[] = [];
  const log = createJsonLogger({ write: (line) => logs.push(line), level: "debug" });
  api.store.put(renderK8znerClusterCrd());
  for (const ns of [NS, "kube-system"]) api.store.put({ apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
  const userSpec: Spec = {
    name: NAME,
    region: "fsn1",
    mode: "dev",
    workers: { count: 1, size: "cx23" },
    ...(options.domain ? { domain: options.domain } : {}),
    ...(options.certEmail ? { cert_email: options.certEmail } : {}),
  };
  const spec = renderK8znerClusterSpec(expandSpec(userSpec), { apiAllowlist: ["198.51.100.7/32"] });
  api.store.put({
    ...renderK8znerCluster({ name: NAME, spec }),
    status: { infrastructure: { networkID: NETWORK_ID } },
  });
  let nodes: KubeObject[] = [];
  const metrics = new OperatorMetrics(PROVISIONING_PHASES);
  const world: AddonsWorld = {
    api,
    kube,
    helm,
    chartsDir,
    logs,
    memory: new Map(),
    now: Date.parse("2026-12-01T10:00:00Z"),
    randomByte: 7,
    cloudflareToken: options.domain ? CF_TOKEN : undefined,
    spec: userSpec,
    async context() {
      return contextFor(await world.cluster(), world.memory);
    },
    reconcile: () => reconciler(`${NS}/${NAME}`),
    async cluster() {
      const c = await kube.get(K8ZNER_API_VERSION, K8ZNER_CLUSTER_KIND, NAME, NS);
      if (!c) throw new Error("the K8znerCluster is gone");
      return c;
    },
    async events() {
      return (await kube.list("v1", "Event", NS)).map((e) => ({
        reason: String(e.reason),
        message: String(e.message),
        count: Number(e.count ?? 1),
      }));
    },
    ciliumRuns(names = [`${NAME}-cp-1`, `${NAME}-w-1`]) {
      nodes = names.map((name) => ({
        apiVersion: "v1",
        kind: "Node",
        metadata: { name, labels: { "k8zner.io/cluster": NAME } },
        spec: {},
        status: { conditions: [{ type: "Ready", status: "True", reason: "KubeletReady", message: "" }] },
      }));
      api.store.put({
        apiVersion: "apps/v1",
        kind: "DaemonSet",
        metadata: { name: "cilium", namespace: "kube-system" },
        spec: {
          selector: { matchLabels: { "k8s-app": "cilium" } },
          template: {
            metadata: { labels: { "k8s-app": "cilium" } },
            spec: { containers: [{ name: "cilium-agent", image: "quay.io/cilium/cilium:v1.19.3" }] },
          },
        },
        status: {
          desiredNumberScheduled: names.length,
          numberReady: names.length,
          updatedNumberScheduled: names.length,
          observedGeneration: 1,
        },
      });
    },
    async close() {
      kube.close();
      await api.close();
      await Deno.remove(chartsDir, { recursive: true });
    },
    [Symbol.asyncDispose]: () => world.close(),
  };
  const events = new EventRecorder({
    kube,
    component: "k8zner-operator",
    instance: "test",
    timers: { ...realTimers, now: () => world.now },
  });
  function contextFor(cluster: KubeObject, memory: Map<string, unknown>): ReconcileContext {
    return {
      cluster,
      desired: expandSpec(world.spec),
      kube,
      addons: {
        helm,
        chartsDir,
        random: (n: number) => new Uint8Array(n).fill(world.randomByte),
        // The scripted Helm answers within milliseconds, but a loaded machine (the whole suite beside
        // other work) has made it miss 50 ms, and the tests expect a pass to take its result inline. A
        // held run (ScriptedHelm.hold) goes to the background after this wait.
        helmInlineWaitMs: 1_000,
      },
      hcloudToken: () => TOKEN,
      cloudflareToken: () => world.cloudflareToken,
      nodes: () => nodes,
      events,
      log: log.with({ cluster: NAME }),
      metrics,
      requireLeadership: () => Promise.resolve(),
      now: () => world.now,
      sleep: () => Promise.resolve(),
      signal: new AbortController().signal,
      memory,
    } as unknown as ReconcileContext;
  }
  const reconciler = createClusterReconciler({
    kube,
    events,
    log,
    metrics,
    now: () => world.now,
    steps: [cniStep, addonsStep],
    buildContext: (cluster, _desired, _memory) => Promise.resolve(contextFor(cluster, world.memory)),
    cloudFor: () => Promise.reject(new Error("no Hetzner in these tests")),
    requireLeadership: () => Promise.resolve(),
  });
  return world;
}

/** `status.addons` of a cluster. */
export function addonsOf(cluster: KubeObject): Record<string, Record<string, unknown>> {
  return ((cluster.status as { addons?: Record<string, Record<string, unknown>> } | undefined)?.addons) ?? {};
}

/** One condition of a cluster. */
export function conditionOf(cluster: KubeObject, type: string): Record<string, unknown> | undefined {
  const list = ((cluster.status ?? {}) as { conditions?: Record<string, unknown>[] }).conditions ?? [];
  return list.find((c) => c.type === type);
}
