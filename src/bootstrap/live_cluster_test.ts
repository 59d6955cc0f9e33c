import { join } from "node:path";
import { assertEquals, assertIncludes, assertOk } from "../../tests/assert.ts";
import type { KubeClient, KubeObject } from "../kube/mod.ts";
import { readKubeconfigFacts } from "../cluster/credentials/credentials.ts";
import { findLiveCluster } from "./live_cluster.ts";

const KUBECONFIG = [
  "apiVersion: v1",
  "kind: Config",
  "clusters: [{ name: demo, cluster: { server: 'https://192.0.2.1:6443' } }]",
  "contexts: [{ name: admin@demo, context: { cluster: demo, user: admin } }]",
  "current-context: admin@demo",
  "users: [{ name: admin, user: {} }]",
  "",
].join("\n");

/** A Kubernetes client whose every request fails with `message`; records the kubeconfig it was built from. */
function failingKube(message: string, seen: string[]) {
  return (yaml: string): Promise<KubeClient> => {
    seen.push(yaml);
    const server = readKubeconfigFacts(yaml)!.server;
    return Promise.resolve(
      { server, close() {}, get: () => Promise.reject(new Error(message)) } as unknown as KubeClient,
    );
  };
}

async function withKubeconfig(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(join(dir, "kubeconfig"), KUBECONFIG);
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("findLiveCluster() asks nothing when the discovery found no API server", async () => {
  await withKubeconfig(async (dir) => {
    const seen: string[] = [];
    const live = await findLiveCluster({ kube: failingKube("unused", seen) }, {
      secretsDir: dir,
      clusterName: "demo",
      apiServer: undefined,
    });
    assertEquals(live, {});
    assertEquals(seen, []);
  });
});

Deno.test("findLiveCluster() asks the discovered API server, not the kubeconfig's, and keeps the whole reason", async () => {
  await withKubeconfig(async (dir) => {
    const seen: string[] = [];
    const reason = "request to https://192.0.2.7:6443/apis/k8zner.io/v1alpha1/namespaces/k8zner-system/" +
      "k8znerclusters/demo failed, reason: connect ECONNREFUSED 192.0.2.7:6443 (after a long path to make it long)";
    const live = await findLiveCluster({ kube: failingKube(reason, seen) }, {
      secretsDir: dir,
      clusterName: "demo",
      apiServer: "https://192.0.2.7:6443",
    });
    live.kube?.close();
    assertEquals(seen.map((y) => readKubeconfigFacts(y)!.server), ["https://192.0.2.7:6443"]);
    assertEquals(live.object, undefined);
    assertEquals(live.note?.endsWith(`(${reason})`) ?? false, true, live.note);
    assertEquals(await Deno.readTextFile(join(dir, "kubeconfig")), KUBECONFIG, "the file is not written");
  });
});

const CLUSTER: KubeObject = {
  apiVersion: "k8zner.io/v1alpha1",
  kind: "K8znerCluster",
  metadata: { name: "demo", namespace: "k8zner-system" },
};

/** A client whose `get` answers `object` after `delayMs` of real time, or never when `delayMs` is undefined. */
function slowKube(object: KubeObject | undefined, delayMs: number | undefined): KubeClient {
  const client: Pick<KubeClient, "server" | "get" | "close"> = {
    server: "https://192.0.2.7:6443",
    get: () =>
      delayMs === undefined
        ? new Promise(() => {})
        : new Promise((resolve) => setTimeout(() => resolve(object), delayMs)),
    close: () => {},
  };
  return client as KubeClient;
}

/**
 * Apply's dependencies with every wait returning at once, as `K8ZNER_MAX_SLEEP_MS` makes them in
 * tests: the lookup's deadline must not be one of those waits.
 */
function deps(kube: KubeClient) {
  return { kube: () => Promise.resolve(kube), sleep: () => Promise.resolve() };
}

const options = { clusterName: "demo", apiServer: "https://192.0.2.7:6443" };

Deno.test("findLiveCluster() waits for a slow API on a real timer, not on the waits a test may cap", async () => {
  await withKubeconfig(async (dir) => {
    const live = await findLiveCluster(deps(slowKube(CLUSTER, 60)), { ...options, secretsDir: dir });
    assertEquals(live.note, undefined);
    assertEquals(live.object, CLUSTER);
  });
});

Deno.test("findLiveCluster() gives up on an API that does not answer within the timeout and says so", async () => {
  await withKubeconfig(async (dir) => {
    const started = performance.now();
    const live = await findLiveCluster(deps(slowKube(CLUSTER, undefined)), {
      ...options,
      secretsDir: dir,
      timeoutMs: 80,
    });
    const ms = performance.now() - started;
    assertEquals(live.object, undefined);
    assertIncludes(live.note ?? "", "did not answer (no answer within 0.08 s)");
    assertOk(ms >= 75, `gave up after ${ms.toFixed(0)} ms, before the 80 ms timeout`);
  });
});

Deno.test("findLiveCluster() reports an API without the K8znerCluster yet", async () => {
  await withKubeconfig(async (dir) => {
    const live = await findLiveCluster(deps(slowKube(undefined, 0)), { ...options, secretsDir: dir });
    assertEquals(live.object, undefined);
    assertEquals(live.note, "the Kubernetes API answers but has no K8znerCluster yet");
  });
});
