import Ajv2020 from "ajv/dist/2020";
import { assertEquals, assertIncludes, assertOk, assertThrows } from "../../tests/assert.ts";
import { startFakeKubeApi } from "../../tests/kube_fake/mod.ts";
import { findKubectl } from "../../tests/kube_fake/kubectl_binary.ts";
import { expandSpec } from "../config/expand.ts";
import type { Spec } from "../config/spec.ts";
import { createKubeClient } from "../kube/client.ts";
import type { KubeObject } from "../kube/types.ts";
import { renderK8znerCluster, renderK8znerClusterSpec } from "./k8zner_cluster.ts";
import { K8ZNER_CLUSTER_SCHEMA } from "./k8zner_crd.ts";
import { renderOperatorManifests } from "./operator_manifests.ts";

const GOLDEN = new URL("../../tests/golden/operator_manifests.json", import.meta.url);

const SPEC: Spec = {
  name: "demo",
  region: "fsn1",
  mode: "ha",
  workers: { count: 2, size: "cx33" },
  domain: "example.com",
  monitoring: true,
  backup: true,
  api_allowlist: ["203.0.113.0/24"],
};

const INPUT = {
  clusterName: "demo",
  image: "ghcr.io/k8zner/k8zner-operator:1.2.3",
  replicas: 2,
  hcloudToken: "hcloud-token-for-tests",
  talosSecretsYaml: "cluster:\n  id: test\n",
  talosconfig: "context: demo\n",
};

function sampleCluster(): KubeObject {
  return renderK8znerCluster({
    name: "demo",
    spec: renderK8znerClusterSpec(expandSpec(SPEC)),
    status: {
      phase: "Provisioning",
      provisioningPhase: "CNI",
      controlPlaneEndpoint: "203.0.113.10",
      controlPlanes: {
        desired: 3,
        ready: 1,
        nodes: [{ name: "demo-cp-1", serverID: 42, publicIP: "203.0.113.11", healthy: true }],
      },
      workers: { desired: 2 },
      conditions: [{
        type: "Bootstrapped",
        status: "True",
        reason: "EtcdBootstrapped",
        message: "etcd bootstrapped on demo-cp-1",
        lastTransitionTime: "2026-01-01T00:00:00Z",
      }],
    },
  });
}

Deno.test("renderOperatorManifests() and renderK8znerCluster() match the golden file (UPDATE_GOLDEN=1 rewrites it)", async () => {
  const rendered = JSON.stringify({ cluster: sampleCluster(), operator: renderOperatorManifests(INPUT) }, null, 2) +
    "\n";
  if (Deno.env.get("UPDATE_GOLDEN") === "1") await Deno.writeTextFile(GOLDEN, rendered);
  assertEquals(rendered, await Deno.readTextFile(GOLDEN));
});

Deno.test("renderOperatorManifests() renders in apply order, deterministically, with credentials only base64 in the Secret", () => {
  const objects = renderOperatorManifests(INPUT);
  assertEquals(objects.map((o) => `${o.kind}/${o.metadata.name}`), [
    "CustomResourceDefinition/k8znerclusters.k8zner.io",
    "Namespace/k8zner-system",
    "ServiceAccount/k8zner-operator",
    "ClusterRole/k8zner-operator",
    "ClusterRoleBinding/k8zner-operator",
    "ClusterRole/k8zner-operator-helm",
    "ClusterRoleBinding/k8zner-operator-helm",
    "Role/k8zner-operator",
    "RoleBinding/k8zner-operator",
    "Secret/k8zner-cloud-credentials",
    "Secret/k8zner-talos-credentials",
    "Service/k8zner-operator-metrics",
    "Deployment/k8zner-operator",
  ]);
  assertEquals(JSON.stringify(renderOperatorManifests(INPUT)), JSON.stringify(objects));
  const text = JSON.stringify(objects);
  assertOk(!text.includes(INPUT.hcloudToken), "the token must not appear in clear text");
  const secrets = objects.filter((o) => o.kind === "Secret");
  // Tokens and Talos credentials never share a Secret.
  assertEquals(secrets.map((o) => [o.metadata.name, Object.keys(o.data as object)]), [
    ["k8zner-cloud-credentials", ["hcloud-token"]],
    ["k8zner-talos-credentials", ["talos-secrets", "talosconfig"]],
  ]);
  assertEquals(atob((secrets[0]!.data as Record<string, string>)["hcloud-token"]!), INPUT.hcloudToken);
  const withCloudflare = renderOperatorManifests({ ...INPUT, cloudflareApiToken: "cf" });
  const cloud = withCloudflare.find((o) => o.metadata.name === "k8zner-cloud-credentials")!;
  assertEquals(Object.keys(cloud.data as object), ["cf-api-token", "hcloud-token"]);
  const withoutCredentials = renderOperatorManifests({ clusterName: "demo", image: INPUT.image, replicas: 1 });
  assertEquals(withoutCredentials.some((o) => o.kind === "Secret"), false);
});

