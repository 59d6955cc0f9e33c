import "reflect-metadata";
import { assertEquals, assertMatch } from "../assert.ts";
import { generateCa, issueCertificate } from "../../src/talos/pki.ts";
import { HELM_ROLE_NAME, renderOperatorManifests } from "../../src/addons/operator_manifests.ts";
import { startFakeKubeApi } from "./mod.ts";
import type { FakeKubeApi, KubeObj } from "./mod.ts";
import { kubectlRequirement } from "./kubectl_binary.ts";
import { requires } from "../requirements.ts";

const KUBECTL = await kubectlRequirement();

const NS = "k8zner-system";
const SA_USER = "system:serviceaccount:k8zner-system:k8zner-operator";

async function call(
  api: FakeKubeApi,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; contentType?: string; client?: Deno.HttpClient } = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const headers: Record<string, string> = {};
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers["content-type"] = options.contentType ?? "application/json";
  const res = await fetch(api.url + path, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    ...(options.client ? { client: options.client } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text.startsWith("{") ? JSON.parse(text) : { text } };
}

/**
 * An RBAC API holding what apply installs for the operator, and a token of its service account. Without
 * `helm`, the binding of Helm's ClusterRole is left out: the tests then check the operator's own rules,
 * which the binding to Helm's cluster-admin rights (ADR 0007) would otherwise hide.
 */
async function operatorCluster(
  tls?: { certPem: string; keyPem: string },
  options: { helm?: boolean } = {},
): Promise<{ api: FakeKubeApi; token: string }> {
  const api = await startFakeKubeApi({ authorization: "RBAC", ...(tls ? { tls } : {}) });
  for (
    const obj of renderOperatorManifests({
      clusterName: "demo",
      image: "ghcr.io/k8zner/k8zner-operator:1.2.3",
      replicas: 1,
      hcloudToken: "hcloud-token",
      talosSecretsYaml: "cluster:\n  id: test\n",
      talosconfig: "context: demo\n",
    })
  ) {
    const helmBinding = obj.kind === "ClusterRoleBinding" &&
      (obj.metadata as { name?: string }).name === HELM_ROLE_NAME;
    if (!helmBinding || options.helm) api.store.put(obj as KubeObj);
  }
  api.store.put({ apiVersion: "v1", kind: "Secret", metadata: { name: "unrelated", namespace: NS }, data: {} });
  return { api, token: api.store.issueServiceAccountToken(NS, "k8zner-operator") };
}

Deno.test("RBAC: the operator's service account may do what its Role grants and nothing else", async () => {
  const { api, token } = await operatorCluster();
  try {
    const secrets = api.store.listObjects("v1", "Secret", NS).map((s) => (s.metadata as { name: string }).name);
    const named = secrets.filter((n) => n !== "unrelated");
    assertEquals(named.length, 2, `the manifests create two credential Secrets: ${secrets}`);
    for (const name of named) {
      assertEquals((await call(api, "GET", `/api/v1/namespaces/${NS}/secrets/${name}`, { token })).status, 200);
    }
    const other = await call(api, "GET", `/api/v1/namespaces/${NS}/secrets/unrelated`, { token });
    assertEquals(other.status, 403);
    assertEquals(other.body.reason, "Forbidden");
    assertEquals(
      other.body.message,
      `secrets "unrelated" is forbidden: User "${SA_USER}" cannot get resource "secrets" in API group "" in the namespace "${NS}"`,
    );
    // resourceNames never grant list or watch.
    const list = await call(api, "GET", `/api/v1/namespaces/${NS}/secrets`, { token });
    assertEquals(list.status, 403);
    assertEquals(
      list.body.message,
      `secrets is forbidden: User "${SA_USER}" cannot list resource "secrets" in API group "" in the namespace "${NS}"`,
    );
    assertEquals((await call(api, "GET", "/api/v1/nodes", { token })).status, 200);
    assertEquals((await call(api, "GET", "/api/v1/pods?watch=true&timeoutSeconds=1", { token })).status, 200);
    const lease = {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: { name: "k8zner-operator", namespace: NS },
      spec: {},
    };
    assertEquals(
      (await call(api, "POST", `/apis/coordination.k8s.io/v1/namespaces/${NS}/leases`, { token, body: lease }))
        .status,
      201,
    );
    // The Role is namespaced: no leases in another namespace.
    const elsewhere = await call(api, "POST", "/apis/coordination.k8s.io/v1/namespaces/default/leases", {
      token,
      body: { ...lease, metadata: { name: "x", namespace: "default" } },
    });
    assertEquals(elsewhere.status, 403);
    assertEquals(
      elsewhere.body.message,
      `leases.coordination.k8s.io is forbidden: User "${SA_USER}" cannot create resource "leases" in API group "coordination.k8s.io" in the namespace "default"`,
    );
    // Subresources are their own resources: pods/eviction create is granted, deleting a Deployment is not.
    api.store.put({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "web", namespace: "default" },
      spec: { containers: [{ name: "c", image: "nginx" }] },
    });
    const eviction = await call(api, "POST", "/api/v1/namespaces/default/pods/web/eviction", {
      token,
      body: { apiVersion: "policy/v1", kind: "Eviction", metadata: { name: "web", namespace: "default" } },
    });
    assertEquals(eviction.status, 201, JSON.stringify(eviction.body));
    const nodeStatus = await call(api, "PATCH", "/api/v1/nodes/n1/status", {
      token,
      body: {},
      contentType: "application/merge-patch+json",
    });
    assertEquals(nodeStatus.status, 403);
    assertEquals(
      nodeStatus.body.message,
      `nodes "n1" is forbidden: User "${SA_USER}" cannot patch resource "nodes/status" in API group "" at the cluster scope`,
    );
    const deleteDeployment = await call(api, "DELETE", `/apis/apps/v1/namespaces/${NS}/deployments/k8zner-operator`, {
      token,
    });
    assertEquals(deleteDeployment.status, 403);
    // The status subresource of our custom resource is granted separately from the object.
    const status = await call(api, "GET", "/apis/k8zner.io/v1alpha1/k8znerclusters", { token });
    assertEquals(status.status, 200, JSON.stringify(status.body));
  } finally {
    await api.close();
  }
});

