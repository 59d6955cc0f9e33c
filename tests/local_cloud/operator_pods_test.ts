/**
 * The operator Deployment run as child processes, with a stand-in script for the binary
 * (testdata/operator_stand_in.ts) that authenticates to the cluster's API with the pod's service account
 * and binds its health address: env and args as the kubelet builds them, restart after a crash, a new
 * pod for a changed template, none after scaling to zero.
 */
import { assertEquals, assertOk } from "../assert.ts";
import { renderOperatorManifests } from "../../src/addons/operator_manifests.ts";
import type { KubeObj } from "../kube_fake/mod.ts";
import { type LocalCloud, type OperatorPod, type OperatorSpawn, startLocalCloud } from "./mod.ts";
import { startTestCluster } from "./test_cluster.ts";
import { hcloud, waitFor, waitForAction } from "./test_helpers.ts";
import { withFakes } from "../fake_contracts.ts";

const STAND_IN = new URL("./testdata/operator_stand_in.ts", import.meta.url).pathname;

/** Runs the stand-in with exactly the env the local cloud passes (plus what Deno needs to start). */
const standIn: OperatorSpawn = (args, options) => {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--no-config", STAND_IN, ...args],
    cwd: options.cwd,
    clearEnv: true,
    env: { PATH: Deno.env.get("PATH") ?? "", HOME: Deno.env.get("HOME") ?? "/tmp", NO_COLOR: "1", ...options.env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const pump = async (stream: ReadableStream<Uint8Array>, name: "stdout" | "stderr") => {
    let pending = "";
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      const lines = (pending + chunk).split("\n");
      pending = lines.pop()!;
      for (const line of lines) options.onLine(line, name);
    }
    if (pending) options.onLine(pending, name);
  };
  const done = Promise.all([child.status, pump(child.stdout, "stdout"), pump(child.stderr, "stderr")])
    .then(([s]) => ({ code: s.code, signal: s.signal }));
  return {
    pid: child.pid,
    done,
    kill: (signal = "SIGTERM") => {
      try {
        child.kill(signal);
      } catch {
        // already exited
      }
    },
  };
};

function report(pod: OperatorPod, run = 0): Record<string, unknown> | undefined {
  const lines = pod.lines.filter((l) => l.startsWith("{"));
  return lines[run] ? JSON.parse(lines[run]!) : undefined;
}

function onlyPod(cloud: LocalCloud): OperatorPod | undefined {
  const pods = [...cloud.operatorPods.values()];
  return pods.length === 1 ? pods[0] : undefined;
}

