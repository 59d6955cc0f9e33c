import { assertEquals } from "../../tests/assert.ts";
import { startFakeKubeApi } from "../../tests/kube_fake/mod.ts";
import { renderK8znerCluster, renderK8znerClusterSpec } from "../addons/k8zner_cluster.ts";
import { renderK8znerClusterCrd } from "../addons/k8zner_crd.ts";
import { expandSpec } from "../config/mod.ts";
import { createKubeClient } from "../kube/mod.ts";
import { stopOperator } from "./destroy_operator.ts";

const SPEC = { name: "demo", region: "fsn1", mode: "dev", workers: { count: 1, size: "cx33" } } as const;
const POD_LABELS = { "app.kubernetes.io/name": "k8zner-operator" };

async function withApi(
  withCluster: boolean,
  fn: (ctx: { api: Awaited<ReturnType<typeof startFakeKubeApi>> }) => Promise<void>,
): Promise<void> {
  const api = await startFakeKubeApi();
  try {
    const kube = await createKubeClient({ kubeconfigYaml: api.kubeconfigYaml() });
    try {
      await kube.applyServerSide([
        renderK8znerClusterCrd(),
        { apiVersion: "v1", kind: "Namespace", metadata: { name: "k8zner-system" } },
      ]);
      if (withCluster) {
        await kube.create(renderK8znerCluster({ name: "demo", spec: renderK8znerClusterSpec(expandSpec(SPEC)) }));
      }
    } finally {
      kube.close();
    }
    api.store.put({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "k8zner-operator", namespace: "k8zner-system", labels: POD_LABELS },
      spec: {
        replicas: 1,
        selector: { matchLabels: POD_LABELS },
        template: { metadata: { labels: POD_LABELS }, spec: { containers: [{ name: "operator", image: "x" }] } },
      },
    });
    api.store.put({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "k8zner-operator-1", namespace: "k8zner-system", labels: POD_LABELS },
      spec: { containers: [{ name: "operator", image: "x" }] },
    });
    await fn({ api });
  } finally {
    await api.close();
  }
}

Deno.test("stopOperator deletes the operator Deployment and returns only once its pods are gone", async () => {
  await withApi(true, async ({ api }) => {
    const kube = await createKubeClient({ kubeconfigYaml: api.kubeconfigYaml() });
    let polls = 0;
    try {
      const result = await stopOperator({
        kube,
        now: Date.now,
        sleep: (ms) => {
          // The pod terminates after a few polls, as after its grace period.
          if (++polls === 3) api.store.remove("v1", "Pod", "k8zner-operator-1", "k8zner-system");
          return new Promise((r) => setTimeout(r, Math.min(ms, 5)));
        },
      }, "demo");
      assertEquals(result, {
        outcome: "stopped",
        detail: "deleted Deployment k8zner-system/k8zner-operator; no pod of it runs",
      });
      assertEquals(polls, 3);
      assertEquals(api.store.getObject("apps/v1", "Deployment", "k8zner-operator", "k8zner-system"), undefined);
    } finally {
      kube.close();
    }
  });
});

Deno.test("stopOperator leaves an API without this cluster's K8znerCluster alone, and gives up on pods that stay", async () => {
  await withApi(false, async ({ api }) => {
    const kube = await createKubeClient({ kubeconfigYaml: api.kubeconfigYaml() });
    try {
      const other = await stopOperator({ kube, now: Date.now, sleep: () => Promise.resolve() }, "demo");
      assertEquals(other.outcome, "skipped");
      assertEquals(other.detail, "this API holds no K8znerCluster demo; its operator is left alone");
      assertEquals(
        api.store.getObject("apps/v1", "Deployment", "k8zner-operator", "k8zner-system")?.kind,
        "Deployment",
      );
    } finally {
      kube.close();
    }
  });
  await withApi(true, async ({ api }) => {
    const kube = await createKubeClient({ kubeconfigYaml: api.kubeconfigYaml() });
    try {
      let t = 0;
      const stuck = await stopOperator(
        { kube, now: () => t, sleep: () => Promise.resolve(void (t += 1_000)), timeoutMs: 5_000 },
        "demo",
      );
      assertEquals(stuck, { outcome: "skipped", detail: "1 operator pod(s) still there after 5 s" });
    } finally {
      kube.close();
    }
  });
});

Deno.test("stopOperator reports an API that does not answer instead of failing the destroy", async () => {
  const api = await startFakeKubeApi();
  const kube = await createKubeClient({ kubeconfigYaml: api.kubeconfigYaml() });
  await api.close();
  try {
    const result = await stopOperator({ kube, now: Date.now, sleep: () => Promise.resolve() }, "demo");
    assertEquals(result.outcome, "skipped");
    assertEquals(result.detail.startsWith("the cluster's API did not answer ("), true, result.detail);
  } finally {
    kube.close();
  }
});