Deno.test("authentication: no credentials is system:anonymous, a bad or revoked token is 401", async () => {
  const { api, token } = await operatorCluster();
  try {
    assertEquals((await call(api, "GET", "/version")).status, 200);
    const anonymous = await call(api, "GET", "/api/v1/namespaces");
    assertEquals(anonymous.status, 403);
    assertEquals(
      anonymous.body.message,
      `namespaces is forbidden: User "system:anonymous" cannot list resource "namespaces" in API group "" at the cluster scope`,
    );
    assertEquals((await call(api, "GET", "/api", {})).status, 403, "discovery needs an authenticated user");
    const bad = await call(api, "GET", "/api/v1/nodes", { token: "not-a-token" });
    assertEquals(bad.status, 401);
    assertEquals(bad.body.reason, "Unauthorized");
    assertEquals((await call(api, "GET", "/api", { token })).status, 200);
    api.store.remove("v1", "ServiceAccount", "k8zner-operator", NS);
    assertEquals((await call(api, "GET", "/api/v1/nodes", { token })).status, 401, "the token dies with its account");
    assertEquals((await call(api, "GET", "/api/v1/namespaces", { token: "fake-token" })).status, 200);
    assertMatch(api.requests.at(-1)?.user ?? "", /^admin$/);
  } finally {
    await api.close();
  }
});

/** A cluster CA (one day, valid from a minute ago) and the API server's serving certificate for 127.0.0.1. */
async function clusterCa() {
  const notBefore = new Date(Date.now() - 60_000);
  const ca = await generateCa({ algorithm: "ECDSA-P256", commonName: "kubernetes", notBefore, validityDays: 1 });
  const serving = await issueCertificate(ca, {
    algorithm: "ECDSA-P256",
    commonName: "kube-apiserver",
    ipAddresses: ["127.0.0.1"],
    usage: "server",
    notBefore,
    validityDays: 1,
  });
  return { notBefore, ca, serving };
}