Deno.test("the operator Deployment runs `k8zner operator` on control planes with host networking, non-root and read-only", () => {
  const deploy = renderOperatorManifests(INPUT).find((o) => o.kind === "Deployment")!;
  // deno-lint-ignore no-explicit-any
  const pod = (deploy.spec as any).template.spec;
  const container = pod.containers[0];
  assertEquals([container.image, container.command], [INPUT.image, ["/k8zner", "operator"]]);
  assertEquals([pod.hostNetwork, pod.nodeSelector], [true, { "node-role.kubernetes.io/control-plane": "" }]);
  assertOk(pod.tolerations.some((t: { key: string }) => t.key === "node-role.kubernetes.io/control-plane"));
  assertEquals([pod.securityContext.runAsNonRoot, container.securityContext.readOnlyRootFilesystem], [true, true]);
  assertEquals([container.livenessProbe.httpGet.path, container.readinessProbe.httpGet.path], ["/healthz", "/readyz"]);
  assertThrows(() => renderOperatorManifests({ ...INPUT, replicas: 0 }), RangeError);
});

Deno.test("the operator's own RBAC grants no wildcard and reads secrets only inside k8zner-system; Helm's role is apart", () => {
  const objects = renderOperatorManifests(INPUT);
  type Rule = { apiGroups: string[]; resources: string[]; verbs: string[] };
  const clusterRules = objects.find((o) => o.kind === "ClusterRole" && o.metadata.name === "k8zner-operator")!
    .rules as Rule[];
  // Helm installs charts that create ClusterRoles: only cluster-admin can (ADR 0007), in a role of its own.
  const helm = objects.filter((o) => o.metadata.name === "k8zner-operator-helm");
  assertEquals(helm.map((o) => o.kind), ["ClusterRole", "ClusterRoleBinding"]);
  assertEquals(helm[1]!.subjects, [{ kind: "ServiceAccount", name: "k8zner-operator", namespace: "k8zner-system" }]);
  const roleRules = objects.find((o) => o.kind === "Role")!.rules as Rule[];
  for (const rule of [...clusterRules, ...roleRules]) {
    assertOk(![...rule.apiGroups, ...rule.resources, ...rule.verbs].includes("*"), JSON.stringify(rule));
  }
  assertEquals(clusterRules.some((r) => r.resources.includes("secrets")), false);
  // Exactly `get` on exactly the two credentials Secrets: no list/watch (they cannot be narrowed by name).
  const secretRules = roleRules.filter((r) => r.resources.includes("secrets"));
  assertEquals(secretRules, [{
    apiGroups: [""],
    resourceNames: ["k8zner-cloud-credentials", "k8zner-talos-credentials"],
    resources: ["secrets"],
    verbs: ["get"],
  }]);
  // The Deployment takes its token from the cloud Secret, which the Role names.
  // deno-lint-ignore no-explicit-any
  const env = (objects.find((o) => o.kind === "Deployment")!.spec as any).template.spec.containers[0].env;
  const token = env.find((e: { name: string }) => e.name === "HCLOUD_TOKEN");
  assertEquals(token.valueFrom.secretKeyRef, { key: "hcloud-token", name: "k8zner-cloud-credentials" });
  const crRule = clusterRules.find((r) => r.resources.includes("k8znerclusters"))!;
  assertEquals(crRule.verbs.includes("delete") || crRule.verbs.includes("create"), false);
});

Deno.test("the CRD's openAPIV3Schema is structural: every property declares a type", () => {
  const missing: string[] = [];
  const walk = (node: Record<string, unknown>, path: string) => {
    if (node.type === undefined && node["x-kubernetes-preserve-unknown-fields"] !== true) missing.push(path);
    for (const [key, child] of Object.entries((node.properties ?? {}) as Record<string, Record<string, unknown>>)) {
      walk(child, `${path}.${key}`);
    }
    if (node.items) walk(node.items as Record<string, unknown>, `${path}[]`);
    if (typeof node.additionalProperties === "object") {
      walk(node.additionalProperties as Record<string, unknown>, `${path}{}`);
    }
  };
  walk(K8ZNER_CLUSTER_SCHEMA, "");
  assertEquals(missing, []);
});

