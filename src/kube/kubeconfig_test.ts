import type { RequestOptions } from "node:https";
import * as k8s from "@kubernetes/client-node";
import { assertEquals, assertOk, assertRejects } from "../../tests/assert.ts";
import { loadKubeContext, readPlainKubeconfig } from "./kubeconfig.ts";

const CA = btoa("-----BEGIN CERTIFICATE-----\nca\n-----END CERTIFICATE-----\n");
const CERT = btoa("cert");
const KEY = btoa("key");

function kubeconfig(cluster: string, user: string, context = "    cluster: c\n    user: u\n"): string {
  return `apiVersion: v1
kind: Config
clusters:
- name: other
  cluster:
    server: https://other.example:6443
- name: c
  cluster:
${cluster}users:
- name: u
${user}contexts:
- name: ctx
  context:
${context}current-context: ctx
preferences: {}
`;
}

/** What client-node 1.4 sets for one request, without the agent it makes per request. */
async function clientNodeOptions(yaml: string, token?: () => string) {
  const kc = new k8s.KubeConfig();
  kc.loadFromString(yaml);
  if (token) {
    kc.addAuthenticator({
      isAuthProvider: () => true,
      applyAuthentication: (_user, opts) => {
        opts.headers = { ...opts.headers, Authorization: `Bearer ${token()}` };
        return Promise.resolve();
      },
    });
  }
  const options: RequestOptions = {};
  await kc.applyToHTTPSOptions(options);
  delete options.agent;
  return {
    options,
    server: kc.getCurrentCluster()!.server,
    namespace: kc.getContextObject(kc.getCurrentContext())?.namespace,
  };
}

const caFile = await Deno.makeTempFile();
await Deno.writeTextFile(caFile, "file-ca");

const PLAIN: [string, string, string?][] = [
  // k8zner's admin kubeconfig
  [
    `    server: https://203.0.113.10:6443\n    certificate-authority-data: ${CA}\n`,
    `  user:\n    client-certificate-data: ${CERT}\n    client-key-data: ${KEY}\n`,
    "    cluster: c\n    namespace: default\n    user: u\n",
  ],
  // the operator's in-cluster kubeconfig (a service-account token added by the caller)
  [
    `    server: https://10.96.0.1:443/\n    certificate-authority: ${caFile}\n`,
    "  user: {}\n",
    "    cluster: c\n    user: u\n    namespace: kube-system\n",
  ],
  // tests' plain-HTTP fakes
  ["    server: http://127.0.0.1:8080\n    insecure-skip-tls-verify: true\n", "  user:\n    token: abc\n"],
  [
    `    server: https://x\n    certificate-authority-data: ""\n    tls-server-name: kube\n`,
    "  user: null\n",
    '    cluster: c\n    user: u\n    namespace: ""\n',
  ],
];

Deno.test("readPlainKubeconfig() sets what client-node sets for each request on the kubeconfigs k8zner uses", async () => {
  for (const [cluster, user, context] of PLAIN) {
    const yaml = kubeconfig(cluster, user, context);
    for (const token of [undefined, () => "from-file"]) {
      const plain = readPlainKubeconfig(yaml, token ? { token } : {});
      assertOk(plain, yaml);
      const expected = await clientNodeOptions(yaml, token);
      const options: RequestOptions = {};
      await plain.applyToHTTPSOptions(options);
      assertEquals(options, expected.options, yaml);
      assertEquals(plain.server, expected.server);
      assertEquals(plain.namespace, expected.namespace);
      assertEquals(plain.proxyUrl, undefined);
    }
  }
});

Deno.test("readPlainKubeconfig() leaves every other kubeconfig to client-node", () => {
  const others = [
    kubeconfig("    server: https://x\n    proxy-url: http://proxy:3128\n", "  user:\n    token: a\n"),
    kubeconfig("    server: https://x\n", "  user:\n    exec:\n      command: aws\n"),
    kubeconfig("    server: https://x\n", "  user:\n    token-file: /tmp/token\n"),
    kubeconfig("    server: https://x\n", "  user:\n    client-certificate: /tmp/cert\n"),
    kubeconfig("    server: https://x\n", "  user:\n    username: a\n    password: b\n"),
    kubeconfig("    server: https://x\n", "  user:\n    token: 5\n"),
    kubeconfig("    server: https://x\n", "  user:\n    token: a\n", "    cluster: c\n    user: missing\n"),
    kubeconfig("    server: https://x\n", "  user:\n    token: a\n", "    cluster: missing\n    user: u\n"),
    kubeconfig("    certificate-authority-data: x\n", "  user:\n    token: a\n"),
    "current-context: ctx\n",
    ": not yaml: [",
  ];
  for (const yaml of others) assertEquals(readPlainKubeconfig(yaml), undefined, yaml);
});

Deno.test("loadKubeContext() reads other kubeconfigs with client-node, and throws what it throws", async () => {
  const proxied = await loadKubeContext(
    kubeconfig("    server: https://x/\n    proxy-url: http://proxy:3128\n", "  user:\n    token: a\n"),
  );
  assertEquals([proxied.server, proxied.proxyUrl, proxied.namespace], ["https://x", "http://proxy:3128", undefined]);
  const options: RequestOptions = {};
  await proxied.applyToHTTPSOptions(options);
  assertEquals(options.headers, { Authorization: "Bearer a" });
  await assertRejects(
    () => loadKubeContext(kubeconfig("    certificate-authority-data: x\n", "  user: {}\n")),
    /clusters\[1\]\.cluster\.server is missing/,
  );
});