Deno.test("client certificates authenticate as CN and O only when they chain to the cluster CA", async () => {
  const { notBefore, ca, serving } = await clusterCa();
  const foreignCa = await generateCa({ algorithm: "ECDSA-P256", commonName: "other", notBefore, validityDays: 1 });
  const client = (issuer: typeof ca, organization: string[]) =>
    issueCertificate(issuer, {
      algorithm: "ECDSA-P256",
      commonName: "admin",
      organization,
      usage: "client",
      notBefore,
      validityDays: 1,
    });
  const api = await startFakeKubeApi({
    authorization: "RBAC",
    tls: { ...serving, clientCaPem: ca.certPem },
  });
  const clients: Deno.HttpClient[] = [];
  const httpClient = (cert?: { certPem: string; keyPem: string }) => {
    const c = Deno.createHttpClient({
      caCerts: [ca.certPem],
      ...(cert ? { cert: cert.certPem, key: cert.keyPem } : {}),
    });
    clients.push(c);
    return c;
  };
  try {
    const masters = httpClient(await client(ca, ["system:masters"]));
    assertEquals((await call(api, "GET", "/api/v1/secrets", { client: masters })).status, 200);
    assertEquals(api.requests.at(-1)?.user, "admin");
    const plain = await call(api, "GET", "/api/v1/secrets", { client: httpClient(await client(ca, ["devs"])) });
    assertEquals(plain.status, 403, "a user without bindings may not list secrets");
    const foreign = await call(api, "GET", "/api/v1/secrets", {
      client: httpClient(await client(foreignCa, ["system:masters"])),
    });
    assertEquals(foreign.status, 401, "a certificate from another CA is not trusted");
    const watch = await fetch(`${api.url}/api/v1/namespaces?watch=true&timeoutSeconds=1`, { client: masters });
    const events = (await watch.text()).trim().split("\n").map((l) => JSON.parse(l).type);
    assertEquals(events.slice(0, 1), ["ADDED"], "watches stream through the mutual-TLS server");
  } finally {
    for (const c of clients) c.close();
    await api.close();
  }
});

Deno.test(requires([KUBECTL], {
  name: "kubectl auth can-i --as the operator's service account agrees with its Role",
  fn: async () => {
    // kubectl sends bearer tokens over TLS only, as every real API server serves.
    const { serving } = await clusterCa();
    const { api } = await operatorCluster(serving);
    const dir = await Deno.makeTempDir();
    try {
      await Deno.writeTextFile(`${dir}/kubeconfig`, api.kubeconfigYaml());
      const canI = async (...args: string[]) => {
        const out = await new Deno.Command(KUBECTL.path, {
          args: ["auth", "can-i", ...args, `--as=${SA_USER}`, `--cache-dir=${dir}/cache`],
          env: { KUBECONFIG: `${dir}/kubeconfig`, HOME: dir },
        }).output();
        const text = new TextDecoder().decode(out.stdout).trim();
        if (text === "") {
          throw new Error(`kubectl auth can-i ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
        }
        return `${text} (${out.code})`;
      };
      assertEquals(await canI("get", "secrets/k8zner-cloud-credentials", "-n", NS), "yes (0)");
      assertEquals(await canI("get", "secrets/unrelated", "-n", NS), "no (1)");
      assertEquals(await canI("list", "secrets", "-n", NS), "no (1)");
      assertEquals(await canI("create", "pods", "--subresource=eviction", "-n", "default"), "yes (0)");
      assertEquals(await canI("patch", "k8znerclusters.k8zner.io", "--subresource=status"), "yes (0)");
      assertEquals(await canI("patch", "nodes", "--subresource=status"), "no (1)");
      assertEquals(await canI("delete", "nodes"), "yes (0)");
      assertEquals(await canI("delete", "deployments.apps", "-n", NS), "no (1)");
      assertEquals(await canI("create", "leases.coordination.k8s.io", "-n", NS), "yes (0)");
      assertEquals(await canI("create", "leases.coordination.k8s.io", "-n", "default"), "no (1)");
    } finally {
      await Deno.remove(dir, { recursive: true });
      await api.close();
    }
  },
}));

Deno.test("RBAC: with Helm's binding (ADR 0007) the operator's service account may install any chart: cluster-admin", async () => {
  const { api, token } = await operatorCluster(undefined, { helm: true });
  try {
    const other = await call(api, "GET", `/api/v1/namespaces/${NS}/secrets/unrelated`, { token });
    assertEquals(other.status, 200);
    const role = await call(api, "POST", "/apis/rbac.authorization.k8s.io/v1/clusterroles", {
      token,
      body: {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRole",
        metadata: { name: "cilium" },
        rules: [{ apiGroups: [""], resources: ["nodes"], verbs: ["get", "patch"] }],
      },
    });
    assertEquals(role.status, 201, "a chart's ClusterRole is created");
  } finally {
    await api.close();
  }
});