Deno.test("the CRD's schema accepts a rendered K8znerCluster and rejects bad ones, naming the field", () => {
  // deno-lint-ignore no-explicit-any
  const ajv = new (Ajv2020 as any)({ strict: false, allErrors: true, validateFormats: false });
  const validate = ajv.compile(K8ZNER_CLUSTER_SCHEMA);
  const good = sampleCluster();
  assertOk(validate(good), JSON.stringify(validate.errors));
  // deno-lint-ignore no-explicit-any
  const spec = good.spec as any;
  assertEquals(spec.network, {
    ipv4CIDR: "10.0.0.0/16",
    nodeIPv4CIDR: "10.0.0.0/17",
    podCIDR: "10.0.128.0/17",
    serviceCIDR: "10.96.0.0/12",
  });
  const bad = (mutate: (s: Record<string, unknown>) => void, expectPath: string) => {
    const copy = structuredClone(good);
    mutate(copy.spec as Record<string, unknown>);
    assertEquals(validate(copy), false, `expected ${expectPath} to be rejected`);
    const paths = (validate.errors as { instancePath: string }[]).map((e) => e.instancePath);
    assertOk(paths.some((p) => p.startsWith(expectPath)), `${expectPath} not in ${paths.join(", ")}`);
  };
  bad((s) => s.region = "us-east", "/spec/region");
  bad((s) => (s.controlPlanes as Record<string, unknown>).count = 2, "/spec/controlPlanes/count");
  bad((s) => (s.workers as Record<string, unknown>).count = 0, "/spec/workers/count");
  bad((s) => (s.talos as Record<string, unknown>).version = "1.13.9", "/spec/talos/version");
  bad((s) => (s.network as Record<string, unknown>).podCIDR = "10.0.128.0", "/spec/network/podCIDR");
  const noCredentials = structuredClone(good);
  delete (noCredentials.spec as Record<string, unknown>).credentialsRef;
  assertEquals(validate(noCredentials), false);
});

Deno.test("after applying the manifests the fake API serves K8znerClusters, with status, to the client and kubectl", async () => {
  const api = await startFakeKubeApi();
  const client = await createKubeClient({ kubeconfigYaml: api.kubeconfigYaml() });
  const dir = await Deno.makeTempDir();
  try {
    await client.applyServerSide(renderOperatorManifests(INPUT));
    const cluster = sampleCluster();
    const { status, ...withoutStatus } = cluster;
    await client.applyServerSide([withoutStatus as KubeObject]);
    await client.patchStatus(
      "k8zner.io/v1alpha1",
      "K8znerCluster",
      "demo",
      "k8zner-system",
      status as Record<string, unknown>,
    );
    const stored = await client.get("k8zner.io/v1alpha1", "K8znerCluster", "demo", "k8zner-system");
    assertEquals([stored?.spec, stored?.status], [cluster.spec, status]);
    const secret = await client.get("v1", "Secret", "k8zner-cloud-credentials", "k8zner-system");
    assertEquals(atob((secret?.data as Record<string, string>)["hcloud-token"]!), INPUT.hcloudToken);

    const kubectl = await findKubectl();
    if (kubectl.path !== undefined) {
      await Deno.writeTextFile(`${dir}/kubeconfig`, api.kubeconfigYaml());
      const out = await new Deno.Command(kubectl.path, {
        args: ["get", "k8z", "-n", "k8zner-system", "-o", "json", `--cache-dir=${dir}/cache`],
        env: { KUBECONFIG: `${dir}/kubeconfig`, HOME: dir },
      }).output();
      const stdout = new TextDecoder().decode(out.stdout);
      assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
      assertIncludes(stdout, '"provisioningPhase": "CNI"');
      assertEquals(JSON.parse(stdout).items.map((i: KubeObject) => i.metadata.name), ["demo"]);
    } else {
      console.log(`kubectl part skipped: ${kubectl.reason}`);
    }
  } finally {
    client.close();
    await api.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("renderOperatorManifests() with backup adds Secret <cluster>-backup-s3 with the five keys, and none without", () => {
  const base = { clusterName: "bk", image: "ghcr.io/x/k8zner:1", replicas: 1 };
  const backup = {
    accessKeyId: "AKID1",
    secretAccessKey: "S3CRET",
    endpoint: "https://fsn1.your-objectstorage.com",
    bucket: "bk-etcd-backups",
    region: "fsn1",
  };
  const secret = renderOperatorManifests({ ...base, backup }).find((o) => o.metadata.name === "bk-backup-s3");
  assertEquals(secret?.metadata.namespace, "k8zner-system");
  const data = Object.fromEntries(Object.entries(secret?.data as Record<string, string>).map(([k, v]) => [k, atob(v)]));
  assertEquals(data, {
    "access-key": "AKID1",
    bucket: "bk-etcd-backups",
    endpoint: "https://fsn1.your-objectstorage.com",
    region: "fsn1",
    "secret-key": "S3CRET",
  });
  assertEquals(renderOperatorManifests(base).some((o) => o.metadata.name === "bk-backup-s3"), false);
});