Deno.test(withFakes(
  "the operator Deployment runs as processes with the pod's env, service account and address map",
  async () => {
    await using cloud = await startLocalCloud({
      speed: 1000,
      rescueSsh: false,
      operator: { spawn: standIn, maxRestartBackoffMs: 200 },
    });
    const cluster = await startTestCluster(cloud, "op", { controlPlanes: 1 });
    const cp = cluster.controlPlanes[0]!;
    await waitFor("the control plane's Node", () => cluster.store.getObject("v1", "Node", cp.name));
    assertEquals(cloud.operatorPods.size, 0, "no Deployment, no operator");
    for (
      const obj of renderOperatorManifests({
        clusterName: "op",
        image: "ghcr.io/k8zner/k8zner-operator:1.2.3",
        replicas: 2,
        hcloudToken: "hcloud-token-123",
        talosSecretsYaml: "cluster:\n  id: test\n",
        talosconfig: "context: op\n",
      })
    ) cluster.store.put(obj as KubeObj);

    const pod = await waitFor("the operator's first report", () => {
      const p = onlyPod(cloud);
      return p && report(p) ? p : undefined;
    }, 20_000);
    const podIp = cloud.privateLoopbackOf(cluster.network, cp.privateIp);
    assertEquals(pod.nodeName, cp.name);
    assertEquals(pod.podIp, podIp);
    assertEquals(report(pod), {
      args: ["operator", `--health-probe-bind-address=${podIp}:8081`, `--metrics-bind-address=${podIp}:8080`],
      namespace: "k8zner-system",
      // Authenticated as system:serviceaccount:k8zner-system:k8zner-operator and authorized by its roles;
      // listing Secrets comes from the binding Helm installs charts with (cluster-admin, ADR 0007).
      nodes: 200,
      secretsList: 200,
      env: {
        POD_NAME: pod.name,
        POD_NAMESPACE: "k8zner-system",
        POD_IP: podIp,
        HCLOUD_TOKEN: "hcloud-token-123",
        HCLOUD_ENDPOINT: cloud.hcloudUrl,
        K8ZNER_TALOS_ADDRESS_MAP: cloud.privateAddressMap(cluster.network),
        K8ZNER_CLUSTER: "op",
      },
    });
    assertEquals(pod.env.KUBERNETES_SERVICE_HOST, podIp, "localhost on a host-network pod is its node");
    // Two replicas, one control plane: the second pod cannot be placed (anti-affinity, host ports).
    assertEquals(cloud.operatorPods.size, 1);

    // A crash is restarted in the same pod after a (capped) backoff.
    const firstPid = pod.pid;
    pod.kill("SIGKILL");
    await waitFor("the restarted container's report", () => report(pod, 1), 20_000);
    assertEquals(pod.restarts, 1);
    assertOk(pod.pid !== firstPid);

    // A changed template replaces the pod; the old process gets SIGTERM.
    const deployment = cluster.store.getObject("apps/v1", "Deployment", "k8zner-operator", "k8zner-system")!;
    const template = (deployment.spec as { template: { metadata: { annotations?: Record<string, string> } } })
      .template;
    template.metadata.annotations = { "kubectl.kubernetes.io/restartedAt": "2026-01-01T00:00:00Z" };
    cluster.store.put(deployment);
    const replaced = await waitFor("the new pod's report", () => {
      const p = onlyPod(cloud);
      return p && p.name !== pod.name && report(p) ? p : undefined;
    }, 20_000);
    assertEquals(pod.lines.at(-1), "terminating");
    assertEquals(replaced.restarts, 0);
    assertEquals(cluster.store.getObject("v1", "Pod", pod.name, "k8zner-system"), undefined, "the old Pod object went");

    // The pod is an object too, bound to its Node and reported running by the kubelet stand-in.
    const object = await waitFor("the Pod object running", () => {
      const p = cluster.store.getObject("v1", "Pod", replaced.name, "k8zner-system");
      return (p?.status as { phase?: string } | undefined)?.phase === "Running" ? p : undefined;
    });
    assertEquals((object.spec as { nodeName: string }).nodeName, cp.name);
    // Deleting the Pod object stops its process; the replica count brings a new pod.
    cluster.store.remove("v1", "Pod", replaced.name, "k8zner-system");
    const third = await waitFor("a pod replacing the deleted one", () => {
      const p = onlyPod(cloud);
      return p && p.name !== replaced.name && report(p) ? p : undefined;
    }, 20_000);
    assertEquals(replaced.lines.at(-1), "terminating");

    // Scaled to zero: nothing runs.
    (deployment.spec as { replicas: number }).replicas = 0;
    cluster.store.put(deployment);
    await waitFor("no operator pods", () => cloud.operatorPods.size === 0, 10_000);
    assertEquals(third.lines.at(-1), "terminating");
    assertEquals(cluster.store.listObjects("v1", "Pod", "k8zner-system"), []);
  },
));

Deno.test(withFakes(
  "operator replicas run one per control plane, and a pod whose node powers off is placed on a free one",
  async () => {
    await using cloud = await startLocalCloud({
      speed: 1000,
      rescueSsh: false,
      operator: { spawn: standIn, maxRestartBackoffMs: 200 },
    });
    const cluster = await startTestCluster(cloud, "op3", { controlPlanes: 3 });
    const [cp1, cp2, cp3] = cluster.controlPlanes.map((cp) => cp.name);
    await waitFor("three Nodes", () => cluster.store.listObjects("v1", "Node").length === 3, 10_000);
    for (
      const obj of renderOperatorManifests({
        clusterName: "op3",
        image: "ghcr.io/k8zner/k8zner-operator:1.2.3",
        replicas: 2,
        hcloudToken: "t",
        talosSecretsYaml: "cluster:\n  id: test\n",
        talosconfig: "context: op3\n",
      })
    ) cluster.store.put(obj as KubeObj);
    const placed = () => [...cloud.operatorPods.values()].filter((p) => report(p)).map((p) => p.nodeName).sort();
    await waitFor("two reporting pods", () => placed().length === 2, 20_000);
    assertEquals(placed(), [cp1, cp2]);
    const ips = [...cloud.operatorPods.values()].map((p) => p.podIp);
    assertEquals(new Set(ips).size, 2, "each pod has its node's address");

    const doomed = [...cloud.operatorPods.values()].find((p) => p.nodeName === cp2)!;
    const server = cluster.controlPlanes[1]!;
    const { body } = await hcloud(cloud.hcloudUrl, "POST", `/servers/${server.id}/actions/poweroff`);
    await waitForAction(cloud.hcloudUrl, body.action.id);
    await waitFor("a pod on the third control plane", () => placed().join() === [cp1, cp3].join(), 20_000);
    assertEquals(cloud.operatorPods.has(doomed.name), false, "the pod died with its node");
  },
));
