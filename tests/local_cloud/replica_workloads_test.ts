import { assertEquals } from "../assert.ts";
import { FAKE_CONTRACTS } from "../fake_contracts.ts";
import { FakeKubeStore, type KubeObj } from "../kube_fake/mod.ts";
import { validateBuiltinObject } from "../kube_fake/openapi_validation.ts";
import { requires } from "../requirements.ts";
import { ReplicaWorkloads } from "./replica_workloads.ts";
import { clearWorkloadFailure, failWorkload } from "./workload_failures.ts";
import { setNodeReady, testNode } from "./workload_fixtures.ts";

const CP_LABEL = "node-role.kubernetes.io/control-plane";
const CONTROL_PLANE = { key: CP_LABEL, effect: "NoSchedule" as const };

function cluster(workers = 1): FakeKubeStore {
  const store = new FakeKubeStore();
  store.put(testNode("cp-1", { labels: { [CP_LABEL]: "" }, taints: [CONTROL_PLANE] }));
  for (let i = 1; i <= workers; i++) store.put(testNode(`w-${i}`));
  return store;
}

function workload(kind: "Deployment" | "StatefulSet" | "Job", name: string, spec: Record<string, unknown> = {}) {
  const { podSpec = {}, ...rest } = spec as { podSpec?: Record<string, unknown> };
  return {
    apiVersion: kind === "Job" ? "batch/v1" : "apps/v1",
    kind,
    metadata: { name, namespace: "kube-system" },
    spec: {
      ...(kind === "Job" ? {} : { selector: { matchLabels: { app: name } } }),
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [{ name, image: `example.com/${name}:1` }],
          ...(kind === "Job" ? { restartPolicy: "Never" } : {}),
          ...podSpec,
        },
      },
      ...rest,
    },
  } as KubeObj;
}

type Status = Record<string, unknown> & { conditions?: Array<Record<string, string>> };
function statusOf(store: FakeKubeStore, kind: string, name: string): Status {
  const apiVersion = kind === "Job" ? "batch/v1" : "apps/v1";
  return (store.getObject(apiVersion, kind, name, "kube-system")!.status ?? {}) as Status;
}
const condition = (status: Status, type: string) => {
  const c = status.conditions?.find((x) => x.type === type);
  return c && `${c.status} ${c.reason}`;
};

Deno.test(requires(FAKE_CONTRACTS, {
  name: "a Deployment that fits a Ready node becomes available with the status the deployment controller writes",
  fn: () => {
    const store = cluster();
    store.put(workload("Deployment", "metrics-server", { replicas: 1 }));
    const controllers = new ReplicaWorkloads(store);
    controllers.reconcile();
    const status = statusOf(store, "Deployment", "metrics-server");
    assertEquals(
      [
        status.observedGeneration,
        status.replicas,
        status.updatedReplicas,
        status.readyReplicas,
        status.availableReplicas,
      ],
      [1, 1, 1, 1, 1],
    );
    assertEquals(status.unavailableReplicas, undefined);
    assertEquals(condition(status, "Available"), "True MinimumReplicasAvailable");
    assertEquals(condition(status, "Progressing"), "True NewReplicaSetAvailable");
    validateBuiltinObject(
      store.typeOf("apps/v1", "Deployment"),
      store.getObject("apps/v1", "Deployment", "metrics-server", "kube-system")!,
      "Strict",
    );
    const rv = store.resourceVersion;
    controllers.reconcile();
    assertEquals(store.resourceVersion, rv, "a converged pass writes nothing");

    // A new generation is observed.
    const d = store.getObject("apps/v1", "Deployment", "metrics-server", "kube-system")!;
    store.put({ ...d, spec: { ...d.spec as object, replicas: 2 } });
    controllers.reconcile();
    assertEquals([
      statusOf(store, "Deployment", "metrics-server").observedGeneration,
      statusOf(store, "Deployment", "metrics-server").readyReplicas,
    ], [2, 2]);
  },
}));

