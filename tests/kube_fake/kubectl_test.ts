/**
 * The fake API server checked against the real kubectl 1.35 (installed on first use, see
 * kubectl_binary.ts; skipped with a printed reason when no kubectl can be had).
 */
import { assertEquals, assertIncludes, assertMatch, assertOk } from "../assert.ts";
import { renderK8znerClusterCrd } from "../../src/addons/k8zner_crd.ts";
import { kubectlRequirement } from "./kubectl_binary.ts";
import { type FakeKubeApi, startFakeKubeApi } from "./mod.ts";
import { requires } from "../requirements.ts";
import { KUBERNETES_OPENAPI } from "../fake_contracts.ts";

const KUBECTL = await kubectlRequirement();

const MANIFESTS = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, listKind: WidgetList, shortNames: [wd]}
  versions:
  - name: v1
    served: true
    storage: true
    subresources: {status: {}}
    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
---
apiVersion: v1
kind: Namespace
metadata: {name: k8zner-system}
---
apiVersion: example.com/v1
kind: Widget
metadata: {name: w1, namespace: k8zner-system}
spec: {size: 1}
`;

interface Kubectl {
  (...args: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  env: Record<string, string>;
}

async function kubectlFor(api: FakeKubeApi, dir: string): Promise<Kubectl> {
  const kubeconfig = `${dir}/kubeconfig`;
  await Deno.writeTextFile(kubeconfig, api.kubeconfigYaml());
  const env = { KUBECONFIG: kubeconfig, HOME: dir };
  const run = async (...args: string[]) => {
    const out = await new Deno.Command(KUBECTL.path, { args: [...args, `--cache-dir=${dir}/cache`], env }).output();
    const decode = (b: Uint8Array) => new TextDecoder().decode(b);
    return { code: out.code, stdout: decode(out.stdout), stderr: decode(out.stderr) };
  };
  return Object.assign(run, { env });
}

Deno.test(requires([KUBECTL], {
  name: "kubectl gets namespaces, server-side applies a CRD and its resource, labels, patches and deletes it",
  fn: async () => {
    const api = await startFakeKubeApi();
    const dir = await Deno.makeTempDir();
    try {
      const kubectl = await kubectlFor(api, dir);
      const ns = await kubectl("get", "ns");
      assertEquals(ns.code, 0, ns.stderr);
      assertMatch(ns.stdout, /^NAME\s+AGE\n(.*\n)*default\s/);
      assertIncludes(ns.stdout, "kube-system");

      await Deno.writeTextFile(`${dir}/m.yaml`, MANIFESTS);
      // Like a real cluster, kubectl maps every kind before applying: the custom resource of a CRD
      // created in the same run is refused until the second run.
      const first = await kubectl("apply", "--server-side", "--validate=false", "-f", `${dir}/m.yaml`);
      assertIncludes(
        first.stdout,
        "customresourcedefinition.apiextensions.k8s.io/widgets.example.com serverside-applied",
      );
      assertIncludes(first.stderr, "ensure CRDs are installed first");
      const second = await kubectl("apply", "--server-side", "--validate=false", "-f", `${dir}/m.yaml`);
      assertEquals(second.code, 0, second.stderr);
      assertIncludes(second.stdout, "widget.example.com/w1 serverside-applied");

      const got = await kubectl("get", "widgets", "-n", "k8zner-system", "-o", "json");
      assertEquals(got.code, 0, got.stderr);
      const items = JSON.parse(got.stdout).items as { metadata: { name: string }; spec: unknown }[];
      assertEquals(items.map((i) => [i.metadata.name, i.spec]), [["w1", { size: 1 }]]);

      const labelled = await kubectl("label", "widget", "w1", "-n", "k8zner-system", "tier=gold");
      assertEquals(labelled.code, 0, labelled.stderr);
      const patched = await kubectl(
        "patch",
        "wd",
        "w1",
        "-n",
        "k8zner-system",
        "--type=merge",
        "-p",
        '{"spec":{"size":2}}',
      );
      assertEquals(patched.code, 0, patched.stderr);
      const stored = api.store.getObject("example.com/v1", "Widget", "w1", "k8zner-system")!;
      assertEquals([(stored.metadata as { labels: unknown }).labels, stored.spec], [{ tier: "gold" }, { size: 2 }]);
      const managers = (stored.metadata as { managedFields: { manager: string }[] }).managedFields.map((m) =>
        m.manager
      );
      assertEquals(managers.sort(), ["kubectl", "kubectl-label", "kubectl-patch"]);

      const deleted = await kubectl("delete", "widget", "w1", "-n", "k8zner-system");
      assertEquals(deleted.code, 0, deleted.stderr);
      assertIncludes(deleted.stdout, 'widget.example.com "w1" deleted');
      assertEquals(api.store.listObjects("example.com/v1", "Widget"), []);
    } finally {
      await api.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
}));

Deno.test(requires([KUBECTL], {
  name: "kubectl get -w prints the objects and then each change as it happens",
  fn: async () => {
    const api = await startFakeKubeApi();
    const dir = await Deno.makeTempDir();
    const kubectl = await kubectlFor(api, dir);
    api.store.put({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "first", namespace: "default" } });
    const child = new Deno.Command(KUBECTL.path, {
      args: ["get", "configmaps", "-n", "default", "-w", "-o", "name", `--cache-dir=${dir}/cache`],
      env: kubectl.env,
      stdout: "piped",
      stderr: "null",
    }).spawn();
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let seen = "";
    const readUntil = async (needle: string) => {
      const deadline = setTimeout(() => child.kill(), 10_000);
      while (!seen.includes(needle)) {
        const chunk = await reader.read();
        if (chunk.done) break;
        seen += chunk.value;
      }
      clearTimeout(deadline);
    };
    try {
      await readUntil("configmap/first");
      api.store.put({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "second", namespace: "default" } });
      await readUntil("configmap/second");
      assertEquals(seen.trim().split("\n"), ["configmap/first", "configmap/second"]);
      assertOk(
        api.requests.some((r) => r.path === "/api/v1/namespaces/default/configmaps" && /watch=true/.test(r.query)),
      );
    } finally {
      child.kill();
      await reader.cancel();
      await child.status;
      await api.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
}));

Deno.test(requires([KUBECTL], {
  name: "kubectl get k8z -A shows the CRD's printer columns with live values (server-side Table)",
  fn: async () => {
    let now = Date.parse("2026-03-01T10:00:00Z");
    const api = await startFakeKubeApi({ now: () => new Date(now) });
    const dir = await Deno.makeTempDir();
    try {
      api.store.put(renderK8znerClusterCrd());
      api.store.put({ apiVersion: "v1", kind: "Namespace", metadata: { name: "k8zner-system" } });
      api.store.put({
        apiVersion: "k8zner.io/v1alpha1",
        kind: "K8znerCluster",
        metadata: { name: "prod", namespace: "k8zner-system" },
        spec: {},
        status: { phase: "Running", controlPlanes: { ready: 3 }, workers: { ready: 2 } },
      });
      now += 5 * 60_000 + 7_000;
      const kubectl = await kubectlFor(api, dir);
      const got = await kubectl("get", "k8z", "-A");
      assertEquals(got.code, 0, got.stderr);
      const lines = got.stdout.trim().split("\n").map((l) => l.trim().split(/\s+/));
      assertEquals(lines, [
        ["NAMESPACE", "NAME", "PHASE", "CPS", "WORKERS", "AGE"],
        ["k8zner-system", "prod", "Running", "3", "2", "5m7s"],
      ]);
      assertOk(api.requests.some((r) => r.path === "/apis/k8zner.io/v1alpha1/k8znerclusters"));
    } finally {
      await api.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
}));

function pod(name: string, ready: boolean): Record<string, unknown> {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: "default",
      labels: { app: "web" },
      ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "web-1", uid: "rs-1", controller: true }],
    },
    spec: { nodeName: name === "web-a" ? "n1" : "n2", containers: [{ name: "c", image: "nginx" }] },
    status: { phase: "Running", conditions: [{ type: "Ready", status: ready ? "True" : "False" }] },
  };
}

Deno.test(requires([KUBECTL], {
  name: "kubectl drain evicts through pods/eviction: refused by the PodDisruptionBudget with 429, then allowed",
  fn: async () => {
    const api = await startFakeKubeApi();
    const dir = await Deno.makeTempDir();
    try {
      for (const n of ["n1", "n2"]) api.store.put({ apiVersion: "v1", kind: "Node", metadata: { name: n } });
      api.store.put(pod("web-a", true));
      api.store.put(pod("web-b", false));
      api.store.put({
        apiVersion: "policy/v1",
        kind: "PodDisruptionBudget",
        metadata: { name: "web", namespace: "default" },
        spec: { minAvailable: 1, selector: { matchLabels: { app: "web" } } },
      });
      const kubectl = await kubectlFor(api, dir);
      const refused = await kubectl("drain", "n1", "--timeout=2s");
      assertEquals(refused.code, 1, refused.stdout);
      assertIncludes(refused.stdout + refused.stderr, "node/n1 cordoned");
      assertIncludes(
        refused.stderr,
        `error when evicting pods/"web-a" -n "default" (will retry after 5s): ` +
          "Cannot evict pod as it would violate the pod's disruption budget.",
      );
      assertOk(api.store.getObject("v1", "Pod", "web-a", "default"), "the pod stays");
      api.store.put(pod("web-b", true));
      const drained = await kubectl("drain", "n1", "--timeout=10s");
      assertEquals(drained.code, 0, drained.stderr);
      assertIncludes(drained.stdout, "pod/web-a evicted");
      assertIncludes(drained.stdout, "node/n1 drained");
      assertEquals(api.store.getObject("v1", "Pod", "web-a", "default"), undefined);
      const node = api.store.getObject("v1", "Node", "n1")!;
      assertEquals((node.spec as { unschedulable?: boolean }).unschedulable, true);
      assertOk(api.requests.some((r) => r.method === "POST" && r.path.endsWith("/pods/web-a/eviction")));
    } finally {
      await api.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
}));

Deno.test(requires([KUBECTL], {
  name: "kubectl get k8z -w prints printer-column rows as the status changes (Table watch events)",
  fn: async () => {
    const api = await startFakeKubeApi();
    const dir = await Deno.makeTempDir();
    const kubectl = await kubectlFor(api, dir);
    api.store.put(renderK8znerClusterCrd());
    api.store.put({ apiVersion: "v1", kind: "Namespace", metadata: { name: "k8zner-system" } });
    const cluster = {
      apiVersion: "k8zner.io/v1alpha1",
      kind: "K8znerCluster",
      metadata: { name: "prod", namespace: "k8zner-system" },
      spec: {},
      status: { phase: "Provisioning", controlPlanes: { ready: 0 } },
    };
    api.store.put(cluster);
    const child = new Deno.Command(KUBECTL.path, {
      args: ["get", "k8z", "-n", "k8zner-system", "-w", `--cache-dir=${dir}/cache`],
      env: kubectl.env,
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let seen = "";
    const readUntil = async (needle: RegExp) => {
      const deadline = setTimeout(() => child.kill(), 10_000);
      while (!needle.test(seen)) {
        const chunk = await reader.read();
        if (chunk.done) break;
        seen += chunk.value;
      }
      clearTimeout(deadline);
    };
    try {
      // Whole lines: a read can end mid-row, before the AGE cell.
      await readUntil(/prod\s+Provisioning\s+0[^\n]*\n/);
      api.store.put({ ...cluster, status: { phase: "Running", controlPlanes: { ready: 3 }, workers: { ready: 2 } } });
      await readUntil(/prod\s+Running\s+3\s+2[^\n]*\n/);
      const lines = seen.trim().split("\n");
      assertEquals(lines.length, 3, seen);
      assertMatch(lines[0]!, /^NAME\s+PHASE\s+CPS\s+WORKERS\s+AGE$/);
      // An absent status.workers.ready is a null cell, which kubectl leaves blank.
      assertMatch(lines[1]!, /^prod\s+Provisioning\s+0\s+\d+s$/);
      assertMatch(lines[2]!, /^prod\s+Running\s+3\s+2\s+\d+s$/);
    } finally {
      child.kill();
      await reader.cancel();
      await child.stderr.cancel();
      await child.status;
      await api.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
}));

Deno.test(requires([KUBECTL, KUBERNETES_OPENAPI], {
  name: "kubectl sees the fake refuse an unknown field of a built-in kind as the real server's strict decoder does",
  fn: async () => {
    const api = await startFakeKubeApi();
    const dir = await Deno.makeTempDir();
    try {
      const kubectl = await kubectlFor(api, dir);
      await Deno.writeTextFile(
        `${dir}/cm.json`,
        JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, dataa: { a: "b" } }),
      );
      const refused = await kubectl("create", "--raw", "/api/v1/namespaces/default/configmaps", "-f", `${dir}/cm.json`);
      assertEquals(refused.code, 1);
      assertIncludes(refused.stderr, 'Error from server (BadRequest): strict decoding error: unknown field "dataa"');
      assertEquals(api.store.listObjects("v1", "ConfigMap", "default"), []);
    } finally {
      await api.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
}));

Deno.test(requires([KUBECTL], {
  name: "kubectl get nodes prints STATUS and ROLES from the server's Node table, -o wide the addresses",
  fn: async () => {
    const api = await startFakeKubeApi();
    const dir = await Deno.makeTempDir();
    const node = (name: string, labels: Record<string, string>, ready: string | undefined, extra = {}) => ({
      apiVersion: "v1",
      kind: "Node",
      metadata: { name, labels },
      spec: extra,
      status: {
        ...(ready ? { conditions: [{ type: "Ready", status: ready }] } : {}),
        addresses: [{ type: "InternalIP", address: "10.0.1.2" }, { type: "ExternalIP", address: "203.0.113.5" }],
        nodeInfo: { kubeletVersion: "v1.35.0", osImage: "Talos (v1.13.9)" },
      },
    });
    try {
      api.store.put(
        node("a-cp", { "node-role.kubernetes.io/control-plane": "", "kubernetes.io/role": "etcd" }, "True"),
      );
      api.store.put(node("b-worker", {}, "False", { unschedulable: true }));
      api.store.put(node("c-lost", { "node-role.kubernetes.io/worker": "" }, "Unknown"));
      api.store.put(node("d-new", {}, undefined));
      const kubectl = await kubectlFor(api, dir);
      const got = await kubectl("get", "nodes");
      assertEquals(got.code, 0, got.stderr);
      const rows = got.stdout.trim().split("\n").map((l) => l.split(/\s+/));
      assertEquals(rows.map((r) => r.slice(0, 3).join(" ")), [
        "NAME STATUS ROLES",
        "a-cp Ready control-plane,etcd",
        "b-worker NotReady,SchedulingDisabled <none>",
        "c-lost NotReady worker",
        "d-new Unknown <none>",
      ]);
      assertEquals(rows[0], ["NAME", "STATUS", "ROLES", "AGE", "VERSION"]);
      assertEquals(rows[1]![4], "v1.35.0");
      const wide = await kubectl("get", "nodes", "-o", "wide");
      assertMatch(
        wide.stdout.split("\n")[0]!,
        /INTERNAL-IP\s+EXTERNAL-IP\s+OS-IMAGE\s+KERNEL-VERSION\s+CONTAINER-RUNTIME/,
      );
      assertMatch(
        wide.stdout.split("\n")[1]!,
        /10\.0\.1\.2\s+203\.0\.113\.5\s+Talos \(v1\.13\.9\)\s+<unknown>\s+<unknown>/,
      );
    } finally {
      await api.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
}));
