import { assertEquals, assertOk } from "../../tests/assert.ts";
import { type FakeKubeApi, startFakeKubeApi } from "../../tests/kube_fake/mod.ts";
import { withKubeClient } from "../../tests/kube_fake/with_kube_client.ts";
import { hostCertificate } from "../../tests/tls_fixtures.ts";
import type { KubeClient } from "./client.ts";
import type { KubeObject } from "./types.ts";

/** The fake behind mutual TLS, as kube-apiserver (and the local cloud) serves: it sees each connection. */
async function withTlsClient(fn: (kube: KubeClient, api: FakeKubeApi) => Promise<void>): Promise<void> {
  const { ca, leaf } = await hostCertificate("127.0.0.1", {
    notBefore: new Date(Date.now() - 60_000),
    validityDays: 1,
    caValidityDays: 1,
  });
  await withKubeClient(fn, { tls: { certPem: leaf.certPem, keyPem: leaf.keyPem, clientCaPem: ca.certPem } });
}

const configMap = (name: string): KubeObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace: "default" },
  data: { a: "1" },
});

Deno.test("sequential requests of every kind share one TLS connection", () =>
  withTlsClient(async (kube, api) => {
    await kube.waitForApi({ timeoutMs: 5_000 });
    for (let i = 0; i < 5; i++) {
      await kube.applyServerSide([configMap(`c${i}`)]);
      await kube.get("v1", "ConfigMap", `c${i}`, "default");
      await kube.patchMerge("v1", "ConfigMap", `c${i}`, "default", { data: { b: "2" } });
    }
    assertEquals((await kube.list("v1", "ConfigMap", "default")).length, 5);
    assertEquals(await kube.delete("v1", "ConfigMap", "c0", "default"), true);
    assertEquals(await kube.get("v1", "ConfigMap", "c0", "default"), undefined);
    assertOk(api.requests.length >= 19, `${api.requests.length} requests`);
    assertEquals(api.connections().length, 1);
  }));

Deno.test("a watch holds its own connection and requests beside it still share one", () =>
  withTlsClient(async (kube, api) => {
    const seen: string[] = [];
    const watch = await kube.watch("v1", "ConfigMap", { namespace: "default" }, (type, o) => {
      seen.push(`${type} ${o.metadata.name}`);
    });
    // Requests beside an open watch are not queued behind it: all complete while it runs.
    await Promise.all([0, 1, 2].map((i) => kube.applyServerSide([configMap(`w${i}`)])));
    for (let i = 0; i < 10; i++) await kube.get("v1", "ConfigMap", "w0", "default");
    for (let i = 0; i < 50 && seen.length < 3; i++) await new Promise((r) => setTimeout(r, 20));
    assertEquals(seen.sort(), ["ADDED w0", "ADDED w1", "ADDED w2"]);
    // One for the watch, up to three for the concurrent applies, then reused by the gets.
    assertOk(api.connections().length <= 4, `${api.connections().length} connections`);
    const before = api.connections().length;
    for (let i = 0; i < 10; i++) await kube.get("v1", "ConfigMap", "w1", "default");
    assertEquals(api.connections().length, before);
    watch.stop();
    await watch.done;
  }));

Deno.test("after the server closes an idle connection the next request opens a new one", () =>
  withTlsClient(async (kube, api) => {
    await kube.get("v1", "ConfigMap", "x", "default");
    assertEquals(api.closeIdleConnections(), 1);
    await new Promise((r) => setTimeout(r, 50));
    assertEquals(await kube.get("v1", "ConfigMap", "x", "default"), undefined);
    assertEquals(api.connections().length, 2);
  }));

Deno.test("a request cut on a reused connection before any answer is sent again on a new one", () =>
  withTlsClient(async (kube, api) => {
    await kube.get("v1", "ConfigMap", "x", "default");
    // Deno 2.9.6's node:http client sends a request again on a new connection when a reused one closes
    // before any answer (Node would emit ECONNRESET, Go's transport retries too): writes included, which
    // is safe here since the server closed the connection without reading the request.
    api.cutNextReusedRequest();
    const [created] = await kube.applyServerSide([configMap("after-cut")]);
    assertEquals(created?.metadata.name, "after-cut");
    assertEquals(api.connections().length, 2);
    api.cutNextReusedRequest();
    const made = await kube.create(configMap("created-after-cut"));
    assertEquals(made.metadata.name, "created-after-cut");
    assertEquals(api.connections().length, 3);
  }));

Deno.test("close() closes the client's idle connections", () =>
  withTlsClient(async (kube, api) => {
    await kube.get("v1", "ConfigMap", "x", "default");
    kube.close();
    await new Promise((r) => setTimeout(r, 100));
    assertEquals(api.closeIdleConnections(), 0);
  }));

Deno.test("a process that made requests and never closed its client still exits at once", async () => {
  const { ca, leaf } = await hostCertificate("127.0.0.1", {
    notBefore: new Date(Date.now() - 60_000),
    validityDays: 1,
    caValidityDays: 1,
  });
  const api = await startFakeKubeApi({ tls: { certPem: leaf.certPem, keyPem: leaf.keyPem, clientCaPem: ca.certPem } });
  try {
    const client = new URL("./client.ts", import.meta.url).href;
    const code = `const { createKubeClient } = await import(${JSON.stringify(client)});
      const kube = await createKubeClient({ kubeconfigYaml: Deno.env.get("KUBECONFIG_YAML") });
      for (let i = 0; i < 3; i++) await kube.get("v1", "ConfigMap", "x", "default");`;
    const started = performance.now();
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["eval", "--quiet", code],
      env: { KUBECONFIG_YAML: api.kubeconfigYaml() },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const seconds = (performance.now() - started) / 1000;
    assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
    assertEquals(api.connections().length, 1);
    // The idle socket's timeout is 30 s: a referenced socket would hold the process that long.
    assertOk(seconds < 15, `the process took ${seconds.toFixed(1)} s to exit`);
  } finally {
    await api.close();
  }
});