Deno.test("a Deployment whose pods fit no node stays unavailable: no matching label, or a taint not tolerated", () => {
  const store = cluster();
  store.put(workload("Deployment", "nowhere", { podSpec: { nodeSelector: { "example.com/gpu": "true" } } }));
  // Pinned to control planes without tolerating their taint: as on a real cluster, it never runs.
  store.put(workload("Deployment", "cp-untolerated", { podSpec: { nodeSelector: { [CP_LABEL]: "" } } }));
  store.put(workload("Deployment", "cp-tolerated", {
    podSpec: { nodeSelector: { [CP_LABEL]: "" }, tolerations: [{ key: CP_LABEL, operator: "Exists" }] },
  }));
  const controllers = new ReplicaWorkloads(store);
  controllers.reconcile();
  for (const name of ["nowhere", "cp-untolerated"]) {
    const status = statusOf(store, "Deployment", name);
    assertEquals([status.replicas, status.readyReplicas, status.unavailableReplicas], [1, undefined, 1], name);
    assertEquals(condition(status, "Available"), "False MinimumReplicasUnavailable", name);
    assertEquals(condition(status, "Progressing"), "True ReplicaSetUpdated", name);
  }
  assertEquals(statusOf(store, "Deployment", "cp-tolerated").readyReplicas, 1);
});

Deno.test("pods need a Ready node unless they use the host network, and replicas spread by their own anti-affinity", () => {
  const store = cluster(2);
  setNodeReady(store, "w-2", "False");
  const tolerateAll = [{ operator: "Exists" }];
  store.put(workload("Deployment", "web", { replicas: 3, podSpec: { tolerations: tolerateAll } }));
  store.put(workload("Deployment", "operator", {
    replicas: 4,
    strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "50%" } },
    podSpec: {
      hostNetwork: true,
      tolerations: tolerateAll,
      affinity: {
        podAntiAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: [{
            topologyKey: "kubernetes.io/hostname",
            labelSelector: { matchLabels: { app: "operator" } },
          }],
        },
      },
    },
  }));
  const controllers = new ReplicaWorkloads(store);
  controllers.reconcile();
  // web: one replica per node (least loaded first); the one on the NotReady w-2 waits for its network.
  const web = statusOf(store, "Deployment", "web");
  assertEquals([web.replicas, web.readyReplicas, web.unavailableReplicas], [3, 2, 1]);
  // operator: one per node (3 nodes) for 4 replicas; host network runs on the NotReady w-2 too.
  const operator = statusOf(store, "Deployment", "operator");
  assertEquals([operator.replicas, operator.readyReplicas, operator.unavailableReplicas], [4, 3, 1]);
  assertEquals(condition(operator, "Available"), "True MinimumReplicasAvailable", "3 of 4 with maxUnavailable 50%");
  assertEquals(condition(operator, "Progressing"), "True ReplicaSetUpdated", "not complete: kstatus keeps waiting");
  setNodeReady(store, "w-2", "True");
  setNodeReady(store, "cp-1", "Unknown");
  controllers.reconcile();
  assertEquals(
    statusOf(store, "Deployment", "operator").readyReplicas,
    2,
    "the node whose kubelet stopped runs nothing",
  );
});

Deno.test("failWorkload() makes a Deployment fail with ProgressDeadlineExceeded until cleared", () => {
  const store = cluster();
  const ref = { kind: "Deployment" as const, namespace: "kube-system", name: "metrics-server" };
  failWorkload(store, ref, { reason: "exec format error" });
  store.put(workload("Deployment", "metrics-server"));
  const controllers = new ReplicaWorkloads(store);
  controllers.reconcile();
  let status = statusOf(store, "Deployment", "metrics-server");
  assertEquals(status.readyReplicas, undefined);
  assertEquals(condition(status, "Available"), "False MinimumReplicasUnavailable");
  assertEquals(condition(status, "Progressing"), "False ProgressDeadlineExceeded");
  assertEquals(
    String(status.conditions?.find((c) => c.type === "Progressing")?.message).endsWith("exec format error"),
    true,
  );
  clearWorkloadFailure(store, ref);
  controllers.reconcile();
  status = statusOf(store, "Deployment", "metrics-server");
  assertEquals([status.readyReplicas, condition(status, "Progressing")], [1, "True NewReplicaSetAvailable"]);
});

Deno.test("failWorkload() with helmAttempts fails only the first Helm revisions of the owning release", () => {
  const store = cluster();
  const ref = { kind: "Deployment" as const, namespace: "kube-system", name: "metrics-server" };
  failWorkload(store, ref, { helmAttempts: 2 });
  const d = workload("Deployment", "metrics-server");
  (d.metadata as Record<string, unknown>).annotations = {
    "meta.helm.sh/release-name": "metrics-server",
    "meta.helm.sh/release-namespace": "kube-system",
  };
  store.put(d);
  const controllers = new ReplicaWorkloads(store);
  const attempt = (version: number) => {
    store.put({
      apiVersion: "v1",
      kind: "Secret",
      metadata: {
        name: `sh.helm.release.v1.metrics-server.v${version}`,
        namespace: "kube-system",
        labels: { owner: "helm", name: "metrics-server", version: String(version), status: "pending-install" },
      },
      type: "helm.sh/release.v1",
    });
    controllers.reconcile();
    return condition(statusOf(store, "Deployment", "metrics-server"), "Progressing");
  };
  assertEquals(attempt(1), "False ProgressDeadlineExceeded");
  assertEquals(attempt(2), "False ProgressDeadlineExceeded");
  assertEquals(attempt(3), "True NewReplicaSetAvailable");
});

Deno.test("a Deployment stalls with ProgressDeadlineExceeded after progressDeadlineSeconds without progress", () => {
  let now = Date.parse("2026-01-01T00:00:00Z");
  const store = new FakeKubeStore({ now: () => new Date(now) });
  store.put(testNode("cp-1", { labels: { [CP_LABEL]: "" }, taints: [CONTROL_PLANE] }));
  store.put(
    workload("Deployment", "pinned", { progressDeadlineSeconds: 60, podSpec: { nodeSelector: { [CP_LABEL]: "" } } }),
  );
  const controllers = new ReplicaWorkloads(store);
  controllers.reconcile();
  now += 59_000;
  controllers.reconcile();
  assertEquals(condition(statusOf(store, "Deployment", "pinned"), "Progressing"), "True ReplicaSetUpdated");
  now += 2_000;
  controllers.reconcile();
  assertEquals(condition(statusOf(store, "Deployment", "pinned"), "Progressing"), "False ProgressDeadlineExceeded");
});

Deno.test("a StatefulSet creates pods in order and reports matching revisions once all are ready", () => {
  const store = cluster(2);
  store.put(workload("StatefulSet", "db", { replicas: 2, serviceName: "db" }));
  const controllers = new ReplicaWorkloads(store);
  controllers.reconcile();
  const status = statusOf(store, "StatefulSet", "db");
  assertEquals([status.replicas, status.readyReplicas, status.currentReplicas, status.updatedReplicas], [2, 2, 2, 2]);
  assertEquals(status.currentRevision, status.updateRevision);
  assertEquals(status.observedGeneration, 1);

  // Pinned to a label no node has: OrderedReady makes pod 0 only, never ready.
  store.put(
    workload("StatefulSet", "stuck", { replicas: 3, serviceName: "stuck", podSpec: { nodeSelector: { x: "y" } } }),
  );
  controllers.reconcile();
  const stuck = statusOf(store, "StatefulSet", "stuck");
  assertEquals([stuck.replicas, stuck.readyReplicas], [1, 0]);
});

Deno.test(requires(FAKE_CONTRACTS, {
  name: "a Job completes once its pod could run, and fails with BackoffLimitExceeded on demand",
  fn: () => {
    const store = cluster();
    store.put(workload("Job", "migrate", { backoffLimit: 2 }));
    failWorkload(store, { kind: "Job", namespace: "kube-system", name: "broken" });
    store.put(workload("Job", "broken", { backoffLimit: 2 }));
    store.put(workload("Job", "pending", { podSpec: { nodeSelector: { x: "y" } } }));
    const controllers = new ReplicaWorkloads(store);
    controllers.reconcile();
    const done = statusOf(store, "Job", "migrate");
    assertEquals([done.succeeded, condition(done, "Complete"), condition(done, "SuccessCriteriaMet")], [
      1,
      "True CompletionsReached",
      "True CompletionsReached",
    ]);
    const broken = statusOf(store, "Job", "broken");
    assertEquals([broken.failed, condition(broken, "Failed")], [3, "True BackoffLimitExceeded"]);
    const pending = statusOf(store, "Job", "pending");
    assertEquals([pending.active, typeof pending.startTime, pending.conditions], [1, "string", undefined]);
    // Terminal Jobs stay as they ended.
    clearWorkloadFailure(store, { kind: "Job", namespace: "kube-system", name: "broken" });
    controllers.reconcile();
    assertEquals(condition(statusOf(store, "Job", "broken"), "Failed"), "True BackoffLimitExceeded");
    for (const j of store.listObjects("batch/v1", "Job")) {
      validateBuiltinObject(store.typeOf("batch/v1", "Job"), j, "Strict");
    }
  },
}));

Deno.test("a Deployment run elsewhere as real pods is counted from its pods, never modelled ready before they run", () => {
  const store = cluster();
  store.put(workload("Deployment", "k8zner-operator", { replicas: 1 }));
  const controllers = new ReplicaWorkloads(store, { runElsewhere: ["kube-system/k8zner-operator"] });
  controllers.reconcile();
  let status = statusOf(store, "Deployment", "k8zner-operator");
  assertEquals([status.replicas, status.readyReplicas, condition(status, "Available")], [
    undefined,
    undefined,
    "False MinimumReplicasUnavailable",
  ]);
  const d = store.getObject("apps/v1", "Deployment", "k8zner-operator", "kube-system")!;
  store.put({
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: "k8zner-operator-abc",
      namespace: "kube-system",
      ownerReferences: [{
        apiVersion: "apps/v1",
        kind: "Deployment",
        name: "k8zner-operator",
        uid: (d.metadata as { uid: string }).uid,
        controller: true,
      }],
    },
    spec: { nodeName: "w-1", containers: [{ name: "operator", image: "k8zner" }] },
    status: { phase: "Running", conditions: [{ type: "Ready", status: "True" }] },
  });
  controllers.reconcile();
  status = statusOf(store, "Deployment", "k8zner-operator");
  assertEquals([status.replicas, status.readyReplicas, condition(status, "Available")], [
    1,
    1,
    "True MinimumReplicasAvailable",
  ]);
});

Deno.test(requires(FAKE_CONTRACTS, {
  name: "a Deployment whose env names a missing Secret never becomes available, until the Secret exists",
  fn: () => {
    const store = cluster();
    store.put(workload("Deployment", "external-dns", {
      replicas: 1,
      podSpec: {
        containers: [{
          name: "external-dns",
          image: "registry.k8s.io/external-dns/external-dns:v0.21.0",
          env: [{
            name: "CF_API_TOKEN",
            valueFrom: { secretKeyRef: { name: "cloudflare-api-token", key: "api-token" } },
          }],
        }],
      },
    }));
    const controllers = new ReplicaWorkloads(store);
    controllers.reconcile();
    assertEquals(
      condition(statusOf(store, "Deployment", "external-dns"), "Available"),
      "False MinimumReplicasUnavailable",
    );
    // The Secret without the key is still a CreateContainerConfigError; with it the pod starts.
    const secret = {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "cloudflare-api-token", namespace: "kube-system" },
    };
    store.put({ ...secret, data: { other: btoa("x") } });
    controllers.reconcile();
    assertEquals(statusOf(store, "Deployment", "external-dns").readyReplicas, undefined);
    store.put({ ...secret, data: { "api-token": btoa("cf-token") } });
    controllers.reconcile();
    assertEquals(
      condition(statusOf(store, "Deployment", "external-dns"), "Available"),
      "True MinimumReplicasAvailable",
    );
  },
}));

Deno.test(requires(FAKE_CONTRACTS, {
  name: "Argo CD's redis-secret-init Job leaves the argocd-redis Secret its Redis needs, as its command does",
  fn: () => {
    const store = cluster();
    const redisEnv = [{ name: "AUTH", valueFrom: { secretKeyRef: { name: "argocd-redis", key: "auth" } } }];
    store.put(workload("Deployment", "argocd-redis", {
      podSpec: { containers: [{ name: "redis", image: "redis:8", env: redisEnv }] },
    }));
    const controllers = new ReplicaWorkloads(store);
    controllers.reconcile();
    assertEquals(statusOf(store, "Deployment", "argocd-redis").readyReplicas, undefined);
    store.put(workload("Job", "redis-secret-init", {
      podSpec: {
        containers: [{
          name: "secret-init",
          image: "quay.io/argoproj/argocd:v3.4.4",
          command: ["argocd", "admin", "redis-initial-password"],
        }],
      },
    }));
    controllers.reconcile();
    assertEquals(condition(statusOf(store, "Job", "redis-secret-init"), "Complete"), "True CompletionsReached");
    const secret = store.getObject("v1", "Secret", "argocd-redis", "kube-system")!;
    assertEquals(atob((secret.data as { auth: string }).auth).length, 16);
    controllers.reconcile();
    assertEquals(statusOf(store, "Deployment", "argocd-redis").readyReplicas, 1);
  },
}));
